//! JPEG: a sequence of marker segments (`FF`, a marker byte, a two-byte length that counts itself,
//! the payload); after each start-of-scan (SOS) segment comes entropy-coded data, in which an `FF`
//! byte is always followed by `00` (a stuffed byte) or a restart marker, so the next real marker
//! can be found without decoding. A progressive JPEG has several scans, with table segments
//! between them.
//!
//! Kept byte for byte: the application segments a decoder needs to show the picture — APP0 (JFIF),
//! APP2 holding an ICC profile (the colours depend on it), APP14 (Adobe: how to read the colour
//! channels) — and every segment that is not an application segment or a comment (the tables,
//! the frame header, the scans and their entropy-coded data). Left out, wherever they are: every
//! other application segment and COM (comments), and anything after EOI. Application segments
//! are a list kept, not a list dropped, because they are where makers put metadata: APP1 (Exif,
//! XMP), APP13 (IPTC, Photoshop), APP11 (C2PA credentials), APP2 (FlashPix), APP3 to APP12
//! (makers' own blocks).

use super::{EXIF_HEADER, orientation_only, slice};

const APP0: u8 = 0xE0;
const APP1: u8 = 0xE1;
const APP2: u8 = 0xE2;
const APP14: u8 = 0xEE;
const APP15: u8 = 0xEF;
const COM: u8 = 0xFE;
/// How an APP2 segment holding (a chunk of) an ICC profile starts.
const ICC_PROFILE: &[u8] = b"ICC_PROFILE\0";
const SOS: u8 = 0xDA;
const EOI: u8 = 0xD9;
/// Markers that stand alone, without a length: TEM and the restart markers.
const STANDALONE: [u8; 9] = [0x01, 0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7];

/// The file without its metadata segments, or `None` when its segments are malformed (a length
/// that runs past the end, a byte where a marker should be). Entropy-coded data cut short is not
/// malformed here: a truncated photo still has its segments stripped, and the rest is copied.
pub(super) fn strip(bytes: &[u8]) -> Option<Vec<u8>> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..2]);
    let mut pos = 2;
    let mut orientation_written = false;
    loop {
        if *bytes.get(pos)? != 0xFF {
            return None;
        }
        // Any number of `FF` fill bytes may come before a marker.
        let marker_at = pos + bytes[pos..].iter().take_while(|&&b| b == 0xFF).count();
        let marker = *bytes.get(marker_at)?;
        if marker == EOI {
            out.extend_from_slice(&bytes[pos..=marker_at]);
            return Some(out);
        }
        if STANDALONE.contains(&marker) {
            out.extend_from_slice(&bytes[pos..=marker_at]);
            pos = marker_at + 1;
            continue;
        }
        if marker == 0x00 {
            return None;
        }
        let length = slice(bytes, marker_at + 1, 2)?;
        let length = usize::from(u16::from_be_bytes([length[0], length[1]]));
        let payload_len = length.checked_sub(2)?;
        let payload = slice(bytes, marker_at + 3, payload_len)?;
        let end = marker_at + 3 + payload_len;
        match marker {
            APP1 => {
                if !orientation_written
                    && payload.starts_with(EXIF_HEADER)
                    && let Some(tiff) = orientation_only(payload)
                {
                    write_exif(&mut out, &tiff)?;
                    orientation_written = true;
                }
            }
            APP0 | APP14 => out.extend_from_slice(&bytes[pos..end]),
            APP2 if payload.starts_with(ICC_PROFILE) => out.extend_from_slice(&bytes[pos..end]),
            APP0..=APP15 | COM => {}
            SOS => {
                let scan_end = end + entropy_coded_len(&bytes[end..]);
                out.extend_from_slice(&bytes[pos..scan_end]);
                if scan_end == bytes.len() {
                    // The file ends inside a scan (it was cut short): keep what there is.
                    return Some(out);
                }
                pos = scan_end;
                continue;
            }
            _ => out.extend_from_slice(&bytes[pos..end]),
        }
        pos = end;
    }
}

/// How many bytes of entropy-coded data `data` starts with: up to the first `FF` that begins a
/// marker, i.e. is followed by neither a stuffed `00` nor a restart marker.
fn entropy_coded_len(data: &[u8]) -> usize {
    let mut at = 0;
    while let Some(offset) = data[at..].iter().position(|&b| b == 0xFF) {
        let ff = at + offset;
        match data.get(ff + 1) {
            Some(0x00 | 0xD0..=0xD7) => at = ff + 2,
            Some(_) => return ff,
            None => return data.len(),
        }
    }
    data.len()
}

/// An APP1 segment with the `Exif\0\0` header and `tiff`; `None` if it would not fit a segment
/// (it always does: the orientation-only block is 26 bytes).
fn write_exif(out: &mut Vec<u8>, tiff: &[u8]) -> Option<()> {
    let length = u16::try_from(2 + EXIF_HEADER.len() + tiff.len()).ok()?;
    out.extend_from_slice(&[0xFF, APP1]);
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(EXIF_HEADER);
    out.extend_from_slice(tiff);
    Some(())
}

#[cfg(test)]
mod tests;
