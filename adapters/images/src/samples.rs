//! Real images for the tests, made with the `image` crate's encoders, and the metadata blocks to
//! put into them (built by hand, with their lengths and checksums computed independently of the
//! code under test).

use std::io::Cursor;

use image::codecs::gif::GifEncoder;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::{
    Delay, DynamicImage, ExtendedColorType, Frame, ImageEncoder, Rgb, RgbImage, Rgba, RgbaImage,
};

/// What a photo's Exif block must not give away; tests look for it in the served bytes.
pub(crate) const SECRET: &[u8] = b"GPS-SECRET 52.5200 N 13.4050 E";

/// An image whose pixels differ from each other, so that comparisons mean something.
pub(crate) fn gradient(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        Rgb([
            (x * 255 / width.max(1)) as u8,
            (y * 255 / height.max(1)) as u8,
            ((x + y) % 256) as u8,
        ])
    })
}

pub(crate) fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, 90)
        .encode_image(&gradient(width, height))
        .unwrap();
    bytes
}

pub(crate) fn png_rgb(width: u32, height: u32) -> Vec<u8> {
    let image = gradient(width, height);
    let mut bytes = Vec::new();
    PngEncoder::new(&mut bytes)
        .write_image(image.as_raw(), width, height, ExtendedColorType::Rgb8)
        .unwrap();
    bytes
}

/// Half transparent: alpha fades from left to right.
pub(crate) fn png_rgba(width: u32, height: u32) -> Vec<u8> {
    let image = translucent(width, height);
    let mut bytes = Vec::new();
    PngEncoder::new(&mut bytes)
        .write_image(image.as_raw(), width, height, ExtendedColorType::Rgba8)
        .unwrap();
    bytes
}

fn translucent(width: u32, height: u32) -> RgbaImage {
    RgbaImage::from_fn(width, height, |x, _| {
        Rgba([200, 30, 30, (x * 255 / width.max(1)) as u8])
    })
}

/// Two frames: red, then blue.
pub(crate) fn gif_red_then_blue(width: u32, height: u32) -> Vec<u8> {
    let frame = |colour| {
        Frame::from_parts(
            RgbaImage::from_pixel(width, height, Rgba(colour)),
            0,
            0,
            Delay::from_numer_denom_ms(100, 1),
        )
    };
    let mut bytes = Vec::new();
    {
        let mut encoder = GifEncoder::new(&mut bytes);
        encoder
            .encode_frames([frame([255, 0, 0, 255]), frame([0, 0, 255, 255])])
            .unwrap();
    }
    bytes
}

/// A lossless WebP (the simple format, without `VP8X`).
pub(crate) fn webp(width: u32, height: u32, alpha: bool) -> Vec<u8> {
    let image = if alpha {
        DynamicImage::from(translucent(width, height))
    } else {
        DynamicImage::from(gradient(width, height))
    };
    let mut bytes = Vec::new();
    image
        .write_with_encoder(WebPEncoder::new_lossless(Cursor::new(&mut bytes)))
        .unwrap();
    bytes
}

/// A little-endian TIFF structure, as cameras write: the orientation, and an image description
/// holding [`SECRET`] (standing for the GPS position, the serial number and the rest).
pub(crate) fn exif(orientation: u16) -> Vec<u8> {
    let entries = 2u16;
    let text_at = 8 + 2 + 12 * u32::from(entries) + 4;
    let mut tiff = b"II\x2A\0".to_vec();
    tiff.extend_from_slice(&8u32.to_le_bytes());
    tiff.extend_from_slice(&entries.to_le_bytes());
    // ImageDescription, ASCII, stored after the directory.
    tiff.extend_from_slice(&0x010Eu16.to_le_bytes());
    tiff.extend_from_slice(&2u16.to_le_bytes());
    tiff.extend_from_slice(&(SECRET.len() as u32 + 1).to_le_bytes());
    tiff.extend_from_slice(&text_at.to_le_bytes());
    // Orientation, SHORT, in the entry itself.
    tiff.extend_from_slice(&0x0112u16.to_le_bytes());
    tiff.extend_from_slice(&3u16.to_le_bytes());
    tiff.extend_from_slice(&1u32.to_le_bytes());
    tiff.extend_from_slice(&orientation.to_le_bytes());
    tiff.extend_from_slice(&[0, 0]);
    tiff.extend_from_slice(&0u32.to_le_bytes());
    tiff.extend_from_slice(SECRET);
    tiff.push(0);
    tiff
}

/// An XMP packet with [`SECRET`] in it.
pub(crate) fn xmp() -> Vec<u8> {
    let mut xmp = b"<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><exif:GPSLatitude>".to_vec();
    xmp.extend_from_slice(SECRET);
    xmp.extend_from_slice(b"</exif:GPSLatitude></x:xmpmeta>");
    xmp
}

pub(crate) fn jpeg_segment(marker: u8, payload: &[u8]) -> Vec<u8> {
    let mut segment = vec![0xFF, marker];
    segment.extend_from_slice(&(payload.len() as u16 + 2).to_be_bytes());
    segment.extend_from_slice(payload);
    segment
}

/// `jpeg` with `segments` right after its SOI, where cameras put them.
pub(crate) fn after_soi(jpeg: &[u8], segments: &[Vec<u8>]) -> Vec<u8> {
    let mut bytes = jpeg[..2].to_vec();
    bytes.extend(segments.iter().flatten());
    bytes.extend_from_slice(&jpeg[2..]);
    bytes
}

/// A JPEG as a phone writes it: Exif (with `orientation`), XMP, IPTC, a maker's block and a
/// comment, around an ICC profile that must stay.
pub(crate) fn camera_jpeg(width: u32, height: u32, orientation: u16) -> Vec<u8> {
    let mut app1_exif = b"Exif\0\0".to_vec();
    app1_exif.extend(exif(orientation));
    let mut app1_xmp = b"http://ns.adobe.com/xap/1.0/\0".to_vec();
    app1_xmp.extend(xmp());
    let mut app13 = b"Photoshop 3.0\08BIM".to_vec();
    app13.extend_from_slice(SECRET);
    let mut app12 = b"Ducky\0".to_vec();
    app12.extend_from_slice(SECRET);
    let mut comment = b"taken at ".to_vec();
    comment.extend_from_slice(SECRET);
    after_soi(
        &jpeg(width, height),
        &[
            jpeg_segment(0xE1, &app1_exif),
            jpeg_segment(0xE2, ICC_PAYLOAD),
            jpeg_segment(0xE1, &app1_xmp),
            jpeg_segment(0xED, &app13),
            jpeg_segment(0xEC, &app12),
            jpeg_segment(0xFE, &comment),
        ],
    )
}

/// An APP2 segment's payload shaped like an ICC profile (one chunk of one).
pub(crate) const ICC_PAYLOAD: &[u8] = b"ICC_PROFILE\0\x01\x01not-a-real-profile";

/// A PNG chunk with its CRC.
pub(crate) fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
    chunk.extend_from_slice(kind);
    chunk.extend_from_slice(data);
    chunk.extend_from_slice(&crc32fast::hash(&chunk[4..]).to_be_bytes());
    chunk
}

/// `png` with `chunks` right after its IHDR (signature 8 bytes, IHDR chunk 25).
pub(crate) fn after_ihdr(png: &[u8], chunks: &[Vec<u8>]) -> Vec<u8> {
    let mut bytes = png[..33].to_vec();
    bytes.extend(chunks.iter().flatten());
    bytes.extend_from_slice(&png[33..]);
    bytes
}

/// A PNG with Exif (`orientation`), text, compressed text, international text and a time.
pub(crate) fn camera_png(width: u32, height: u32, orientation: u16) -> Vec<u8> {
    let mut text = b"Comment\0".to_vec();
    text.extend_from_slice(SECRET);
    let mut itxt = b"XML:com.adobe.xmp\0\0\0\0\0".to_vec();
    itxt.extend(xmp());
    after_ihdr(
        &png_rgb(width, height),
        &[
            png_chunk(b"eXIf", &exif(orientation)),
            png_chunk(b"tEXt", &text),
            png_chunk(b"iTXt", &itxt),
            png_chunk(b"tIME", &[7, 234, 1, 2, 3, 4, 5]),
        ],
    )
}

/// A PNG header that claims `width` × `height` pixels, with a few bytes of image data that could
/// never fill it.
pub(crate) fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]); // 8 bits, RGBA, deflate, adaptive, no interlace
    let mut bytes = b"\x89PNG\r\n\x1A\n".to_vec();
    bytes.extend(png_chunk(b"IHDR", &ihdr));
    bytes.extend(png_chunk(b"IDAT", &[0x78, 0x9C, 0x03, 0x00]));
    bytes.extend(png_chunk(b"IEND", &[]));
    bytes
}

/// A small real JPEG whose frame header was changed to claim `width` × `height` pixels.
pub(crate) fn jpeg_claiming(width: u16, height: u16) -> Vec<u8> {
    let mut bytes = jpeg(16, 16);
    let sof = bytes
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("a baseline frame header");
    // FF C0, length (2), precision (1), height (2), width (2)
    bytes[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
    bytes[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
    bytes
}

pub(crate) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

pub(crate) fn decoded(bytes: &[u8]) -> RgbaImage {
    image::load_from_memory(bytes).unwrap().to_rgba8()
}

/// Every prefix of `bytes`: a file cut short anywhere.
pub(crate) fn prefixes(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    (0..bytes.len()).map(|len| &bytes[..len])
}

/// Every prefix of `bytes`; `bytes` with each byte in turn set to `00` and to `FF` (lengths that
/// lie, both ways); and `bytes` with bytes changed here and there (a fixed xorshift sequence, so a
/// failure can be replayed): what a fuzzer would try first.
pub(crate) fn damaged(bytes: &[u8]) -> impl Iterator<Item = Vec<u8>> + '_ {
    let extremes = (0..bytes.len()).flat_map(move |at| {
        [0x00, 0xFF].map(|value| {
            let mut copy = bytes.to_vec();
            copy[at] = value;
            copy
        })
    });
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mutations = (0..300).map(move |_| {
        let mut copy = bytes.to_vec();
        for _ in 0..3 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let at = (state % copy.len() as u64) as usize;
            copy[at] = (state >> 32) as u8;
        }
        copy
    });
    prefixes(bytes)
        .map(<[u8]>::to_vec)
        .chain(extremes)
        .chain(mutations)
}
