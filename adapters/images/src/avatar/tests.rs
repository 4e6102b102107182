use confab_domain::ports::ImageProcessor;

use crate::ImageWorker;
use crate::samples::{self, SECRET, contains, decoded};

async fn avatar(content_type: &str, bytes: Vec<u8>) -> Option<AvatarImages> {
    ImageWorker::new(1)
        .avatar(content_type, bytes)
        .await
        .unwrap()
}

use super::AvatarImages;

#[tokio::test]
async fn a_landscape_photo_becomes_its_centred_square_at_256_and_64_without_metadata() {
    let made = avatar("image/jpeg", samples::camera_jpeg(1200, 800, 1))
        .await
        .unwrap();
    assert_eq!(made.content_type, "image/jpeg");
    let large = decoded(&made.large);
    assert_eq!(large.dimensions(), (256, 256));
    assert_eq!(decoded(&made.small).dimensions(), (64, 64));
    // The middle of the gradient: the square was cut from the centre, not the left edge.
    let left = large.get_pixel(2, 128)[0];
    assert!(
        (40..140).contains(&left),
        "red at the square's left edge: {left}"
    );
    for file in [&made.large, &made.small] {
        assert!(!contains(file, SECRET), "metadata survived");
    }
}

#[tokio::test]
async fn a_picture_with_transparency_stays_png_at_both_sizes() {
    let made = avatar("image/png", samples::png_rgba(40, 90))
        .await
        .unwrap();
    assert_eq!(made.content_type, "image/png");
    assert!(made.large.starts_with(b"\x89PNG") && made.small.starts_with(b"\x89PNG"));
    assert_eq!(decoded(&made.large).dimensions(), (256, 256));
}

#[tokio::test]
async fn a_bomb_and_a_broken_file_make_no_avatar() {
    assert!(
        avatar("image/png", samples::png_claiming(100_000, 100_000))
            .await
            .is_none()
    );
    let jpeg = samples::jpeg(300, 300);
    assert!(avatar("image/jpeg", jpeg[..20].to_vec()).await.is_none());
    assert!(avatar("application/pdf", b"%PDF".to_vec()).await.is_none());
}
