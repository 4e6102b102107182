//! GIF: a header, a logical screen descriptor and an optional global colour table, then blocks up
//! to the trailer (`3B`): images (`2C`, a descriptor, an optional local colour table, LZW data)
//! and extensions (`21`, a label). Image data and extensions are sequences of sub-blocks, each a
//! length byte and that many bytes, ended by a zero length.
//!
//! GIF has no Exif. Left out: comment extensions and XMP (an application extension named
//! `XMP DataXMP`), and anything after the trailer. Kept: everything else, such as the frames'
//! timing and the looping extension of an animation.

use super::slice;

const TRAILER: u8 = 0x3B;
const IMAGE: u8 = 0x2C;
const EXTENSION: u8 = 0x21;
const COMMENT: u8 = 0xFE;
const APPLICATION: u8 = 0xFF;
/// The identifier and authentication code of the application extension that holds XMP.
const XMP_APPLICATION: &[u8] = b"XMP DataXMP";

/// The file without its comments and XMP, or `None` when it is malformed (a block past the end,
/// an unknown block, no trailer).
pub(super) fn strip(bytes: &[u8]) -> Option<Vec<u8>> {
    let header = slice(bytes, 0, 13)?;
    if !matches!(&header[..6], b"GIF87a" | b"GIF89a") {
        return None;
    }
    let mut pos = 13 + colour_table_len(header[10]);
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(slice(bytes, 0, pos)?);
    loop {
        match *bytes.get(pos)? {
            TRAILER => {
                out.push(TRAILER);
                return Some(out);
            }
            IMAGE => {
                let descriptor = slice(bytes, pos, 10)?;
                let data_at = pos + 10 + colour_table_len(descriptor[9]) + 1; // + LZW code size
                let end = sub_blocks_end(bytes, data_at)?;
                out.extend_from_slice(&bytes[pos..end]);
                pos = end;
            }
            EXTENSION => {
                let label = *bytes.get(pos + 1)?;
                let end = sub_blocks_end(bytes, pos + 2)?;
                let dropped = match label {
                    COMMENT => true,
                    APPLICATION => {
                        bytes.get(pos + 2) == Some(&11)
                            && slice(bytes, pos + 3, 11)? == XMP_APPLICATION
                    }
                    _ => false,
                };
                if !dropped {
                    out.extend_from_slice(&bytes[pos..end]);
                }
                pos = end;
            }
            _ => return None,
        }
    }
}

/// The length in bytes of the colour table that a descriptor's `packed` field announces.
fn colour_table_len(packed: u8) -> usize {
    if packed & 0x80 == 0 {
        0
    } else {
        3 << ((packed & 0x07) + 1)
    }
}

/// Where the sub-blocks starting at `pos` end (after the zero-length block), or `None` when they
/// run past the end.
fn sub_blocks_end(bytes: &[u8], mut pos: usize) -> Option<usize> {
    loop {
        let len = usize::from(*bytes.get(pos)?);
        pos += 1;
        if len == 0 {
            return Some(pos);
        }
        slice(bytes, pos, len)?;
        pos += len;
    }
}

#[cfg(test)]
mod tests;
