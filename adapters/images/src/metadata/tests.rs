use image::metadata::Orientation;

use super::*;
use crate::samples::{self, SECRET, contains};

const ALL_ORIENTATIONS: [Orientation; 8] = [
    Orientation::NoTransforms,
    Orientation::FlipHorizontal,
    Orientation::Rotate180,
    Orientation::FlipVertical,
    Orientation::Rotate90FlipH,
    Orientation::Rotate90,
    Orientation::Rotate270FlipH,
    Orientation::Rotate270,
];

#[test]
fn the_orientation_only_exif_block_reads_back_as_its_orientation() {
    for orientation in ALL_ORIENTATIONS {
        let tiff = orientation_exif(orientation);
        assert_eq!(tiff.len(), 26);
        assert_eq!(Orientation::from_exif_chunk(&tiff), Some(orientation));
    }
}

#[test]
fn only_an_orientation_that_changes_the_picture_is_kept() {
    assert_eq!(orientation_only(&samples::exif(1)), None);
    let kept = orientation_only(&samples::exif(6)).unwrap();
    assert_eq!(
        Orientation::from_exif_chunk(&kept),
        Some(Orientation::Rotate90)
    );
    assert!(!contains(&kept, SECRET));

    let mut with_header = EXIF_HEADER.to_vec();
    with_header.extend(samples::exif(8));
    assert_eq!(
        orientation_only(&with_header).map(|tiff| Orientation::from_exif_chunk(&tiff)),
        Some(Some(Orientation::Rotate270))
    );
}

#[test]
fn a_broken_exif_block_keeps_nothing() {
    for broken in [
        &b""[..],
        b"II*\0",
        b"MM\0*\xFF\xFF\xFF\xFF",
        b"garbage here",
    ] {
        assert_eq!(orientation_only(broken), None);
    }
    for damaged in samples::damaged(&samples::exif(6)) {
        let _ = orientation_only(&damaged);
    }
}

#[test]
fn images_without_metadata_need_no_copy() {
    for (kind, bytes) in [
        (Kind::Jpeg, samples::jpeg(32, 24)),
        (Kind::Png, samples::png_rgba(32, 24)),
        (Kind::Gif, samples::gif_red_then_blue(32, 24)),
        (Kind::WebP, samples::webp(32, 24, false)),
    ] {
        assert_eq!(strip(kind, &bytes), None, "{kind:?}");
    }
}

#[test]
fn slices_that_run_past_the_end_are_none() {
    assert_eq!(slice(b"abc", 1, 2), Some(&b"bc"[..]));
    assert_eq!(slice(b"abc", 2, 2), None);
    assert_eq!(slice(b"abc", usize::MAX, 2), None);
}
