//! Confab's [`ImageProcessor`]: an image's size, a thumbnail, and a copy without metadata, read
//! with the pure-Rust `image` crate (JPEG, PNG, GIF and WebP only; no C library parses uploads).
//!
//! The size comes from the header alone; the pixels are decoded only for images the domain allows
//! a thumbnail ([`ImageSize::thumbnail`]), so a small file claiming a huge canvas is never
//! decoded. Metadata is removed from the stored copy by copying the file's structure without the
//! metadata blocks, never by re-encoding: the photo keeps its quality and its bytes.
//!
//! [`ImageSize::thumbnail`]: confab_domain::ImageSize::thumbnail

mod avatar;
mod kind;
mod metadata;
#[cfg(test)]
mod samples;
mod thumbnail;

use std::num::NonZeroUsize;
use std::sync::Arc;

use async_trait::async_trait;
use confab_domain::DomainError;
use confab_domain::ports::{AvatarImages, ImageProcessor, ProcessedImage};
use tokio::sync::Semaphore;

use kind::Kind;

/// Reads images on tokio's blocking threads, a bounded number at a time (clones share the bound).
///
/// Why a bound: decoding a photo of [`MAX_THUMBNAIL_PIXELS`] (40 MP) needs about 160 MB for its
/// pixels alone, and the blocking pool would happily run 20 uploads' decodes side by side (3 GB).
/// With the bound, an upload beyond it waits for a permit instead of taking memory; the wait is
/// short (a 12 MP JPEG takes about 0.1 s in a release build), and the CPUs are busy anyway.
///
/// [`MAX_THUMBNAIL_PIXELS`]: confab_domain::attachment::MAX_THUMBNAIL_PIXELS
#[derive(Debug, Clone)]
pub struct ImageWorker {
    permits: Arc<Semaphore>,
}

impl ImageWorker {
    /// A worker that reads at most `max_parallel` images at once (0 counts as 1).
    pub fn new(max_parallel: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(max_parallel.max(1))),
        }
    }
}

impl Default for ImageWorker {
    /// One image at a time per CPU: more would only share the same cores and add memory.
    fn default() -> Self {
        Self::new(std::thread::available_parallelism().map_or(1, NonZeroUsize::get))
    }
}

#[async_trait]
impl ImageProcessor for ImageWorker {
    async fn process(
        &self,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Result<Option<ProcessedImage>, DomainError> {
        self.off_the_workers(content_type, move |kind| read(kind, &bytes))
            .await
    }

    async fn avatar(
        &self,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Result<Option<AvatarImages>, DomainError> {
        self.off_the_workers(content_type, move |kind| avatar::make(kind, &bytes))
            .await
    }
}

impl ImageWorker {
    /// Runs `work` on a blocking thread under a permit; `None` for a type it does not read.
    async fn off_the_workers<T, F>(
        &self,
        content_type: &str,
        work: F,
    ) -> Result<Option<T>, DomainError>
    where
        T: Send + 'static,
        F: FnOnce(Kind) -> Option<T> + Send + 'static,
    {
        let Some(kind) = Kind::from_content_type(content_type) else {
            return Ok(None);
        };
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|e| DomainError::Internal(format!("image worker: {e}")))?;
        // The permit moves into the task: should the upload be cancelled while the image is being
        // read, the memory stays in use until the task ends, and so does the permit.
        let task = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work(kind)
        });
        match task.await {
            Ok(read) => Ok(read),
            // A decoder that panics on a file has met a broken file: the upload is kept as a
            // plain file rather than refused with a 500 each time it is tried.
            Err(e) => {
                tracing::error!(error = %e, content_type, "reading an image panicked");
                Ok(None)
            }
        }
    }
}

/// Everything [`ImageWorker::process`] does, without the thread hop. `None` when the header
/// cannot be read.
fn read(kind: Kind, bytes: &[u8]) -> Option<ProcessedImage> {
    let (size, thumbnail) = thumbnail::read(kind, bytes)?;
    Some(ProcessedImage {
        size,
        thumbnail,
        without_metadata: metadata::strip(kind, bytes),
    })
}

#[cfg(test)]
mod tests;
