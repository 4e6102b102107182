use async_trait::async_trait;

use crate::{
    Attachment, AttachmentId, DirectUpload, DomainError, DownloadFacts, Timestamp, UserId,
};

/// Where the records of uploaded files live (their bytes are in the
/// [`FileStore`](super::FileStore)). A send takes attachments into its message inside
/// [`MessageRepository::append`](super::MessageRepository::append)'s transaction; a deletion
/// removes them with their message.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AttachmentRepository: Send + Sync {
    /// Stores a new upload's record (its `id` is ignored and assigned), not yet in a message.
    ///
    /// # Errors
    /// `Internal` only.
    async fn insert(&self, attachment: Attachment) -> Result<Attachment, DomainError>;

    /// The record, with whether `viewer` (when there is one) is now a participant of its
    /// conversation, in one read.
    ///
    /// # Errors
    /// `Internal` only.
    async fn find_for(
        &self,
        id: AttachmentId,
        viewer: Option<UserId>,
    ) -> Result<Option<(Attachment, DownloadFacts)>, DomainError>;

    /// Records an announced direct upload.
    ///
    /// # Errors
    /// `Internal` only.
    async fn announce(&self, upload: DirectUpload) -> Result<(), DomainError>;

    /// The announced upload named `id`, if it is still waiting.
    ///
    /// # Errors
    /// `Internal` only.
    async fn announced(&self, id: &str) -> Result<Option<DirectUpload>, DomainError>;

    /// Turns the announced upload into the attachment (its `id` assigned), in one transaction:
    /// `None` when another completion took it first.
    ///
    /// # Errors
    /// `Internal` only.
    async fn complete(
        &self,
        upload_id: &str,
        attachment: Attachment,
    ) -> Result<Option<Attachment>, DomainError>;

    /// Removes up to `limit` announced uploads that expired before `cutoff` and returns them (so
    /// whatever bytes arrived can be removed); each is taken by one caller only.
    ///
    /// # Errors
    /// `Internal` only.
    async fn take_expired_announcements(
        &self,
        cutoff: Timestamp,
        limit: u64,
    ) -> Result<Vec<DirectUpload>, DomainError>;

    /// Removes up to `limit` uploads created before `cutoff` that never went into a message, and
    /// returns them (so their bytes can be removed). Each is taken by one caller only, however
    /// many nodes sweep at once.
    ///
    /// # Errors
    /// `Internal` only.
    async fn take_orphans(
        &self,
        cutoff: Timestamp,
        limit: u64,
    ) -> Result<Vec<Attachment>, DomainError>;
}
