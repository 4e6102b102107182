//! Files in messages: what an attachment is, and the rules about it that hold whatever stores the
//! bytes — a file name that is safe to show and to put in a header, which types a browser may show
//! inline from our origin, how many files a message carries, whose upload may go into which
//! message, and the size of an image's thumbnail. Reading the bytes (their type, their hash),
//! storing them and the HTTP headers are the adapters' work.

use crate::{ConversationId, DomainError, MessageId, Timestamp, UserId};

pub use crate::ids::AttachmentId;

pub mod content_type;
pub mod direct_upload;

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
    /// The thumbnail, when one was made (stored beside the file, see
    /// [`Attachment::thumbnail_key`]).
    pub thumbnail: Option<ThumbnailFile>,
    /// Where the bytes are in the file store ([`storage_key`]).
    pub storage_key: String,
    pub message_id: Option<MessageId>,
    pub created_at: Timestamp,
}

/// A fresh place in the file store for a file uploaded to `conversation`: grouped by room, named
/// by a random token, never by the client's file name (which could collide or name a path).
pub fn storage_key(conversation: ConversationId, token: uuid::Uuid) -> String {
    format!("conversations/{conversation}/{}", token.simple())
}

/// A stored thumbnail: its type (JPEG, or PNG for images with transparency) and size in bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThumbnailFile {
    pub content_type: String,
    pub size: u64,
}

/// Which of an attachment's stored objects a download asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Original,
    Thumbnail,
}

/// One object in the file store, as a download serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    pub key: String,
    pub content_type: String,
    pub size: u64,
}

/// An inclusive byte range of a stored file, already checked against its size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    pub first: u64,
    pub last: u64,
}

impl ByteRange {
    pub fn len(self) -> u64 {
        self.last - self.first + 1
    }

    pub fn is_empty(self) -> bool {
        false
    }
}

/// A `Range` a client asked for, before it is held against the file's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestedRange {
    /// `bytes=first-` or `bytes=first-last`.
    From { first: u64, last: Option<u64> },
    /// `bytes=-n`: the last `n` bytes.
    Suffix(u64),
}

impl RequestedRange {
    /// The bytes of a file of `size` this asks for, cut at its end (RFC 9110 §14.1.2).
    ///
    /// # Errors
    /// `RangeNotSatisfiable` for a range that starts at or past the end, or a suffix of nothing.
    pub fn within(self, size: u64) -> Result<ByteRange, DomainError> {
        let refuse = Err(DomainError::RangeNotSatisfiable { size });
        match self {
            Self::From { first, last } => {
                if first >= size || last.is_some_and(|last| last < first) {
                    return refuse;
                }
                let last = last.map_or(size - 1, |last| last.min(size - 1));
                Ok(ByteRange { first, last })
            }
            Self::Suffix(n) if n == 0 || size == 0 => refuse,
            Self::Suffix(n) => Ok(ByteRange {
                first: size.saturating_sub(n),
                last: size - 1,
            }),
        }
    }
}

/// Who asks for a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requester {
    /// A signed-in user.
    User(UserId),
    /// Whoever holds an unexpired link this server signed for the file.
    SignedLink,
}

/// What the storage knows about a would-be downloader, read when they ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DownloadFacts {
    /// A current participant of the attachment's conversation (a removed or banned member is not).
    pub participant: bool,
}

/// Where a new upload's bytes are and who sent them, before it has a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUpload {
    pub conversation_id: ConversationId,
    pub uploader: UserId,
    pub name: FileName,
    pub storage_key: String,
    pub at: Timestamp,
}

impl Attachment {
    /// An upload's record from what storing it measured (its size, SHA-256 and first bytes): its
    /// type read from those bytes ([`content_type::detect`]), never the client's word; in no
    /// message yet; no image facts until an image reader adds them. Its id is assigned when it is
    /// recorded.
    pub fn from_stored(upload: NewUpload, size: u64, sha256: String, head: &[u8]) -> Self {
        Self {
            id: AttachmentId(0),
            conversation_id: upload.conversation_id,
            uploader: upload.uploader,
            name: upload.name,
            content_type: content_type::detect(head).to_owned(),
            size,
            sha256,
            image: None,
            thumbnail: None,
            storage_key: upload.storage_key,
            message_id: None,
            created_at: upload.at,
        }
    }

    /// Where its thumbnail is stored, when it has one.
    pub fn thumbnail_key(&self) -> Option<String> {
        self.thumbnail
            .as_ref()
            .map(|_| format!("{}.thumb", self.storage_key))
    }

    /// Every object stored for it, to delete with it.
    pub fn stored_keys(&self) -> Vec<String> {
        std::iter::once(self.storage_key.clone())
            .chain(self.thumbnail_key())
            .collect()
    }

    /// The stored object, its type and its size for a download of `variant`.
    ///
    /// # Errors
    /// `AttachmentNotFound` for the thumbnail of a file that has none.
    pub fn stored(&self, variant: Variant) -> Result<StoredObject, DomainError> {
        match variant {
            Variant::Original => Ok(StoredObject {
                key: self.storage_key.clone(),
                content_type: self.content_type.clone(),
                size: self.size,
            }),
            Variant::Thumbnail => match (self.thumbnail_key(), &self.thumbnail) {
                (Some(key), Some(thumbnail)) => Ok(StoredObject {
                    key,
                    content_type: thumbnail.content_type.clone(),
                    size: thumbnail.size,
                }),
                _ => Err(DomainError::AttachmentNotFound),
            },
        }
    }

    /// May `requester` download it? With their credentials: the participants of its
    /// conversation, from the moment they join until the moment they are removed, banned or
    /// leave — and, until it is sent, only its uploader. Everyone else is told it does not exist,
    /// so ids cannot be probed. With a link this server signed (only ever handed to someone who
    /// could read the file then): whoever holds it, until it expires — a link works where no
    /// header can be sent (`<img src>`), which is why it is short-lived.
    ///
    /// # Errors
    /// `AttachmentNotFound`.
    pub fn ensure_downloadable_by(
        &self,
        requester: Requester,
        facts: DownloadFacts,
    ) -> Result<(), DomainError> {
        let allowed = match requester {
            Requester::SignedLink => true,
            Requester::User(viewer) => {
                facts.participant && (self.message_id.is_some() || self.uploader == viewer)
            }
        };
        if allowed {
            Ok(())
        } else {
            Err(DomainError::AttachmentNotFound)
        }
    }

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
