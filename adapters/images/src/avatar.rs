//! Avatars: the centred square of a picture, at each size the domain keeps, re-encoded (so no
//! metadata survives, whatever the upload carried).

use confab_domain::AvatarSize;
use confab_domain::attachment::MAX_THUMBNAIL_PIXELS;
use confab_domain::ports::AvatarImages;
use image::DynamicImage;
use image::imageops::FilterType;

use crate::kind::Kind;
use crate::thumbnail::{decode, encode_as, has_transparency, read_header};

/// The pictures, or `None` when the header does not read, the picture has more pixels than
/// [`MAX_THUMBNAIL_PIXELS`] (never decoded: a decompression bomb) or the pixels do not decode.
pub(crate) fn make(kind: Kind, bytes: &[u8]) -> Option<AvatarImages> {
    let header = read_header(kind, bytes)?;
    let pixels = u64::from(header.width) * u64::from(header.height);
    if pixels == 0 || pixels > MAX_THUMBNAIL_PIXELS {
        return None;
    }
    let mut image = decode(kind, bytes, header).ok()?;
    image.apply_orientation(header.orientation);
    let side = image.width().min(image.height());
    let square = image.crop_imm(
        (image.width() - side) / 2,
        (image.height() - side) / 2,
        side,
        side,
    );
    drop(image);
    let large = shrink(&square, AvatarSize::Large.pixels());
    let small = shrink(&large, AvatarSize::Small.pixels());
    // One type for both sizes, decided on the large one.
    let transparent = has_transparency(&large);
    let large = encode_as(&large, transparent)?;
    let small = encode_as(&small, transparent)?;
    Some(AvatarImages {
        content_type: large.content_type,
        large: large.bytes,
        small: small.bytes,
    })
}

/// `image` (a square) at `side` pixels: averaged down from a larger picture, smoothly scaled up
/// from a smaller one (a 40 px upload still fills its 256 px place).
fn shrink(image: &DynamicImage, side: u32) -> DynamicImage {
    if image.width() >= side {
        image.thumbnail_exact(side, side)
    } else {
        image.resize_exact(side, side, FilterType::CatmullRom)
    }
}

#[cfg(test)]
mod tests;
