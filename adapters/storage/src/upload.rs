//! Streaming an upload into S3's multipart write with bounded memory, measuring it on the way.

use bytes::Bytes;
use confab_domain::DomainError;
use confab_domain::attachment::content_type::SNIFF_BYTES;
use confab_domain::ports::StoredFile;
use object_store::{MultipartUpload, PutPayloadMut};
use sha2::{Digest, Sha256};
use tokio::task::JoinHandle;

use crate::errors::store_error;

/// The size of every part but the last on S3, which refuses parts under 5 MiB (except the last);
/// 8 MiB keeps a 1 GiB file well under S3's 10,000-part cap.
///
/// Memory per upload is bounded by two parts plus one chunk of the source: one part travels to
/// the store while the next fills, and the next is not sent before the one in flight has landed.
pub const PART_SIZE: usize = 8 * 1024 * 1024;

/// Size, SHA-256 and the first bytes of everything seen so far.
pub(crate) struct Meter {
    size: u64,
    sha256: Sha256,
    head: Vec<u8>,
}

impl Meter {
    pub(crate) fn new() -> Self {
        Self {
            size: 0,
            sha256: Sha256::new(),
            head: Vec::new(),
        }
    }

    /// Counts `chunk` in and returns the size so far.
    pub(crate) fn add(&mut self, chunk: &[u8]) -> u64 {
        self.size += chunk.len() as u64;
        self.sha256.update(chunk);
        let wanted = SNIFF_BYTES.saturating_sub(self.head.len()).min(chunk.len());
        self.head.extend_from_slice(&chunk[..wanted]);
        self.size
    }

    pub(crate) fn finish(self) -> StoredFile {
        StoredFile {
            size: self.size,
            sha256: hex::encode(self.sha256.finalize()),
            head: self.head,
        }
    }
}

/// A multipart upload (S3's) fed chunk by chunk, cut into parts of [`PART_SIZE`].
///
/// Dropped unfinished (the request that fed it was cancelled), it aborts the upload in the
/// background, so neither a staged file nor S3's hidden parts outlive it.
pub(crate) struct PartWriter {
    upload: Option<Box<dyn MultipartUpload>>,
    part_size: usize,
    filling: PutPayloadMut,
    in_flight: Option<JoinHandle<object_store::Result<()>>>,
}

impl PartWriter {
    pub(crate) fn new(upload: Box<dyn MultipartUpload>, part_size: usize) -> Self {
        Self {
            upload: Some(upload),
            part_size,
            filling: PutPayloadMut::new(),
            in_flight: None,
        }
    }

    /// Buffers `bytes`, sending each part as it fills.
    ///
    /// # Errors
    /// The store's error for a part that failed (`Unavailable` when out of reach).
    pub(crate) async fn write(&mut self, mut bytes: Bytes) -> Result<(), DomainError> {
        while !bytes.is_empty() {
            let room = self.part_size - self.filling.content_length();
            if bytes.len() < room {
                self.filling.push(bytes);
                return Ok(());
            }
            self.filling.push(bytes.split_to(room));
            self.send_filled_part().await?;
        }
        Ok(())
    }

    /// Sends what is buffered as the last part and makes the object visible under its key.
    ///
    /// # Errors
    /// The store's error; the upload is then aborted and nothing is left under the key.
    pub(crate) async fn finish(mut self) -> Result<(), DomainError> {
        // A zero-byte file sends no part at all: the stores complete an upload of no parts as an
        // empty object (S3 by sending one empty part itself).
        let sent = async {
            if self.filling.content_length() > 0 {
                self.send_filled_part().await?;
            }
            self.land_in_flight().await
        }
        .await;
        if let Err(error) = sent {
            self.abort().await;
            return Err(error);
        }
        let mut upload = self.upload.take().expect("an upload finishes once");
        match upload.complete().await {
            Ok(_) => Ok(()),
            Err(error) => {
                abort_upload(&mut upload, None).await;
                Err(store_error(error))
            }
        }
    }

    /// Gives up: discards every part already sent.
    pub(crate) async fn abort(mut self) {
        if let Some(mut upload) = self.upload.take() {
            abort_upload(&mut upload, self.in_flight.take()).await;
        }
    }

    /// Waits for the part in flight (so at most one travels while the next fills), then starts
    /// sending the filled buffer.
    async fn send_filled_part(&mut self) -> Result<(), DomainError> {
        self.land_in_flight().await?;
        let part = std::mem::take(&mut self.filling).freeze();
        let upload = self
            .upload
            .as_mut()
            .expect("parts are sent before finishing");
        // Spawned so the part travels while the caller reads the next chunk of its source. The
        // part's number is fixed here, at the call, so parts stay in order.
        self.in_flight = Some(tokio::spawn(upload.put_part(part)));
        Ok(())
    }

    async fn land_in_flight(&mut self) -> Result<(), DomainError> {
        let Some(part) = self.in_flight.take() else {
            return Ok(());
        };
        match part.await {
            Ok(sent) => sent.map_err(store_error),
            Err(join) => Err(DomainError::Internal(format!(
                "file store part upload: {join}"
            ))),
        }
    }
}

impl Drop for PartWriter {
    fn drop(&mut self) {
        let Some(mut upload) = self.upload.take() else {
            return;
        };
        let in_flight = self.in_flight.take();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { abort_upload(&mut upload, in_flight).await });
        }
    }
}

/// Lets the part in flight land first: S3 may keep a part whose upload was still running when
/// the abort arrived, and then bill for it with no object to show.
async fn abort_upload(
    upload: &mut Box<dyn MultipartUpload>,
    in_flight: Option<JoinHandle<object_store::Result<()>>>,
) {
    if let Some(part) = in_flight {
        // Its outcome no longer matters, only that it is over.
        let _ = part.await;
    }
    // Best effort: the caller is already reporting the error that made it give up.
    if let Err(cleanup) = upload.abort().await {
        tracing::warn!(%cleanup, "could not abort a file store upload");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_meter_keeps_only_the_first_bytes_and_hashes_them_all() {
        let mut meter = Meter::new();
        meter.add(&[b'a'; 300]);
        assert_eq!(meter.add(&[b'b'; 300]), 600);
        let stored = meter.finish();
        assert_eq!(stored.size, 600);
        assert_eq!(stored.head.len(), SNIFF_BYTES.min(600));
        assert_eq!(stored.head[299..301], *b"ab");
        assert_eq!(stored.sha256.len(), 64);
    }

    #[test]
    fn an_empty_file_has_the_well_known_empty_digest() {
        assert_eq!(
            Meter::new().finish().sha256,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
