//! A decompression bomb — a small file whose header claims 100 million pixels — is reported with
//! its size and never decoded: the memory the whole read takes stays far below the 400 MB its
//! pixels would need. A test binary of its own, because it counts every allocation of the process.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use confab_domain::ImageSize;
use confab_domain::ports::ImageProcessor;
use confab_images::ImageWorker;

/// The system allocator, counting the bytes in use and the most ever in use.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = IN_USE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        // SAFETY: the caller's contract is passed on unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract is passed on unchanged.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The most a read may add to the memory in use: the file, a copy of it, and the decoders' state.
const ALLOWED_BYTES: usize = 8 * 1024 * 1024;

fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut chunk = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
    chunk.extend_from_slice(kind);
    chunk.extend_from_slice(data);
    chunk.extend_from_slice(&crc32fast::hash(&chunk[4..]).to_be_bytes());
    chunk
}

/// `width` × `height` RGB pixels claimed, a few bytes of image data given.
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8 bits, RGB, deflate, adaptive, no interlace
    let mut bytes = b"\x89PNG\r\n\x1A\n".to_vec();
    bytes.extend(png_chunk(b"IHDR", &ihdr));
    bytes.extend(png_chunk(b"IDAT", &[0x78, 0x9C, 0x03, 0x00]));
    bytes.extend(png_chunk(b"IEND", &[]));
    bytes
}

/// A real 16 × 16 JPEG whose frame header claims `width` × `height`.
fn jpeg_claiming(width: u16, height: u16) -> Vec<u8> {
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new(&mut bytes)
        .encode_image(&image::RgbImage::new(16, 16))
        .unwrap();
    let sof = bytes.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    bytes[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
    bytes[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
    bytes
}

/// Each bomb just over the domain's 40 MP, small enough that the decoder's own memory budget
/// would let it through: only the pixel check stands between it and 144 MB. And one of 100 MP.
#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn decompression_bombs_are_measured_without_being_decoded() {
    let worker = ImageWorker::new(1);
    // Start the blocking pool once, so that its thread is not counted against a read.
    worker
        .process("image/png", png_claiming(1, 1))
        .await
        .unwrap();

    for (content_type, bytes, width, height) in [
        ("image/png", png_claiming(8_000, 6_000), 8_000, 6_000),
        ("image/jpeg", jpeg_claiming(8_000, 6_000), 8_000, 6_000),
        ("image/png", png_claiming(10_000, 10_000), 10_000, 10_000),
    ] {
        let before = IN_USE.load(Ordering::Relaxed);
        PEAK.store(before, Ordering::Relaxed);
        let read = worker.process(content_type, bytes).await.unwrap().unwrap();
        let added = PEAK.load(Ordering::Relaxed) - before;

        assert_eq!(read.size, ImageSize { width, height }, "{content_type}");
        assert_eq!(read.thumbnail, None, "{content_type}");
        assert!(
            added < ALLOWED_BYTES,
            "reading a {width} × {height} {content_type} took {added} bytes"
        );
    }
}
