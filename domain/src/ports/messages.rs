use async_trait::async_trait;

use crate::{ConversationId, DomainError, MessageId, MessageView, NewMessage, Page, PageRequest};

/// Where messages live.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait MessageRepository: Send + Sync {
    /// Stores a message and, in the same transaction, moves the conversation's `updated_at` to the
    /// message's time and the sender's read position to the message (your own message is read).
    ///
    /// # Errors
    /// `Internal` only.
    async fn append(&self, message: NewMessage) -> Result<MessageView, DomainError>;

    /// The newest message's id, where "mark read" moves a read position to.
    ///
    /// # Errors
    /// `Internal` only.
    async fn latest_id(
        &self,
        conversation: ConversationId,
    ) -> Result<Option<MessageId>, DomainError>;

    /// One page of a conversation's messages, newest first, with the total count.
    ///
    /// # Errors
    /// `Internal` only.
    async fn list(
        &self,
        conversation: ConversationId,
        page: PageRequest,
    ) -> Result<Page<MessageView>, DomainError>;
}
