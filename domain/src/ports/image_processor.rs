use async_trait::async_trait;

use crate::{DomainError, ImageSize};

/// What reading an image gave: its size, and a thumbnail when it was small enough to decode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessedImage {
    pub size: ImageSize,
    pub thumbnail: Option<Thumbnail>,
    /// The file again without its metadata (EXIF with its GPS position, XMP, comments), when it
    /// had any; `None` when the stored bytes can be served as they are.
    pub without_metadata: Option<Vec<u8>>,
}

/// A small re-encoded copy of an image, without any of its metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thumbnail {
    pub bytes: Vec<u8>,
    pub content_type: String,
}

/// An avatar made from an uploaded picture: a centred square at each
/// [`AvatarSize`](crate::AvatarSize), re-encoded without metadata, both of one type (JPEG, or PNG
/// when the picture has transparency).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvatarImages {
    pub content_type: String,
    /// 256 px.
    pub large: Vec<u8>,
    /// 64 px.
    pub small: Vec<u8>,
}

/// Reads images: their size, a thumbnail ([`ImageSize::thumbnail`] decides its size and whether
/// there is one), and a copy without metadata. Decoding is CPU work: implementations run it off
/// the async workers and bound how many run at once.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ImageProcessor: Send + Sync {
    /// `None` when the bytes are not an image of a kind it reads (JPEG, PNG, GIF, WebP), or are
    /// broken.
    ///
    /// # Errors
    /// `Internal` only.
    async fn process(
        &self,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Result<Option<ProcessedImage>, DomainError>;

    /// The avatar pictures of an image; `None` when the bytes are not an image of a kind it
    /// reads, are broken, or have more pixels than
    /// [`MAX_THUMBNAIL_PIXELS`](crate::attachment::MAX_THUMBNAIL_PIXELS) (never decoded).
    ///
    /// # Errors
    /// `Internal` only.
    async fn avatar(
        &self,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Result<Option<AvatarImages>, DomainError>;
}
