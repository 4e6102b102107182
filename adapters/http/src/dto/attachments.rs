use std::collections::BTreeMap;

use confab_domain::{Attachment, Variant};
use poem_openapi::Object;

use super::{AnyText, DateTime, Ruled, SentOrNull, Sha256Hex, rfc3339_micros};
use crate::attachment_links::links;

/// A file in a conversation: uploaded, then sent in a message (`attachment_ids`).
#[derive(Debug, Clone, Object)]
pub struct AttachmentDto {
    pub id: i64,
    pub conversation_id: i64,
    /// Who uploaded it.
    pub user_id: i64,
    /// The uploader's file name, made safe: no path, no control characters, at most 255 bytes.
    pub name: String,
    /// Read from the file's bytes, never taken from the client.
    pub content_type: String,
    /// In bytes.
    pub size: u64,
    /// Hex SHA-256 of the bytes served (for an image: without its metadata).
    pub sha256: String,
    /// For images: pixels; `null` otherwise.
    pub width: Ruled<Option<u32>, SentOrNull>,
    pub height: Ruled<Option<u32>, SentOrNull>,
    /// A short-lived signed link to the file that needs no `Authorization` header (`<img src>`
    /// works); ask for the message again for a fresh one. Relative to this server unless it
    /// runs with `CONFAB_PUBLIC_URL`.
    pub url: String,
    /// The same for a thumbnail of at most 320 px on its longer side; `null` when there is none.
    pub thumbnail_url: Ruled<Option<String>, SentOrNull>,
    pub created_at: Ruled<String, DateTime>,
}

impl From<&Attachment> for AttachmentDto {
    fn from(attachment: &Attachment) -> Self {
        let now = chrono::Utc::now().timestamp();
        let links = links();
        Self {
            id: attachment.id.get(),
            conversation_id: attachment.conversation_id.get(),
            user_id: attachment.uploader.get(),
            name: attachment.name.as_str().to_owned(),
            content_type: attachment.content_type.clone(),
            size: attachment.size,
            sha256: attachment.sha256.clone(),
            width: attachment.image.map(|i| i.width).into(),
            height: attachment.image.map(|i| i.height).into(),
            url: links.link(attachment.id, Variant::Original, now),
            thumbnail_url: attachment
                .thumbnail
                .as_ref()
                .map(|_| links.link(attachment.id, Variant::Thumbnail, now))
                .into(),
            created_at: rfc3339_micros(attachment.created_at).into(),
        }
    }
}

/// `POST /api/v1/conversations/{id}/attachments`.
#[derive(Debug, Clone, Object)]
pub struct AttachmentEnvelope {
    pub status: bool,
    pub message: String,
    pub data: AttachmentDto,
}

/// `POST /api/v1/conversations/{id}/attachments/uploads`: a large file, announced.
#[derive(Debug, Clone, Object)]
pub struct DirectUploadBody {
    /// The file's name (made safe as for uploads).
    pub name: Ruled<String, AnyText>,
    /// In bytes, at most `CONFAB_DIRECT_UPLOAD_MAX_BYTES` (2 GiB by default).
    pub size: u64,
    /// Hex SHA-256 of the bytes you will send.
    pub sha256: Ruled<String, Sha256Hex>,
}

/// Where to send the announced file's bytes.
#[derive(Debug, Clone, Object)]
pub struct UploadTargetDto {
    /// Names the upload when you complete it.
    pub upload_id: String,
    /// `PUT`.
    pub method: String,
    /// Send the bytes here, as the whole request body, with no `Authorization` header: a
    /// presigned S3 URL, or this server's own signed URL on a local store.
    pub url: String,
    /// Headers the request must carry.
    pub headers: BTreeMap<String, String>,
    /// After this the URL no longer works (15 minutes).
    pub expires_at: Ruled<String, DateTime>,
}

/// The answer to an announcement.
#[derive(Debug, Clone, Object)]
pub struct UploadTargetEnvelope {
    pub status: bool,
    pub message: String,
    pub data: UploadTargetDto,
}
