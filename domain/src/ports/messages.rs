use async_trait::async_trait;

use crate::{
    ConversationId, Cursor, DomainError, Message, MessageView, NewMessage, Page, PageRequest, Slice,
};

/// Where messages live.
///
/// Every read here costs the same however long the conversation's history is: messages are
/// found by their per-conversation sequence number (see [`crate::read_position`]), never counted
/// or skipped over.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait MessageRepository: Send + Sync {
    /// Stores a message with the conversation's next sequence number and, in the same
    /// transaction, moves the conversation's `updated_at` to the message's time and the sender's
    /// read position to the message (your own message is read) — only if the posting rule
    /// ([`PostingFacts::ensure`](crate::PostingFacts::ensure)) holds inside that transaction, with
    /// the room locked against a concurrent ban, removal or close.
    ///
    /// # Errors
    /// What [`PostingFacts::ensure`](crate::PostingFacts::ensure) says when the rule no longer
    /// holds at commit (nothing is stored); `Internal` otherwise.
    async fn append(&self, message: NewMessage) -> Result<MessageView, DomainError>;

    /// The newest message, where "mark read" moves a read position to.
    ///
    /// # Errors
    /// `Internal` only.
    async fn newest(&self, conversation: ConversationId) -> Result<Option<Message>, DomainError>;

    /// One page of a conversation's messages, newest first, with the total count.
    ///
    /// # Errors
    /// `Internal` only.
    async fn list(
        &self,
        conversation: ConversationId,
        page: PageRequest,
    ) -> Result<Page<MessageView>, DomainError>;

    /// Up to `cursor.limit` messages strictly before (newest first) or after (oldest first) the
    /// cursor's message. `None` when that message is not in this conversation.
    ///
    /// # Errors
    /// `Internal` only.
    async fn slice(
        &self,
        conversation: ConversationId,
        cursor: Cursor,
    ) -> Result<Option<Slice<MessageView>>, DomainError>;
}
