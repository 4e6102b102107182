use std::time::Duration;

use async_trait::async_trait;

use crate::DomainError;
pub use crate::attachment::ByteRange;

/// Bytes arriving in pieces: an upload being received, or a stored file being read. (A trait of
/// the domain's own so that no stream library leaks into the ports.)
#[async_trait]
pub trait ByteSource: Send {
    /// The next piece, `None` at the end.
    ///
    /// # Errors
    /// Whatever cut the bytes short: an upload that ended early is `Invalid` on `file`; a store
    /// out of reach is `Unavailable`.
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, DomainError>;

    /// Appends at most `max` (more than 0) of the next bytes to `buffer` and says how many (0
    /// only at the end). A source that can copy straight into the caller's buffer overrides this,
    /// so a store that recycles its buffers pays for no allocation per piece and gets pieces of
    /// the size it asked for; this default appends a whole [`next_chunk`](Self::next_chunk),
    /// which may be more than `max` and grow `buffer` past its capacity.
    ///
    /// # Errors
    /// As [`next_chunk`](Self::next_chunk).
    async fn read_into(&mut self, buffer: &mut Vec<u8>, max: usize) -> Result<usize, DomainError> {
        // A whole chunk is appended, whatever `max` says: this source cannot split its pieces.
        let _ = max;
        while let Some(chunk) = self.next_chunk().await? {
            if !chunk.is_empty() {
                buffer.extend_from_slice(&chunk);
                return Ok(chunk.len());
            }
        }
        Ok(0)
    }
}

/// What storing a file measured on the way, without ever holding it whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub size: u64,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    /// The first bytes (up to [`SNIFF_BYTES`](crate::attachment::content_type::SNIFF_BYTES)), to
    /// tell the file's type from.
    pub head: Vec<u8>,
}

/// How a client gets the bytes of a stored file.
pub enum Retrieval {
    /// Through this server, as they are read.
    Stream(Box<dyn ByteSource>),
    /// From the store itself: a URL that works without credentials until it expires (S3's
    /// presigned GET), so the node never carries the bytes.
    Redirect(String),
}

impl std::fmt::Debug for Retrieval {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Stream(_) => f.write_str("Stream"),
            Self::Redirect(url) => write!(f, "Redirect({url})"),
        }
    }
}

/// How a download should look to the browser when the store serves it itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presentation {
    pub content_type: String,
    /// The `Content-Disposition` to answer with.
    pub disposition: String,
}

/// Where a client sends a direct upload's bytes itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadTarget {
    pub method: String,
    pub url: String,
    /// Headers the request must carry (the signature may cover them).
    pub headers: Vec<(String, String)>,
}

/// Where the bytes of attachments live: a folder, or any S3-compatible store. Keys come from
/// [`storage_key`](crate::attachment::storage_key); nothing here knows about conversations or
/// who may read what — the use cases decide that first.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait FileStore: Send + Sync {
    /// Streams `source` into `key`, measuring its size and SHA-256 on the way and keeping its
    /// first bytes. Stops as soon as more than `limit` bytes arrived. On any error nothing stays
    /// stored under `key`.
    ///
    /// # Errors
    /// `FileTooLarge` past `limit`; the source's own error when it breaks off; `Unavailable`
    /// when the store cannot be reached.
    async fn put(
        &self,
        key: &str,
        source: Box<dyn ByteSource>,
        limit: u64,
    ) -> Result<StoredFile, DomainError>;

    /// Stores a small object made here (a thumbnail) whole.
    ///
    /// # Errors
    /// `Unavailable` when the store cannot be reached.
    async fn put_small(&self, key: &str, bytes: Vec<u8>) -> Result<(), DomainError>;

    /// The whole object, when it has at most `limit` bytes (an image to make a thumbnail of).
    ///
    /// # Errors
    /// `FileTooLarge` past `limit`; `AttachmentNotFound` when there is no such object;
    /// `Unavailable` when the store cannot be reached.
    async fn read_small(&self, key: &str, limit: u64) -> Result<Vec<u8>, DomainError>;

    /// The whole object's bytes, read here as they come whatever the store (a file copied into
    /// a data export): never a redirect.
    ///
    /// # Errors
    /// `AttachmentNotFound` when there is no such object; `Unavailable` when the store cannot be
    /// reached.
    async fn read(&self, key: &str) -> Result<Box<dyn ByteSource>, DomainError>;

    /// The object's bytes (`range` of them, when given), or where the client can fetch them.
    /// `presentation` is what a store that serves them itself must answer with.
    ///
    /// # Errors
    /// `AttachmentNotFound` when there is no such object; `Unavailable` when the store cannot be
    /// reached.
    async fn retrieve(
        &self,
        key: &str,
        range: Option<ByteRange>,
        presentation: &Presentation,
        valid_for: Duration,
    ) -> Result<Retrieval, DomainError>;

    /// Where a client can `PUT` up to `size` bytes into `key` itself, valid for `valid_for`; `None`
    /// when the store takes bytes only through this server (a local folder).
    ///
    /// # Errors
    /// `Unavailable` when the store cannot be reached.
    async fn upload_target(
        &self,
        key: &str,
        size: u64,
        valid_for: Duration,
    ) -> Result<Option<UploadTarget>, DomainError>;

    /// Reads the object through once to measure it as [`FileStore::put`] does (size, SHA-256,
    /// first bytes): how a direct upload is checked against what was announced.
    ///
    /// # Errors
    /// `AttachmentNotFound` when nothing was stored under `key`; `Unavailable` when the store
    /// cannot be reached.
    async fn measure(&self, key: &str) -> Result<StoredFile, DomainError>;

    /// Removes the objects; ones already gone are fine.
    ///
    /// # Errors
    /// `Unavailable` when the store cannot be reached.
    async fn delete(&self, keys: &[String]) -> Result<(), DomainError>;

    /// What `/health` shows: the kind of store and where, without credentials.
    fn describe(&self) -> String;
}
