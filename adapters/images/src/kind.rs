//! The image formats this adapter reads, named once so that every `match` over them is exhaustive.

use image::ImageFormat;

/// An image format the adapter reads: the four a browser shows inline and this build decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Jpeg,
    Png,
    Gif,
    WebP,
}

impl Kind {
    /// The kind for a content type read from the bytes (see `confab_domain::attachment::content_type`);
    /// `None` for every other type, which is then not an image to us.
    pub(crate) fn from_content_type(content_type: &str) -> Option<Self> {
        match content_type {
            "image/jpeg" => Some(Self::Jpeg),
            "image/png" => Some(Self::Png),
            "image/gif" => Some(Self::Gif),
            "image/webp" => Some(Self::WebP),
            _ => None,
        }
    }

    pub(crate) fn format(self) -> ImageFormat {
        match self {
            Self::Jpeg => ImageFormat::Jpeg,
            Self::Png => ImageFormat::Png,
            Self::Gif => ImageFormat::Gif,
            Self::WebP => ImageFormat::WebP,
        }
    }
}
