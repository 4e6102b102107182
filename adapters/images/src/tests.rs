use std::sync::Arc;
use std::time::{Duration, Instant};

use confab_domain::ImageSize;
use confab_domain::ports::{ImageProcessor, ProcessedImage};
use image::metadata::Orientation;

use super::*;
use crate::samples::{self, SECRET, contains, decoded};

async fn process(content_type: &str, bytes: Vec<u8>) -> Option<ProcessedImage> {
    ImageWorker::new(2)
        .process(content_type, bytes)
        .await
        .unwrap()
}

fn size(width: u32, height: u32) -> ImageSize {
    ImageSize { width, height }
}

#[tokio::test]
async fn a_12_megapixel_jpeg_gets_a_320_by_240_jpeg_thumbnail() {
    let read = process("image/jpeg", samples::jpeg(4000, 3000))
        .await
        .unwrap();

    assert_eq!(read.size, size(4000, 3000));
    let thumbnail = read.thumbnail.unwrap();
    assert_eq!(thumbnail.content_type, "image/jpeg");
    let small = decoded(&thumbnail.bytes);
    assert_eq!(small.dimensions(), (320, 240));
    // The gradient survived the shrinking: red grows to the right, green downwards.
    let (left, right) = (small.get_pixel(5, 120), small.get_pixel(314, 120));
    assert!(right[0] > left[0] + 150, "{left:?} {right:?}");
    let (top, bottom) = (small.get_pixel(160, 5), small.get_pixel(160, 234));
    assert!(bottom[1] > top[1] + 150, "{top:?} {bottom:?}");
    assert_eq!(read.without_metadata, None);
}

#[tokio::test]
async fn a_png_with_transparency_gets_a_png_thumbnail_that_keeps_it() {
    let read = process("image/png", samples::png_rgba(640, 480))
        .await
        .unwrap();

    assert_eq!(read.size, size(640, 480));
    let thumbnail = read.thumbnail.unwrap();
    assert_eq!(thumbnail.content_type, "image/png");
    let small = decoded(&thumbnail.bytes);
    assert_eq!(small.dimensions(), (320, 240));
    assert!(small.get_pixel(2, 100)[3] < 20);
    assert!(small.get_pixel(317, 100)[3] > 235);
}

#[tokio::test]
async fn an_opaque_png_gets_a_jpeg_thumbnail() {
    let read = process("image/png", samples::png_rgb(800, 200))
        .await
        .unwrap();

    let thumbnail = read.thumbnail.unwrap();
    assert_eq!(thumbnail.content_type, "image/jpeg");
    assert_eq!(decoded(&thumbnail.bytes).dimensions(), (320, 80));
}

#[tokio::test]
async fn an_animated_gif_is_thumbnailed_from_its_first_frame() {
    let read = process("image/gif", samples::gif_red_then_blue(640, 320))
        .await
        .unwrap();

    assert_eq!(read.size, size(640, 320));
    let thumbnail = read.thumbnail.unwrap();
    // Every pixel of the GIF is opaque, so the thumbnail needs no alpha.
    assert_eq!(thumbnail.content_type, "image/jpeg");
    let small = decoded(&thumbnail.bytes);
    assert_eq!(small.dimensions(), (320, 160));
    let pixel = small.get_pixel(160, 80);
    assert!(pixel[0] > 200 && pixel[2] < 50, "not red: {pixel:?}");
}

#[tokio::test]
async fn a_webp_gets_its_size_and_a_thumbnail() {
    let read = process("image/webp", samples::webp(400, 200, false))
        .await
        .unwrap();
    assert_eq!(read.size, size(400, 200));
    let thumbnail = read.thumbnail.unwrap();
    assert_eq!(thumbnail.content_type, "image/jpeg");
    assert_eq!(decoded(&thumbnail.bytes).dimensions(), (320, 160));

    let with_alpha = process("image/webp", samples::webp(100, 50, true))
        .await
        .unwrap();
    let thumbnail = with_alpha.thumbnail.unwrap();
    assert_eq!(thumbnail.content_type, "image/png");
    assert_eq!(decoded(&thumbnail.bytes).dimensions(), (100, 50));
}

#[tokio::test]
async fn an_image_smaller_than_a_thumbnail_keeps_its_size() {
    let read = process("image/jpeg", samples::jpeg(120, 90)).await.unwrap();
    let thumbnail = read.thumbnail.unwrap();
    assert_eq!(decoded(&thumbnail.bytes).dimensions(), (120, 90));
}

/// A bomb is reported with its size, quickly, and never decoded (the integration test
/// `decompression_bomb` counts the memory).
#[tokio::test]
async fn a_header_claiming_100_megapixels_gets_its_size_but_no_thumbnail() {
    for (content_type, bytes) in [
        ("image/png", samples::png_claiming(10_000, 10_000)),
        ("image/jpeg", samples::jpeg_claiming(10_000, 10_000)),
    ] {
        let started = Instant::now();
        let read = process(content_type, bytes).await.unwrap();
        assert!(started.elapsed() < Duration::from_secs(2), "{content_type}");
        assert_eq!(read.size, size(10_000, 10_000), "{content_type}");
        assert_eq!(read.thumbnail, None, "{content_type}");
    }
}

#[tokio::test]
async fn a_header_whose_pixels_do_not_decode_gets_its_size_and_its_metadata_stripped() {
    // 200 × 200 claimed, 16 × 16 present: the data runs out.
    let bytes = samples::after_soi(
        &samples::jpeg_claiming(200, 200),
        &[samples::jpeg_segment(0xFE, SECRET)],
    );
    let read = process("image/jpeg", bytes).await.unwrap();
    assert_eq!(read.size, size(200, 200));
    assert!(!contains(&read.without_metadata.unwrap(), SECRET));
}

#[tokio::test]
async fn a_photo_stored_sideways_is_reported_and_thumbnailed_upright() {
    // Stored 400 × 300, to be shown turned 90° clockwise (Exif orientation 6).
    let read = process("image/jpeg", samples::camera_jpeg(400, 300, 6))
        .await
        .unwrap();

    assert_eq!(read.size, size(300, 400));
    let small = decoded(&read.thumbnail.unwrap().bytes);
    assert_eq!(small.dimensions(), (240, 320));
    // The stored left edge (little red) is now the top; the stored bottom (most green) the left.
    let (top, bottom) = (small.get_pixel(120, 3), small.get_pixel(120, 316));
    assert!(bottom[0] > top[0] + 150, "{top:?} {bottom:?}");
    let (left, right) = (small.get_pixel(3, 160), small.get_pixel(236, 160));
    assert!(left[1] > right[1] + 150, "{left:?} {right:?}");

    let served = read.without_metadata.unwrap();
    assert!(!contains(&served, SECRET));
    let mut decoder = image::ImageReader::new(std::io::Cursor::new(&served))
        .with_guessed_format()
        .unwrap()
        .into_decoder()
        .unwrap();
    assert_eq!(
        image::ImageDecoder::orientation(&mut decoder).unwrap(),
        Orientation::Rotate90
    );
}

#[tokio::test]
async fn metadata_is_stripped_from_every_format_that_carries_it() {
    for (content_type, bytes) in [
        ("image/jpeg", samples::camera_jpeg(64, 48, 1)),
        ("image/png", samples::camera_png(64, 48, 1)),
    ] {
        let read = process(content_type, bytes.clone()).await.unwrap();
        let served = read.without_metadata.unwrap();
        assert!(contains(&bytes, SECRET));
        assert!(!contains(&served, SECRET), "{content_type}");
        assert_eq!(decoded(&served), decoded(&bytes), "{content_type}");
    }
}

#[tokio::test]
async fn types_other_than_the_four_images_are_not_read() {
    for content_type in [
        "application/pdf",
        "image/svg+xml",
        "image/tiff",
        "text/plain",
    ] {
        assert_eq!(process(content_type, samples::png_rgb(8, 8)).await, None);
    }
}

#[tokio::test]
async fn garbage_and_mislabelled_bytes_are_not_images() {
    for (content_type, bytes) in [
        ("image/png", b"not an image at all".to_vec()),
        ("image/jpeg", vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00]),
        ("image/gif", b"GIF89a".to_vec()),
        ("image/webp", b"RIFF\x04\0\0\0WEBP".to_vec()),
        ("image/png", Vec::new()),
        ("image/jpeg", samples::png_rgb(8, 8)),
        ("image/png", samples::jpeg(8, 8)),
    ] {
        assert_eq!(process(content_type, bytes).await, None, "{content_type}");
    }
}

#[test]
fn damaged_images_never_panic() {
    for (kind, bytes) in [
        (Kind::Jpeg, samples::camera_jpeg(24, 16, 6)),
        (Kind::Png, samples::camera_png(24, 16, 6)),
        (Kind::Gif, samples::gif_red_then_blue(24, 16)),
        (Kind::WebP, samples::webp(24, 16, true)),
    ] {
        for damaged in samples::damaged(&bytes) {
            let _ = read(kind, &damaged);
        }
    }
}

#[tokio::test]
async fn the_worker_reads_no_more_images_at_once_than_allowed() {
    let worker = Arc::new(ImageWorker::new(1));
    let held = Arc::clone(&worker.permits).acquire_owned().await.unwrap();

    let reading = {
        let worker = Arc::clone(&worker);
        tokio::spawn(async move { worker.process("image/png", samples::png_rgb(8, 8)).await })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!reading.is_finished(), "read while no permit was free");

    drop(held);
    let read = tokio::time::timeout(Duration::from_secs(10), reading)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(read.unwrap().size, size(8, 8));
}

#[tokio::test]
async fn a_worker_allowed_no_parallelism_still_reads_one_at_a_time() {
    let worker = ImageWorker::new(0);
    let reads: Vec<_> = (0..4)
        .map(|_| {
            let worker = worker.clone();
            tokio::spawn(async move { worker.process("image/png", samples::png_rgb(8, 8)).await })
        })
        .collect();
    for read in reads {
        let read = tokio::time::timeout(Duration::from_secs(10), read)
            .await
            .unwrap()
            .unwrap();
        assert!(matches!(read, Ok(Some(_))));
    }
}
