use image::metadata::Orientation;

use super::*;
use crate::samples::{self, SECRET, contains, decoded, png_chunk};

/// The chunks' types, each checked for a correct CRC.
fn chunk_types(png: &[u8]) -> Vec<[u8; 4]> {
    let mut types = Vec::new();
    let mut pos = SIGNATURE.len();
    while pos < png.len() {
        let length = u32::from_be_bytes(png[pos..pos + 4].try_into().unwrap()) as usize;
        let body = &png[pos + 4..pos + 8 + length];
        let crc = u32::from_be_bytes(png[pos + 8 + length..pos + 12 + length].try_into().unwrap());
        assert_eq!(crc32fast::hash(body), crc, "CRC of {:?}", &body[..4]);
        types.push(body[..4].try_into().unwrap());
        pos += 12 + length;
    }
    types
}

#[test]
fn exif_text_and_time_chunks_go_and_the_rest_is_copied_whole() {
    let original = samples::camera_png(64, 48, 1);
    assert_eq!(
        chunk_types(&original)[..5],
        [*b"IHDR", *b"eXIf", *b"tEXt", *b"iTXt", *b"tIME"]
    );

    let stripped = strip(&original).unwrap();

    assert!(!contains(&stripped, SECRET));
    let types = chunk_types(&stripped);
    assert_eq!(types[0], *b"IHDR");
    assert!(types[1..types.len() - 1].iter().all(|t| t == b"IDAT"));
    assert_eq!(types.last(), Some(b"IEND"));
    assert_eq!(stripped, samples::png_rgb(64, 48));
    assert_eq!(decoded(&stripped), decoded(&original));
}

#[test]
fn compressed_text_and_data_after_the_end_go_too() {
    let mut bytes = samples::after_ihdr(
        &samples::png_rgb(16, 16),
        &[png_chunk(b"zTXt", b"Comment\0\0x\x9C\x03\0\0\0\0\x01")],
    );
    bytes.extend_from_slice(SECRET);

    assert_eq!(strip(&bytes).unwrap(), samples::png_rgb(16, 16));
}

#[test]
fn a_turning_orientation_is_kept_in_an_exif_chunk_of_its_own() {
    let stripped = strip(&samples::camera_png(64, 48, 8)).unwrap();

    assert!(!contains(&stripped, SECRET));
    assert_eq!(chunk_types(&stripped)[..2], [*b"IHDR", *b"eXIf"]);
    let tiff = &stripped[33 + 8..33 + 8 + 26];
    assert_eq!(
        Orientation::from_exif_chunk(tiff),
        Some(Orientation::Rotate270)
    );
    assert_eq!(decoded(&stripped), decoded(&samples::png_rgb(64, 48)));
}

#[test]
fn malformed_chunks_leave_the_file_alone() {
    let original = samples::camera_png(16, 16, 1);
    let mut lying = original.clone();
    lying[33..37].copy_from_slice(&0x7FFF_FFF0u32.to_be_bytes()); // the eXIf chunk's length
    let mut too_long = original.clone();
    too_long[33..37].copy_from_slice(&u32::MAX.to_be_bytes());
    let no_end = &original[..original.len() - 12];

    for malformed in [&lying[..], &too_long, no_end, b"", b"\x89PNG\r\n\x1A\n"] {
        assert_eq!(strip(malformed), None);
    }
}

#[test]
fn damaged_pngs_never_panic() {
    for damaged in samples::damaged(&samples::camera_png(24, 16, 6)) {
        let _ = strip(&damaged);
    }
}

#[test]
fn a_copy_of_a_png_cut_anywhere_never_keeps_the_secret() {
    for cut in samples::prefixes(&samples::camera_png(24, 16, 6)) {
        if let Some(stripped) = strip(cut) {
            assert!(!contains(&stripped, SECRET), "cut at {}", cut.len());
        }
    }
}
