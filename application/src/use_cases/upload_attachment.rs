//! Upload attachment: a participant streams a file into an open room's storage; it waits there,
//! in no message, until they send it (or the sweep removes it).

use confab_domain::attachment::storage_key;
use confab_domain::ports::ByteSource;
use confab_domain::{Attachment, ConversationId, DomainError, FileName, NewUpload, ThumbnailFile};

use crate::{Caller, Confab};

/// The largest image read back whole to measure it and make its thumbnail; bigger ones are kept
/// as plain files. (A 40 MP photo as JPEG is well under this.)
pub(crate) const MAX_IMAGE_BYTES: u64 = 50 * 1024 * 1024;

impl Confab {
    /// 404 for an outsider, 422 for a closed room — both before a byte is stored. The bytes go to
    /// the file store as they arrive (never held whole), counted against the upload limit (413
    /// past it, nothing kept). Their type comes from the bytes; an image gets its size, a
    /// thumbnail and its metadata (EXIF with its GPS position) removed from the stored copy.
    pub async fn upload_attachment(
        &self,
        caller: &Caller,
        conversation: ConversationId,
        file_name: &str,
        source: Box<dyn ByteSource>,
    ) -> Result<Attachment, DomainError> {
        let room = self.load_visible(conversation, caller.user).await?;
        if room.is_closed() {
            return Err(DomainError::ClosedRoomCannotPost);
        }
        let key = storage_key(conversation, uuid::Uuid::new_v4());
        let stored = self
            .ports
            .files
            .put(&key, source, self.uploads.max_bytes)
            .await?;
        let upload = NewUpload {
            conversation_id: conversation,
            uploader: caller.user,
            name: FileName::sanitize(file_name),
            storage_key: key,
            at: self.ports.clock.now(),
        };
        let mut attachment =
            Attachment::from_stored(upload, stored.size, stored.sha256, &stored.head);
        let recorded = match self.describe_image(&mut attachment).await {
            Ok(()) => self.ports.attachments.insert(attachment.clone()).await,
            Err(error) => Err(error),
        };
        if recorded.is_err() {
            // Nothing half-stored: bytes without a record would never be removed.
            if let Err(cleanup) = self.ports.files.delete(&attachment.stored_keys()).await {
                tracing::warn!(error = %cleanup, "an upload's bytes could not be removed");
            }
        }
        recorded
    }

    /// Measures an image, stores its thumbnail beside it and replaces the stored copy with one
    /// without metadata. A file that is not an image this reads stays a plain file.
    pub(crate) async fn describe_image(
        &self,
        attachment: &mut Attachment,
    ) -> Result<(), DomainError> {
        if !attachment.content_type.starts_with("image/") || attachment.size > MAX_IMAGE_BYTES {
            return Ok(());
        }
        let key = attachment.storage_key.clone();
        let bytes = self.ports.files.read_small(&key, MAX_IMAGE_BYTES).await?;
        let Some(image) = self
            .ports
            .images
            .process(&attachment.content_type, bytes)
            .await?
        else {
            return Ok(());
        };
        attachment.image = Some(image.size);
        if let Some(clean) = image.without_metadata {
            let source = Box::new(InMemory(Some(clean)));
            let stored = self.ports.files.put(&key, source, MAX_IMAGE_BYTES).await?;
            attachment.size = stored.size;
            attachment.sha256 = stored.sha256;
        }
        if let Some(thumbnail) = image.thumbnail {
            let size = thumbnail.bytes.len() as u64;
            attachment.thumbnail = Some(ThumbnailFile {
                content_type: thumbnail.content_type,
                size,
            });
            let thumbnail_key = attachment.thumbnail_key().unwrap_or_default();
            self.ports
                .files
                .put_small(&thumbnail_key, thumbnail.bytes)
                .await?;
        }
        Ok(())
    }
}

/// Bytes already in memory (an image's copy without metadata), as one piece.
struct InMemory(Option<Vec<u8>>);

#[async_trait::async_trait]
impl ByteSource for InMemory {
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, DomainError> {
        Ok(self.0.take())
    }
}

#[cfg(test)]
mod tests;
