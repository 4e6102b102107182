//! Download attachment: a file, or its thumbnail, for someone who may read it — streamed through
//! this server, or from the store itself by a short-lived redirect.

use std::time::Duration;

use confab_domain::attachment::{RequestedRange, Requester, Variant, shown_inline};
use confab_domain::ports::{ByteRange, Presentation, Retrieval};
use confab_domain::{AttachmentId, DomainError, FileName};

use crate::Confab;

/// What a download answers with.
#[derive(Debug)]
pub struct Download {
    pub name: FileName,
    pub content_type: String,
    /// The whole object's size (a range is part of it).
    pub size: u64,
    /// The part asked for, held against the size; `None` for the whole.
    pub range: Option<ByteRange>,
    /// A strong validator: the file's SHA-256 (a thumbnail's is derived from it).
    pub etag: String,
    /// Whether a browser may show it from our origin ([`shown_inline`]); otherwise it must be
    /// downloaded.
    pub inline: bool,
    pub retrieval: Retrieval,
}

/// How the transport writes a download's `Content-Disposition` (its format is the transport's).
pub type Disposition = fn(name: &FileName, inline: bool) -> String;

impl Confab {
    /// 404 for anyone who may not read it ([`Attachment::ensure_downloadable_by`](confab_domain::Attachment::ensure_downloadable_by)),
    /// and for the thumbnail of a file without one; 416 for a range past its end. A redirect
    /// (S3) is valid for `valid_for`.
    pub async fn download_attachment(
        &self,
        requester: Requester,
        id: AttachmentId,
        variant: Variant,
        range: Option<RequestedRange>,
        disposition: Disposition,
        valid_for: Duration,
    ) -> Result<Download, DomainError> {
        let viewer = match requester {
            Requester::User(user) => Some(user),
            Requester::SignedLink => None,
        };
        let (attachment, facts) = self
            .ports
            .attachments
            .find_for(id, viewer)
            .await?
            .ok_or(DomainError::AttachmentNotFound)?;
        attachment.ensure_downloadable_by(requester, facts)?;
        let object = attachment.stored(variant)?;
        let range = range.map(|r| r.within(object.size)).transpose()?;
        let inline = shown_inline(&object.content_type);
        let presentation = Presentation {
            content_type: object.content_type.clone(),
            disposition: disposition(&attachment.name, inline),
        };
        let retrieval = self
            .ports
            .files
            .retrieve(&object.key, range, &presentation, valid_for)
            .await?;
        let etag = match variant {
            Variant::Original => attachment.sha256.clone(),
            Variant::Thumbnail => format!("{}-thumbnail", attachment.sha256),
        };
        Ok(Download {
            name: attachment.name,
            content_type: object.content_type,
            size: object.size,
            range,
            etag,
            inline,
            retrieval,
        })
    }
}

#[cfg(test)]
mod tests;
