//! PNG: an eight-byte signature, then chunks (a four-byte length, a four-byte type, the data, a
//! CRC of type and data) up to IEND.
//!
//! Left out: `eXIf` (Exif), `tEXt`, `zTXt` and `iTXt` (text, including XMP, which is stored as an
//! `iTXt` chunk) and `tIME` (when it was last changed), and anything after IEND. Every other chunk
//! is copied whole, with its CRC, so nothing needs recomputing.

use super::{orientation_only, slice};

const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1A\n";

/// The largest chunk length the format allows (2^31 - 1).
const MAX_CHUNK_LEN: usize = 0x7FFF_FFFF;

/// The file without its metadata chunks, or `None` when its chunks are malformed (a length past
/// the end, no IEND).
pub(super) fn strip(bytes: &[u8]) -> Option<Vec<u8>> {
    if !bytes.starts_with(SIGNATURE) {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(SIGNATURE);
    let mut pos = SIGNATURE.len();
    let mut orientation_written = false;
    loop {
        let length = slice(bytes, pos, 4)?;
        let length = u32::from_be_bytes([length[0], length[1], length[2], length[3]]);
        let length = usize::try_from(length)
            .ok()
            .filter(|&l| l <= MAX_CHUNK_LEN)?;
        let kind = slice(bytes, pos + 4, 4)?;
        let data = slice(bytes, pos + 8, length)?;
        let end = pos + 8 + length + 4;
        slice(bytes, end - 4, 4)?; // the CRC is there
        match kind {
            b"eXIf" => {
                if !orientation_written && let Some(tiff) = orientation_only(data) {
                    write_chunk(&mut out, b"eXIf", &tiff)?;
                    orientation_written = true;
                }
            }
            b"tEXt" | b"zTXt" | b"iTXt" | b"tIME" => {}
            _ => out.extend_from_slice(&bytes[pos..end]),
        }
        if kind == b"IEND" {
            return Some(out);
        }
        pos = end;
    }
}

/// A chunk of `kind` holding `data`, with its CRC; `None` if the data is too long for a chunk.
fn write_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) -> Option<()> {
    if data.len() > MAX_CHUNK_LEN {
        return None;
    }
    let length = u32::try_from(data.len()).ok()?;
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.finalize().to_be_bytes());
    Some(())
}

#[cfg(test)]
mod tests;
