//! Files in messages: what an attachment is, and the rules about it that hold whatever stores the
//! bytes — a file name that is safe to show and to put in a header, which types a browser may show
//! inline from our origin, how many files a message carries, whose upload may go into which
//! message, and the size of an image's thumbnail. Reading the bytes (their type, their hash),
//! storing them and the HTTP headers are the adapters' work.

use crate::{ConversationId, DomainError, MessageId, Timestamp, UserId};

pub use crate::ids::AttachmentId;

/// The most files one message carries.
pub const MAX_ATTACHMENTS_PER_MESSAGE: usize = 10;

/// The longest file name kept, in bytes of UTF-8 (what common file systems allow).
pub const MAX_NAME_BYTES: usize = 255;

/// A thumbnail's longer side, in pixels.
pub const THUMBNAIL_LONG_SIDE: u32 = 320;

/// Images with more pixels than this get no thumbnail (and so are never decoded): a small file can
/// claim a huge canvas (a decompression bomb). Such an image is kept as a plain file.
pub const MAX_THUMBNAIL_PIXELS: u64 = 40_000_000;

/// The name to store when the client's is empty or only a path.
const FALLBACK_NAME: &str = "file";

/// The client's file name made safe: what a person recognises, with nothing a file system, a
/// header or a terminal could take for more than a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileName(String);

impl FileName {
    /// The last segment of the client's path (after either slash), without control characters
    /// (C0, DEL, C1) and surrounding white space, cut to [`MAX_NAME_BYTES`] at a character
    /// boundary; empty, `.` or `..` become `file`. Never fails: a bad name is not a reason to
    /// refuse a file.
    pub fn sanitize(raw: &str) -> Self {
        let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
        let printable: String = last.chars().filter(|c| !c.is_control()).collect();
        let mut name = printable.trim();
        if name.len() > MAX_NAME_BYTES {
            let mut end = MAX_NAME_BYTES;
            while !name.is_char_boundary(end) {
                end -= 1;
            }
            name = name[..end].trim_end();
        }
        match name {
            "" | "." | ".." => Self(FALLBACK_NAME.to_owned()),
            name => Self(name.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether a browser may show a file of `content_type` inline from our origin: images, audio and
/// video whose formats run no script. Everything else is downloaded (`Content-Disposition:
/// attachment`) — an uploaded HTML page or SVG image must never run script as us.
pub fn shown_inline(content_type: &str) -> bool {
    matches!(
        content_type,
        "image/jpeg"
            | "image/png"
            | "image/gif"
            | "image/webp"
            | "audio/mpeg"
            | "audio/ogg"
            | "audio/wav"
            | "audio/webm"
            | "video/mp4"
            | "video/webm"
            | "video/ogg"
    )
}

/// An image's size in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageSize {
    pub width: u32,
    pub height: u32,
}

impl ImageSize {
    /// The thumbnail's size: the longer side [`THUMBNAIL_LONG_SIDE`], the shape kept, never
    /// larger than the image, at least one pixel each way. `None` for an empty image and for one of
    /// more than [`MAX_THUMBNAIL_PIXELS`], which is kept without a thumbnail.
    pub fn thumbnail(self) -> Option<ImageSize> {
        let pixels = u64::from(self.width) * u64::from(self.height);
        if pixels == 0 || pixels > MAX_THUMBNAIL_PIXELS {
            return None;
        }
        let long = self.width.max(self.height);
        if long <= THUMBNAIL_LONG_SIDE {
            return Some(self);
        }
        let scale = |side: u32| {
            let scaled = u64::from(side) * u64::from(THUMBNAIL_LONG_SIDE) / u64::from(long);
            u32::try_from(scaled).unwrap_or(THUMBNAIL_LONG_SIDE).max(1)
        };
        Some(ImageSize {
            width: scale(self.width),
            height: scale(self.height),
        })
    }
}

/// A file uploaded to a conversation; in a message once `message_id` is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub id: AttachmentId,
    pub conversation_id: ConversationId,
    /// Who uploaded it: the only one who may send it.
    pub uploader: UserId,
    pub name: FileName,
    /// Read from the bytes, never taken from the client.
    pub content_type: String,
    pub size: u64,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    /// For images the adapter could read; `None` otherwise.
    pub image: Option<ImageSize>,
    pub message_id: Option<MessageId>,
    pub created_at: Timestamp,
}

impl Attachment {
    /// May `sender` put this file into a message of `conversation`? Only their own upload, of that
    /// conversation, not yet sent in a message (the storage checks this again in the send's
    /// transaction, so two racing sends cannot both take it).
    ///
    /// # Errors
    /// `Invalid` on `attachment_ids`, naming the attachment.
    pub fn ensure_attachable(
        &self,
        sender: UserId,
        conversation: ConversationId,
    ) -> Result<(), DomainError> {
        let refuse = |why: &str| {
            Err(DomainError::invalid(
                "attachment_ids",
                format!("Attachment {} {why}.", self.id),
            ))
        };
        if self.uploader != sender || self.conversation_id != conversation {
            // Someone else's upload, or another room's, is told apart from nothing: ids cannot be
            // probed.
            return refuse("does not exist");
        }
        if self.message_id.is_some() {
            return refuse("is already in a message");
        }
        Ok(())
    }
}

/// The `attachment_ids` of a send: at most [`MAX_ATTACHMENTS_PER_MESSAGE`], each once.
///
/// # Errors
/// `Invalid` on `attachment_ids`.
pub fn parse_attachment_ids(ids: &[i64]) -> Result<Vec<AttachmentId>, DomainError> {
    if ids.len() > MAX_ATTACHMENTS_PER_MESSAGE {
        return Err(DomainError::invalid(
            "attachment_ids",
            format!("A message carries at most {MAX_ATTACHMENTS_PER_MESSAGE} attachments."),
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    if let Some(repeated) = ids.iter().find(|id| !seen.insert(**id)) {
        return Err(DomainError::invalid(
            "attachment_ids",
            format!("Attachment {repeated} is named twice."),
        ));
    }
    Ok(ids.iter().copied().map(AttachmentId).collect())
}

#[cfg(test)]
mod tests;
