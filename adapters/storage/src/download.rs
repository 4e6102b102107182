//! A stored object read as the domain's [`ByteSource`], piece by piece.

use async_trait::async_trait;
use bytes::Bytes;
use confab_domain::DomainError;
use confab_domain::ports::ByteSource;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;

use crate::errors::store_error;

/// How much one chunk gathers. The local store reads 8 KiB at a time; handing the HTTP layer
/// 64 KiB pieces costs a little memory per download and saves it most of its per-chunk work.
const CHUNK_BYTES: usize = 64 * 1024;

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
