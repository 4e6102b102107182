use image::metadata::Orientation;

use super::*;
use crate::samples::{self, ICC_PAYLOAD, SECRET, contains, decoded, jpeg_segment};

/// The markers of the segments before the first scan, in order.
fn markers(jpeg: &[u8]) -> Vec<u8> {
    let mut markers = Vec::new();
    let mut pos = 2;
    while jpeg[pos + 1] != SOS {
        markers.push(jpeg[pos + 1]);
        pos += 2 + usize::from(u16::from_be_bytes([jpeg[pos + 2], jpeg[pos + 3]]));
    }
    markers
}

/// Where the first quantisation table starts: from there on the encoder's output follows.
fn from_dqt(jpeg: &[u8]) -> &[u8] {
    let at = jpeg.windows(2).position(|w| w == [0xFF, 0xDB]).unwrap();
    &jpeg[at..]
}

#[test]
fn exif_xmp_iptc_and_comments_go_and_everything_else_stays_byte_for_byte() {
    let original = samples::camera_jpeg(64, 48, 1);
    assert_eq!(
        markers(&original)[..7],
        [0xE1, 0xE2, 0xE1, 0xED, 0xEC, 0xFE, 0xE0]
    );

    let stripped = strip(&original).unwrap();

    assert!(!contains(&stripped, SECRET));
    assert!(!contains(&stripped, b"Exif\0\0"));
    assert!(!contains(&stripped, b"http://ns.adobe.com/xap/1.0/"));
    assert!(!contains(&stripped, b"Photoshop 3.0"));
    assert!(!contains(&stripped, b"Ducky"));
    assert_eq!(markers(&stripped)[..2], [0xE2, 0xE0]); // the ICC profile, then JFIF
    assert!(contains(&stripped, ICC_PAYLOAD));
    assert!(contains(&stripped, b"JFIF\0"));
    assert_eq!(from_dqt(&stripped), from_dqt(&original));
    assert_eq!(decoded(&stripped), decoded(&original));
}

#[test]
fn a_turning_orientation_is_kept_in_an_exif_block_of_its_own() {
    let stripped = strip(&samples::camera_jpeg(64, 48, 6)).unwrap();

    assert!(!contains(&stripped, SECRET));
    assert_eq!(markers(&stripped)[..3], [APP1, 0xE2, 0xE0]);
    let exif = &stripped[6..6 + 6 + 26];
    assert_eq!(&exif[..6], EXIF_HEADER);
    assert_eq!(
        Orientation::from_exif_chunk(&exif[6..]),
        Some(Orientation::Rotate90)
    );
    // Stripping again changes nothing.
    assert_eq!(strip(&stripped).unwrap(), stripped);
}

#[test]
fn segments_between_scans_and_data_after_the_end_are_found() {
    let original = samples::jpeg(64, 48);
    let eoi = original.len() - 2;
    let mut bytes = original[..eoi].to_vec();
    bytes.extend(jpeg_segment(COM, SECRET)); // after the scan, before EOI
    bytes.extend_from_slice(&original[eoi..]);
    bytes.extend_from_slice(b"\0\0\0\x18ftypmp42 a motion photo's video ");
    bytes.extend_from_slice(SECRET);

    let stripped = strip(&bytes).unwrap();

    assert_eq!(stripped, original);
}

#[test]
fn a_photo_cut_short_in_its_scan_is_still_stripped() {
    let original = samples::camera_jpeg(64, 48, 1);
    let cut = &original[..original.len() - 100];

    let stripped = strip(cut).unwrap();

    assert!(!contains(&stripped, SECRET));
    assert!(cut.ends_with(&stripped[stripped.len() - 50..]));
}

#[test]
fn malformed_segments_leave_the_file_alone() {
    let original = samples::camera_jpeg(32, 24, 1);
    let mut lying = original.clone();
    lying[4..6].copy_from_slice(&0xFFFFu16.to_be_bytes()); // the Exif segment's length
    let mut too_short = original.clone();
    too_short[4..6].copy_from_slice(&1u16.to_be_bytes());
    let mut no_marker = original.clone();
    no_marker[2] = 0x00;

    for malformed in [
        &lying[..],
        &too_short,
        &no_marker,
        b"",
        b"\xFF\xD8",
        b"\xFF\xD8\xFF",
    ] {
        assert_eq!(strip(malformed), None);
    }
}

#[test]
fn damaged_jpegs_never_panic() {
    for damaged in samples::damaged(&samples::camera_jpeg(24, 16, 6)) {
        let _ = strip(&damaged);
    }
}

#[test]
fn a_copy_of_a_jpeg_cut_anywhere_never_keeps_the_secret() {
    for cut in samples::prefixes(&samples::camera_jpeg(24, 16, 6)) {
        if let Some(stripped) = strip(cut) {
            assert!(!contains(&stripped, SECRET), "cut at {}", cut.len());
        }
    }
}

#[test]
fn application_segments_other_than_jfif_icc_and_adobe_go() {
    let fpxr = jpeg_segment(APP2, b"FPXR\0\0GPS-SECRET");
    let adobe = jpeg_segment(APP14, b"Adobe\0\x64\0\0\0\0\x01");
    let c2pa = jpeg_segment(0xEB, b"JP\0\0jumbc2pa GPS-SECRET");
    let bytes = samples::after_soi(&samples::jpeg(16, 16), &[fpxr, adobe.clone(), c2pa]);

    let stripped = strip(&bytes).unwrap();

    assert!(!contains(&stripped, b"GPS-SECRET"));
    assert!(contains(&stripped, &adobe));
}

#[test]
fn the_entropy_coded_data_ends_at_the_first_real_marker() {
    assert_eq!(entropy_coded_len(b"ab\xFF\x00cd\xFF\xD3ef\xFF\xD9gh"), 10);
    assert_eq!(entropy_coded_len(b"ab\xFF\xFF\xD9"), 2);
    assert_eq!(entropy_coded_len(b"abc\xFF"), 4);
    assert_eq!(entropy_coded_len(b""), 0);
}
