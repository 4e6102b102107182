//! WebP: a RIFF container (`RIFF`, a four-byte little-endian size of what follows, `WEBP`), then
//! chunks (a four-character code, a four-byte little-endian size, the data, one pad byte when the
//! size is odd). Metadata lives only in the extended format, whose first chunk, `VP8X`, has flags
//! saying which of the optional chunks are present.
//!
//! Left out: `EXIF` and `XMP ` chunks, and anything past the RIFF size; their flags in `VP8X` are
//! cleared (a reader trusting the flag would look for a chunk that is gone) and the RIFF size is
//! fixed. Every other chunk (the image data, `ICCP`, `ALPH`, animation frames) is copied whole.

use super::{orientation_only, slice};

/// The bits of the `VP8X` flags byte.
const EXIF_FLAG: u8 = 0x08;
const XMP_FLAG: u8 = 0x04;

/// Where the `VP8X` flags byte is in a file that starts with a `VP8X` chunk: after the RIFF
/// header (12 bytes) and the chunk header (8).
const VP8X_FLAGS_AT: usize = 20;

/// The file without its metadata chunks, or `None` when it is malformed (a size past the end).
pub(super) fn strip(bytes: &[u8]) -> Option<Vec<u8>> {
    let header = slice(bytes, 0, 12)?;
    if &header[..4] != b"RIFF" || &header[8..] != b"WEBP" {
        return None;
    }
    let riff_size = usize::try_from(u32::from_le_bytes([
        header[4], header[5], header[6], header[7],
    ]))
    .ok()?;
    let riff = slice(bytes, 0, riff_size.checked_add(8)?)?;
    if riff.len() < 12 {
        return None; // a RIFF size too small to hold even `WEBP`
    }
    let mut out = Vec::with_capacity(riff.len());
    out.extend_from_slice(&riff[..12]);
    let mut pos = 12;
    let mut exif_kept = false;
    while pos < riff.len() {
        let chunk_header = slice(riff, pos, 8)?;
        let size = u32::from_le_bytes([
            chunk_header[4],
            chunk_header[5],
            chunk_header[6],
            chunk_header[7],
        ]);
        let size = usize::try_from(size).ok()?;
        let data = slice(riff, pos + 8, size)?;
        // The pad byte of an odd-sized last chunk is sometimes missing; nothing is lost then.
        let end = (pos + 8 + size + size % 2).min(riff.len());
        match &chunk_header[..4] {
            b"EXIF" => {
                if !exif_kept && let Some(tiff) = orientation_only(data) {
                    write_chunk(&mut out, b"EXIF", &tiff)?;
                    exif_kept = true;
                }
            }
            b"XMP " => {}
            _ => out.extend_from_slice(&riff[pos..end]),
        }
        pos = end;
    }
    if out.get(12..16) == Some(b"VP8X".as_slice()) {
        let flags = out.get_mut(VP8X_FLAGS_AT)?;
        *flags &= !XMP_FLAG;
        if exif_kept {
            *flags |= EXIF_FLAG;
        } else {
            *flags &= !EXIF_FLAG;
        }
    }
    let riff_size = u32::try_from(out.len() - 8).ok()?;
    out[4..8].copy_from_slice(&riff_size.to_le_bytes());
    Some(out)
}

/// A chunk of `kind` holding `data`, padded to an even length.
fn write_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) -> Option<()> {
    out.extend_from_slice(kind);
    out.extend_from_slice(&u32::try_from(data.len()).ok()?.to_le_bytes());
    out.extend_from_slice(data);
    if !data.len().is_multiple_of(2) {
        out.push(0);
    }
    Some(())
}

#[cfg(test)]
mod tests;
