//! An image's size and its thumbnail: the header is read first, and the pixels are decoded only
//! when the domain allows a thumbnail for that size — never for a decompression bomb, a small
//! file that claims a canvas of gigabytes.

use std::io::Cursor;

use confab_domain::ImageSize;
use confab_domain::attachment::MAX_THUMBNAIL_PIXELS;
use confab_domain::ports::Thumbnail;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::metadata::Orientation;
use image::{DynamicImage, ExtendedColorType, ImageDecoder, ImageError, ImageReader, Limits};

use crate::kind::Kind;

/// The most a decode may allocate: the largest image we decode (40 MP) as 8-bit RGBA, and room
/// for the decoder's own buffers. An image that needs more (16 bits a channel, say) fails the
/// decode and is kept without a thumbnail, rather than taking more memory.
const DECODE_BUDGET_BYTES: u64 = MAX_THUMBNAIL_PIXELS * 4 + 64 * 1024 * 1024;

/// JPEG quality of thumbnails: small files without visible blocks at 320 px.
const JPEG_QUALITY: u8 = 80;

/// What the header says, before any pixel is decoded.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Header {
    /// As stored, before the orientation is applied.
    pub width: u32,
    pub height: u32,
    /// From the Exif block, which cameras write instead of turning the pixels.
    pub orientation: Orientation,
}

impl Header {
    /// The size as shown: browsers apply the Exif orientation, which the copy without metadata
    /// keeps, so a portrait photo stored sideways is reported as portrait.
    pub fn shown_size(self) -> ImageSize {
        if turns_sideways(self.orientation) {
            ImageSize {
                width: self.height,
                height: self.width,
            }
        } else {
            ImageSize {
                width: self.width,
                height: self.height,
            }
        }
    }
}

/// The image's size as shown, and a thumbnail when the domain allows one and the pixels decode.
/// `None` when the bytes are not a readable `kind` image.
pub(crate) fn read(kind: Kind, bytes: &[u8]) -> Option<(ImageSize, Option<Thumbnail>)> {
    let header = read_header(kind, bytes)?;
    let size = header.shown_size();
    let thumbnail = size
        .thumbnail()
        .and_then(|target| make_thumbnail(kind, bytes, header, target));
    Some((size, thumbnail))
}

/// The header alone. Building the decoder reads the headers and no pixel data; it is given the
/// decode budget so that oversized metadata (a PNG's compressed text, say) cannot make it allocate
/// without bound, but no limit on the dimensions, so that a huge image still gets its size.
pub(crate) fn read_header(kind: Kind, bytes: &[u8]) -> Option<Header> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .ok()?;
    if reader.format() != Some(kind.format()) {
        return None;
    }
    let mut limits = Limits::default();
    limits.max_alloc = Some(DECODE_BUDGET_BYTES);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().ok()?;
    let (width, height) = decoder.dimensions();
    // A broken Exif block only loses the orientation: the image itself is fine.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    Some(Header {
        width,
        height,
        orientation,
    })
}

/// Decodes, shrinks to `target` (a size as shown), applies the orientation and re-encodes.
/// `None` when the pixels do not decode (a truncated file, a budget exceeded): the image is then
/// kept without a thumbnail.
fn make_thumbnail(
    kind: Kind,
    bytes: &[u8],
    header: Header,
    target: ImageSize,
) -> Option<Thumbnail> {
    let image = match decode(kind, bytes, header) {
        Ok(image) => image,
        Err(e) => {
            tracing::debug!(error = %e, ?kind, "image pixels did not decode; no thumbnail");
            return None;
        }
    };
    // Shrink first, then turn: turning 320 px is cheaper than turning 40 MP.
    let (width, height) = if turns_sideways(header.orientation) {
        (target.height, target.width)
    } else {
        (target.width, target.height)
    };
    // `thumbnail_exact` averages every source pixel into its target pixel: sharp, free of the
    // aliasing of nearest-neighbour, and much faster than a convolution filter on a large photo.
    let mut small = image.thumbnail_exact(width, height);
    drop(image);
    small.apply_orientation(header.orientation);
    encode(&small)
}

/// The pixels, with the limits set: no wider or taller than the header said (which the caller has
/// checked against the domain's pixel limit) and no more memory than [`DECODE_BUDGET_BYTES`]. A GIF
/// gives its first frame.
pub(crate) fn decode(kind: Kind, bytes: &[u8], header: Header) -> Result<DynamicImage, ImageError> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), kind.format());
    let mut limits = Limits::default();
    limits.max_image_width = Some(header.width);
    limits.max_image_height = Some(header.height);
    limits.max_alloc = Some(DECODE_BUDGET_BYTES);
    reader.limits(limits);
    reader.decode()
}

/// JPEG when every pixel is opaque (much smaller for photos), PNG when some are not (JPEG has no
/// alpha). Neither encoder writes metadata: the thumbnail carries none.
fn encode(image: &DynamicImage) -> Option<Thumbnail> {
    encode_as(image, has_transparency(image))
}

/// As [`encode`], PNG when `transparent`, JPEG otherwise.
pub(crate) fn encode_as(image: &DynamicImage, transparent: bool) -> Option<Thumbnail> {
    let mut bytes = Vec::new();
    let content_type = if transparent {
        let rgba = image.to_rgba8();
        image::ImageEncoder::write_image(
            PngEncoder::new(&mut bytes),
            rgba.as_raw(),
            rgba.width(),
            rgba.height(),
            ExtendedColorType::Rgba8,
        )
        .ok()?;
        "image/png"
    } else {
        let rgb = image.to_rgb8();
        JpegEncoder::new_with_quality(&mut bytes, JPEG_QUALITY)
            .encode_image(&rgb)
            .ok()?;
        "image/jpeg"
    };
    Some(Thumbnail {
        bytes,
        content_type: content_type.to_owned(),
    })
}

/// Whether any pixel is not fully opaque. A GIF decodes to RGBA even without a transparent
/// colour; checking the pixels (of the small image) gives such a GIF a JPEG thumbnail.
pub(crate) fn has_transparency(image: &DynamicImage) -> bool {
    image.color().has_alpha() && image.to_rgba8().pixels().any(|pixel| pixel[3] < u8::MAX)
}

/// The orientations that swap width and height.
fn turns_sideways(orientation: Orientation) -> bool {
    match orientation {
        Orientation::Rotate90
        | Orientation::Rotate270
        | Orientation::Rotate90FlipH
        | Orientation::Rotate270FlipH => true,
        Orientation::NoTransforms
        | Orientation::Rotate180
        | Orientation::FlipHorizontal
        | Orientation::FlipVertical => false,
    }
}
