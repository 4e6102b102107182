use image::metadata::Orientation;

use super::*;
use crate::samples::{self, SECRET, contains, decoded};

const ICC_FLAG: u8 = 0x20;

fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut chunk = kind.to_vec();
    chunk.extend_from_slice(&(data.len() as u32).to_le_bytes());
    chunk.extend_from_slice(data);
    if !data.len().is_multiple_of(2) {
        chunk.push(0);
    }
    chunk
}

fn riff(chunks: &[Vec<u8>]) -> Vec<u8> {
    let body: Vec<u8> = chunks.iter().flatten().copied().collect();
    let mut bytes = b"RIFF".to_vec();
    bytes.extend_from_slice(&(body.len() as u32 + 4).to_le_bytes());
    bytes.extend_from_slice(b"WEBP");
    bytes.extend(body);
    bytes
}

fn vp8x(flags: u8, width: u32, height: u32) -> Vec<u8> {
    let mut data = vec![flags, 0, 0, 0];
    data.extend_from_slice(&(width - 1).to_le_bytes()[..3]);
    data.extend_from_slice(&(height - 1).to_le_bytes()[..3]);
    chunk(b"VP8X", &data)
}

/// The extended format around a lossless image: an ICC profile, the image, Exif and XMP (an
/// odd size, so padded).
fn camera_webp(orientation: u16) -> Vec<u8> {
    let simple = samples::webp(32, 16, false);
    let image_chunk = simple[12..].to_vec();
    let mut xmp = samples::xmp();
    if xmp.len().is_multiple_of(2) {
        xmp.push(b' ');
    }
    riff(&[
        vp8x(ICC_FLAG | EXIF_FLAG | XMP_FLAG, 32, 16),
        chunk(b"ICCP", b"not-a-real-profile"),
        image_chunk,
        chunk(b"EXIF", &samples::exif(orientation)),
        chunk(b"XMP ", &xmp),
    ])
}

#[test]
fn exif_and_xmp_go_with_their_flags_and_the_riff_size_is_fixed() {
    let original = camera_webp(1);
    assert_eq!(decoded(&original), decoded(&samples::webp(32, 16, false)));

    let stripped = strip(&original).unwrap();

    assert!(!contains(&stripped, SECRET));
    assert!(!contains(&stripped, b"EXIF"));
    assert!(!contains(&stripped, b"XMP "));
    assert_eq!(stripped[VP8X_FLAGS_AT], ICC_FLAG);
    assert!(contains(&stripped, b"ICCP"));
    let riff_size = u32::from_le_bytes(stripped[4..8].try_into().unwrap());
    assert_eq!(riff_size as usize, stripped.len() - 8);
    assert_eq!(decoded(&stripped), decoded(&original));
}

#[test]
fn a_turning_orientation_is_kept_in_an_exif_chunk_of_its_own() {
    let stripped = strip(&camera_webp(3)).unwrap();

    assert!(!contains(&stripped, SECRET));
    assert_eq!(stripped[VP8X_FLAGS_AT], ICC_FLAG | EXIF_FLAG);
    let at = stripped.windows(4).position(|w| w == b"EXIF").unwrap();
    assert_eq!(
        Orientation::from_exif_chunk(&stripped[at + 8..at + 8 + 26]),
        Some(Orientation::Rotate180)
    );
    assert_eq!(decoded(&stripped), decoded(&samples::webp(32, 16, false)));
}

#[test]
fn data_past_the_riff_size_goes() {
    let mut bytes = camera_webp(1);
    let stripped = strip(&bytes).unwrap();
    bytes.extend_from_slice(SECRET);

    assert_eq!(strip(&bytes).unwrap(), stripped);
}

#[test]
fn malformed_chunks_leave_the_file_alone() {
    let original = camera_webp(1);
    let mut riff_too_long = original.clone();
    riff_too_long[4..8].copy_from_slice(&(original.len() as u32).to_le_bytes());
    let mut chunk_too_long = original.clone();
    chunk_too_long[16..20].copy_from_slice(&u32::MAX.to_le_bytes()); // VP8X's size

    for malformed in [
        &riff_too_long[..],
        &chunk_too_long,
        b"",
        b"RIFF\0\0\0\0WEBX",
        b"RIFF\0\0\0\0WEBP",
        b"RIFF\x03\0\0\0WEBP",
    ] {
        assert_eq!(strip(malformed), None);
    }
}

#[test]
fn damaged_webps_never_panic() {
    for damaged in samples::damaged(&camera_webp(6)) {
        let _ = strip(&damaged);
    }
}

#[test]
fn a_copy_of_a_webp_cut_anywhere_never_keeps_the_secret() {
    for cut in samples::prefixes(&camera_webp(6)) {
        if let Some(stripped) = strip(cut) {
            assert!(!contains(&stripped, SECRET), "cut at {}", cut.len());
        }
    }
}

#[test]
fn every_riff_size_is_survived() {
    let original = camera_webp(6);
    for riff_size in 0..=original.len() as u32 + 8 {
        let mut lying = original.clone();
        lying[4..8].copy_from_slice(&riff_size.to_le_bytes());
        let _ = strip(&lying);
    }
}
