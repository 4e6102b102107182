//! Direct upload: a large file goes straight to the store — announced with its name, size and
//! SHA-256, sent by the client to the URL it is given (a presigned S3 `PUT`, or this server's own
//! streaming `PUT` on a local folder), then completed: only bytes that match the announcement
//! become an attachment.

use confab_domain::attachment::direct_upload::{
    DIRECT_UPLOAD_SECS, ensure_announced_size, parse_sha256,
};
use confab_domain::attachment::storage_key;
use confab_domain::ports::{ByteSource, UploadTarget};
use confab_domain::{
    Attachment, ConversationId, DirectUpload, DomainError, FileName, NewUpload, ValidationErrors,
};

use crate::{Caller, Confab};

/// What a client announces.
#[derive(Debug, Clone, Copy)]
pub struct Announcement<'a> {
    pub name: &'a str,
    pub size: u64,
    pub sha256: &'a str,
}

impl Confab {
    /// 404 for an outsider, 422 for a closed room or a malformed `sha256`, 413 past
    /// `CONFAB_DIRECT_UPLOAD_MAX_BYTES`. Returns the announcement and, when the store takes bytes
    /// itself, where to send them (otherwise the transport offers its own `PUT`).
    pub async fn announce_direct_upload(
        &self,
        caller: &Caller,
        conversation: ConversationId,
        announcement: Announcement<'_>,
    ) -> Result<(DirectUpload, Option<UploadTarget>), DomainError> {
        let room = self.load_visible(conversation, caller.user).await?;
        if room.is_closed() {
            return Err(DomainError::ClosedRoomCannotPost);
        }
        let mut errors = ValidationErrors::new();
        let sha256 = errors.check(
            "sha256",
            parse_sha256(announcement.sha256).map_err(|e| e.to_string()),
        );
        errors.into_result()?;
        ensure_announced_size(announcement.size, self.uploads.direct_max_bytes)?;
        let now = self.ports.clock.now();
        let lifetime = chrono::Duration::seconds(DIRECT_UPLOAD_SECS);
        let upload = DirectUpload {
            id: uuid::Uuid::new_v4().simple().to_string(),
            conversation_id: conversation,
            uploader: caller.user,
            name: FileName::sanitize(announcement.name),
            size: announcement.size,
            sha256: sha256.expect("checked above"),
            storage_key: storage_key(conversation, uuid::Uuid::new_v4()),
            created_at: now,
            expires_at: now + lifetime,
        };
        let target = self
            .ports
            .files
            .upload_target(
                &upload.storage_key,
                upload.size,
                lifetime.to_std().unwrap_or_default(),
            )
            .await?;
        self.ports.attachments.announce(upload.clone()).await?;
        Ok((upload, target))
    }

    /// The bytes of an announced upload, through this server (a local folder's store), for
    /// whoever holds the signed URL: counted against the announced size (413 beyond).
    pub async fn receive_direct_upload(
        &self,
        upload_id: &str,
        source: Box<dyn ByteSource>,
    ) -> Result<(), DomainError> {
        let upload = self.open_announcement(upload_id).await?;
        if self.ports.clock.now() > upload.expires_at {
            return Err(DomainError::AttachmentNotFound);
        }
        self.ports
            .files
            .put(&upload.storage_key, source, upload.size)
            .await?;
        Ok(())
    }

    /// Checks what arrived against the announcement and records the attachment: 422 naming
    /// `size` or `sha256` on a mismatch (the bytes are removed; the upload may be sent again
    /// until it expires), 422 on `upload_id` when nothing arrived, 404 for someone else's.
    pub async fn complete_direct_upload(
        &self,
        caller: &Caller,
        conversation: ConversationId,
        upload_id: &str,
    ) -> Result<Attachment, DomainError> {
        self.load_visible(conversation, caller.user).await?;
        let upload = self.open_announcement(upload_id).await?;
        upload.ensure_open_to(caller.user, conversation, self.ports.clock.now())?;
        let stored = match self.ports.files.measure(&upload.storage_key).await {
            Err(DomainError::AttachmentNotFound) => {
                return Err(DomainError::invalid(
                    "upload_id",
                    "No bytes have arrived for this upload yet.",
                ));
            }
            other => other?,
        };
        let keys = [upload.storage_key.clone()];
        if let Err(mismatch) = upload.ensure_arrived_as_announced(stored.size, &stored.sha256) {
            self.ports.files.delete(&keys).await?;
            return Err(mismatch);
        }
        let recorded = NewUpload {
            conversation_id: conversation,
            uploader: caller.user,
            name: upload.name.clone(),
            storage_key: upload.storage_key.clone(),
            at: self.ports.clock.now(),
        };
        let mut attachment =
            Attachment::from_stored(recorded, stored.size, stored.sha256, &stored.head);
        self.describe_image(&mut attachment).await?;
        self.ports
            .attachments
            .complete(upload_id, attachment)
            .await?
            .ok_or(DomainError::AttachmentNotFound)
    }

    async fn open_announcement(&self, upload_id: &str) -> Result<DirectUpload, DomainError> {
        self.ports
            .attachments
            .announced(upload_id)
            .await?
            .ok_or(DomainError::AttachmentNotFound)
    }
}

#[cfg(test)]
mod tests;
