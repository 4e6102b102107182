use super::*;
use crate::samples::{self, SECRET, contains, decoded};

/// `data` as GIF sub-blocks, with the terminator.
fn sub_blocks(data: &[u8]) -> Vec<u8> {
    let mut blocks = Vec::new();
    for chunk in data.chunks(255) {
        blocks.push(chunk.len() as u8);
        blocks.extend_from_slice(chunk);
    }
    blocks.push(0);
    blocks
}

/// `gif` with a comment and an XMP block before its trailer.
fn gif_with_metadata() -> Vec<u8> {
    let gif = samples::gif_red_then_blue(32, 16);
    let mut bytes = gif[..gif.len() - 1].to_vec();
    bytes.extend_from_slice(&[EXTENSION, COMMENT]);
    bytes.extend(sub_blocks(SECRET));
    bytes.extend_from_slice(&[EXTENSION, APPLICATION, 11]);
    bytes.extend_from_slice(XMP_APPLICATION);
    bytes.extend(sub_blocks(&samples::xmp()));
    bytes.push(TRAILER);
    bytes
}

#[test]
fn comments_and_xmp_go_and_the_frames_stay() {
    let original = gif_with_metadata();

    let stripped = strip(&original).unwrap();

    assert!(!contains(&stripped, SECRET));
    assert_eq!(stripped, samples::gif_red_then_blue(32, 16));
    assert_eq!(decoded(&stripped), decoded(&original));
}

#[test]
fn other_application_blocks_and_the_image_data_are_kept() {
    let gif = samples::gif_red_then_blue(8, 8);
    let mut bytes = gif[..gif.len() - 1].to_vec();
    let mut looping = vec![EXTENSION, APPLICATION, 11];
    looping.extend_from_slice(b"NETSCAPE2.0");
    looping.extend_from_slice(&[3, 1, 0, 0, 0]);
    bytes.extend_from_slice(&looping);
    bytes.push(TRAILER);
    bytes.extend_from_slice(SECRET); // after the trailer

    let stripped = strip(&bytes).unwrap();

    assert_eq!(stripped.len(), bytes.len() - SECRET.len());
    assert!(contains(&stripped, &looping));
}

#[test]
fn malformed_blocks_leave_the_file_alone() {
    let original = gif_with_metadata();
    let no_trailer = &original[..original.len() - 1];
    let mut unknown_block = original.clone();
    let last = unknown_block.len() - 1;
    unknown_block[last] = 0x42;

    for malformed in [
        no_trailer,
        &unknown_block,
        b"",
        b"GIF89a",
        b"GIF00a\0\0\0\0\0\0\0;",
    ] {
        assert_eq!(strip(malformed), None);
    }
}

#[test]
fn damaged_gifs_never_panic() {
    for damaged in samples::damaged(&gif_with_metadata()) {
        let _ = strip(&damaged);
    }
}

#[test]
fn a_colour_table_is_three_bytes_per_colour() {
    assert_eq!(colour_table_len(0x00), 0);
    assert_eq!(colour_table_len(0x80), 6);
    assert_eq!(colour_table_len(0xF7), 768);
}
