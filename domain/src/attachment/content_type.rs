//! What a file is, read from its first bytes (magic numbers) — never from the client's word, which
//! could call an HTML page a photo. Unknown bytes are `application/octet-stream`; text that reads
//! as markup is named as such so that it is never shown inline (see [`super::shown_inline`]).

/// How many leading bytes [`detect`] looks at.
pub const SNIFF_BYTES: usize = 512;

/// The signatures, in the order they are tried: (offset, bytes, type).
const SIGNATURES: &[(usize, &[u8], &str)] = &[
    (0, b"\xFF\xD8\xFF", "image/jpeg"),
    (0, b"\x89PNG\r\n\x1A\n", "image/png"),
    (0, b"GIF87a", "image/gif"),
    (0, b"GIF89a", "image/gif"),
    (0, b"%PDF-", "application/pdf"),
    (0, b"OggS", "audio/ogg"),
    (0, b"ID3", "audio/mpeg"),
    (0, b"\x1A\x45\xDF\xA3", "video/webm"),
    (0, b"PK\x03\x04", "application/zip"),
    (0, b"\x1F\x8B", "application/gzip"),
    (4, b"ftyp", "video/mp4"),
];

/// The type of a file whose first bytes are `head` (at least [`SNIFF_BYTES`] of them when the file
/// is that long).
pub fn detect(head: &[u8]) -> &'static str {
    if head.len() >= 12 && &head[..4] == b"RIFF" {
        match &head[8..12] {
            b"WEBP" => return "image/webp",
            b"WAVE" => return "audio/wav",
            _ => {}
        }
    }
    for (offset, magic, kind) in SIGNATURES {
        if head.get(*offset..offset + magic.len()) == Some(*magic) {
            return kind;
        }
    }
    // MPEG audio without a tag: a frame sync.
    if head.len() >= 2 && head[0] == 0xFF && head[1] & 0xE0 == 0xE0 {
        return "audio/mpeg";
    }
    text_kind(head).unwrap_or("application/octet-stream")
}

/// Markup or plain text, for a head that reads as UTF-8 (its last character may be cut).
fn text_kind(head: &[u8]) -> Option<&'static str> {
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&head[..e.valid_up_to()]).ok()?,
        Err(_) => return None,
    };
    if text.is_empty() {
        return None;
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}'))
    {
        return None;
    }
    let start = text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .to_ascii_lowercase();
    if start.contains("<svg") {
        Some("image/svg+xml")
    } else if ["<!doctype html", "<html", "<head", "<body", "<script"]
        .iter()
        .any(|tag| start.contains(tag))
    {
        Some("text/html")
    } else if start.starts_with("<?xml") {
        Some("application/xml")
    } else {
        Some("text/plain")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_audio_video_and_documents_are_told_by_their_magic_numbers() {
        for (head, kind) in [
            (&b"\xFF\xD8\xFF\xE0\0\x10JFIF"[..], "image/jpeg"),
            (b"\x89PNG\r\n\x1A\n\0\0\0\rIHDR", "image/png"),
            (b"GIF89a\x01\0\x01\0", "image/gif"),
            (b"RIFF\x24\0\0\0WEBPVP8 ", "image/webp"),
            (b"RIFF\x24\0\0\0WAVEfmt ", "audio/wav"),
            (b"%PDF-1.7\n", "application/pdf"),
            (b"\0\0\0\x18ftypmp42", "video/mp4"),
            (b"ID3\x04\0", "audio/mpeg"),
            (b"PK\x03\x04\x14\0", "application/zip"),
        ] {
            assert_eq!(detect(head), kind, "{head:?}");
        }
    }

    #[test]
    fn what_the_client_calls_a_file_does_not_matter_only_its_bytes() {
        assert_eq!(
            detect(b"<svg xmlns='http://www.w3.org/2000/svg'><script>"),
            "image/svg+xml"
        );
        assert_eq!(detect(b"<?xml version='1.0'?>\n<svg>"), "image/svg+xml");
        assert_eq!(detect(b"  <!DOCTYPE html><p>hi"), "text/html");
        assert_eq!(detect(b"<script>alert(1)</script>"), "text/html");
        assert_eq!(detect("héllo, world\n".as_bytes()), "text/plain");
    }

    #[test]
    fn binary_noise_and_nothing_are_octet_streams() {
        assert_eq!(detect(b""), "application/octet-stream");
        assert_eq!(detect(b"\0\x01\x02\x03garbage"), "application/octet-stream");
        assert_eq!(
            detect(b"\xC3"),
            "application/octet-stream",
            "a cut first char"
        );
    }

    #[test]
    fn text_cut_inside_a_character_is_still_text() {
        let mut head = "ééé".as_bytes().to_vec();
        head.pop();
        assert_eq!(detect(&head), "text/plain");
    }
}
