//! Copies of images without their metadata: Exif (with the GPS position where the photo was
//! taken, the camera's serial number), XMP, IPTC, comments and text chunks must never be served.
//!
//! Each format is a sequence of blocks with their own lengths; a copy keeps every block it needs
//! byte for byte and leaves the metadata blocks out. Nothing is decoded or re-encoded, so the
//! image keeps its quality, its colour profile and its bytes. Parsing trusts no length: a block
//! that runs past the end makes the file malformed, and a malformed file is left as it is.
//!
//! One thing of the Exif block is kept: its orientation. Cameras store a portrait photo sideways
//! and say so in Exif; a browser turns it back. Without it every phone's portrait photo would be
//! served lying on its side, so a stripped copy gets a new Exif block holding the orientation
//! alone (written here, so nothing of the original block survives).
//!
//! Data after the end of the image (after a JPEG's EOI, a PNG's IEND, a GIF's trailer, past a
//! WebP's RIFF size) is left out too: phones append whole files there — a motion photo's video
//! with its own GPS position, the images of a multi-picture file with their own Exif.

mod gif;
mod jpeg;
mod png;
mod webp;

use image::metadata::Orientation;

use crate::kind::Kind;

/// The image without its metadata, or `None` when it has none (the stored bytes can be served as
/// they are) or is malformed.
pub(crate) fn strip(kind: Kind, bytes: &[u8]) -> Option<Vec<u8>> {
    let stripped = match kind {
        Kind::Jpeg => jpeg::strip(bytes),
        Kind::Png => png::strip(bytes),
        Kind::Gif => gif::strip(bytes),
        Kind::WebP => webp::strip(bytes),
    }?;
    (stripped != bytes).then_some(stripped)
}

/// The Exif block to write in place of `exif` (a TIFF structure, with or without the
/// `Exif\0\0` header JPEG puts before it): the orientation alone, when it is one that changes
/// how the image is shown.
fn orientation_only(exif: &[u8]) -> Option<Vec<u8>> {
    let tiff = exif.strip_prefix(EXIF_HEADER).unwrap_or(exif);
    match Orientation::from_exif_chunk(tiff)? {
        Orientation::NoTransforms => None,
        orientation => Some(orientation_exif(orientation)),
    }
}

/// What JPEG (and some WebP writers) put before the TIFF structure of an Exif block.
const EXIF_HEADER: &[u8] = b"Exif\0\0";

/// A TIFF structure (big-endian) whose only directory holds one entry: the orientation.
fn orientation_exif(orientation: Orientation) -> Vec<u8> {
    let mut tiff = Vec::with_capacity(26);
    tiff.extend_from_slice(b"MM\0\x2A"); // byte order, TIFF magic number
    tiff.extend_from_slice(&8u32.to_be_bytes()); // the directory follows the header
    tiff.extend_from_slice(&1u16.to_be_bytes()); // one entry
    tiff.extend_from_slice(&0x0112u16.to_be_bytes()); // tag: Orientation
    tiff.extend_from_slice(&3u16.to_be_bytes()); // type: SHORT
    tiff.extend_from_slice(&1u32.to_be_bytes()); // one value
    tiff.extend_from_slice(&u16::from(orientation.to_exif()).to_be_bytes());
    tiff.extend_from_slice(&[0, 0]); // the value field's padding
    tiff.extend_from_slice(&0u32.to_be_bytes()); // no further directory
    tiff
}

/// `bytes[start..start + len]`, or `None` when it runs past the end (lengths are the file's word).
fn slice(bytes: &[u8], start: usize, len: usize) -> Option<&[u8]> {
    bytes.get(start..start.checked_add(len)?)
}

#[cfg(test)]
mod tests;
