//! A stored object read as the domain's [`ByteSource`], piece by piece: a local file by large
//! reads of our own, anything else through `object_store`'s stream.

use std::io::SeekFrom;

use async_trait::async_trait;
use bytes::Bytes;
use confab_domain::DomainError;
use confab_domain::ports::ByteSource;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use object_store::{GetResult, GetResultPayload};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use crate::errors::store_error;

/// How much one chunk gathers. The local store reads 8 KiB at a time; handing the HTTP layer
/// 64 KiB pieces costs a little memory per download and saves it most of its per-chunk work.
const CHUNK_BYTES: usize = 64 * 1024;

/// One read of a local file: `object_store` reads a local file 8 KiB per blocking task, which
/// cost a download about 9 ms of CPU per MiB; 256 KiB per read costs a fraction of it and holds
/// a quarter of a MiB per download.
const FILE_READ_BYTES: u64 = 256 * 1024;

/// The bytes of a `get` (its range, when it had one), read as cheaply as the store allows.
///
/// # Errors
/// `Internal` when a local file cannot be positioned.
pub(crate) async fn bytes_of(found: GetResult) -> Result<Box<dyn ByteSource>, DomainError> {
    match found.payload {
        GetResultPayload::File(file, _) => {
            let mut file = tokio::fs::File::from_std(file);
            file.seek(SeekFrom::Start(found.range.start))
                .await
                .map_err(|e| DomainError::Internal(format!("file store seek: {e}")))?;
            Ok(Box::new(FileBytes {
                file,
                left: found.range.end - found.range.start,
            }))
        }
        GetResultPayload::Stream(stream) => Ok(Box::new(ObjectBytes::new(stream))),
    }
}

/// A local file's bytes from where it was positioned, `left` of them.
struct FileBytes {
    file: tokio::fs::File,
    left: u64,
}

#[async_trait]
impl ByteSource for FileBytes {
    /// # Errors
    /// `Internal` for a read failure or a file shorter than its record.
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, DomainError> {
        if self.left == 0 {
            return Ok(None);
        }
        let want = self.left.min(FILE_READ_BYTES);
        let mut chunk = Vec::with_capacity(usize::try_from(want).unwrap_or(usize::MAX));
        let read = (&mut self.file)
            .take(want)
            .read_to_end(&mut chunk)
            .await
            .map_err(|e| DomainError::Internal(format!("file store read: {e}")))?;
        if read == 0 {
            return Err(DomainError::Internal("a stored file ended early".into()));
        }
        self.left -= read as u64;
        Ok(Some(chunk))
    }
}

/// The bytes of one `get`, as they are read; never more than about [`CHUNK_BYTES`] held at once.
pub(crate) struct ObjectBytes {
    stream: BoxStream<'static, object_store::Result<Bytes>>,
}

impl ObjectBytes {
    pub(crate) fn new(stream: BoxStream<'static, object_store::Result<Bytes>>) -> Self {
        Self { stream }
    }
}

#[async_trait]
impl ByteSource for ObjectBytes {
    /// # Errors
    /// `AttachmentNotFound` when the object vanished while being read; `Internal` for a read
    /// failure; `Unavailable` when a remote store stops answering.
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, DomainError> {
        let mut chunk = Vec::new();
        while chunk.len() < CHUNK_BYTES {
            match self.stream.next().await {
                Some(Ok(bytes)) => chunk.extend_from_slice(&bytes),
                Some(Err(error)) => return Err(store_error(error)),
                None => break,
            }
        }
        Ok((!chunk.is_empty()).then_some(chunk))
    }
}
