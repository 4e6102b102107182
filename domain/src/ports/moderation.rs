use async_trait::async_trait;

use crate::{
    AuditEntry, AuditRecord, ConversationId, DomainError, MessageChange, MessageId, MessageView,
    Pin, UserId,
};

/// Where a room's moderation lives beside its members: pins and the audit log. (Roles, timeouts,
/// bans and settings are the conversation aggregate's, changed through
/// [`ConversationRepository::modify`](crate::ports::ConversationRepository::modify), which
/// records their audit entries itself.)
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ModerationRepository: Send + Sync {
    /// Pins (`Some`) or unpins (`None`) a message of `conversation`, with the room locked: the
    /// message must still be live and the room open ([`ChangeFacts`](crate::message_changes::ChangeFacts)
    /// under the lock), and a pin must leave the room within [`crate::pins::MAX_PINS`]. `audit`
    /// is recorded and the change's event stored in the webhook outbox in the same transaction.
    /// `None` when nothing changed (pinned already, or not pinned): nothing is written.
    ///
    /// # Errors
    /// `MessageNotFound`, `MessageDeleted`, `ClosedRoomIsReadOnly`, `TooManyPins`; `Internal`.
    async fn pin(
        &self,
        conversation: ConversationId,
        message: MessageId,
        pin: Option<Pin>,
        audit: AuditEntry,
        viewer: UserId,
    ) -> Result<Option<MessageChange>, DomainError>;

    /// The room's pinned messages, newest pin first (at most [`crate::pins::MAX_PINS`]), as
    /// `viewer` sees them.
    ///
    /// # Errors
    /// `Internal` only.
    async fn pins(
        &self,
        conversation: ConversationId,
        viewer: UserId,
    ) -> Result<Vec<MessageView>, DomainError>;

    /// Records acts that change no room row of their own (a moderator's deletion of another's
    /// message, a report's resolution) — separately from the act only when the act's own
    /// repository cannot take it.
    ///
    /// # Errors
    /// `Internal` only.
    async fn record(&self, entries: Vec<AuditEntry>) -> Result<(), DomainError>;

    /// Up to `limit` entries of the room's audit log older than entry `before`, newest first,
    /// and whether there are more.
    ///
    /// # Errors
    /// `Internal` only.
    async fn audit_log(
        &self,
        conversation: ConversationId,
        before: Option<i64>,
        limit: u64,
    ) -> Result<(Vec<AuditRecord>, bool), DomainError>;
}
