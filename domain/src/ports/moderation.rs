use async_trait::async_trait;

use crate::{
    AuditEntry, AuditRecord, BlockedUser, ConversationId, DomainError, MessageChange, MessageId,
    MessageView, NewReport, Pin, Report, Resolving, Timestamp, UserId,
};

/// Where moderation lives beside the rooms' members: pins, reports, the audit log, and the
/// people each user blocks. (Roles, timeouts, bans and settings are the conversation
/// aggregate's, changed through
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

    /// `blocker` blocks `blocked`; `false` when they already did (nothing changes).
    ///
    /// # Errors
    /// `Internal` only.
    async fn block(
        &self,
        blocker: UserId,
        blocked: UserId,
        at: Timestamp,
    ) -> Result<bool, DomainError>;

    /// Lifts `blocker`'s block of `blocked`; `false` when there was none.
    ///
    /// # Errors
    /// `Internal` only.
    async fn unblock(&self, blocker: UserId, blocked: UserId) -> Result<bool, DomainError>;

    /// Everyone `user` blocks, most recent first.
    ///
    /// # Errors
    /// `Internal` only.
    async fn blocks_of(&self, user: UserId) -> Result<Vec<BlockedUser>, DomainError>;

    /// Those of `among` who have blocked `user`: one statement on the blocks' reverse index.
    ///
    /// # Errors
    /// `Internal` only.
    async fn blockers_of(
        &self,
        user: UserId,
        among: Vec<UserId>,
    ) -> Result<Vec<UserId>, DomainError>;

    /// Stores `report`, or finds the one its reporter already made about that message: the
    /// report as `viewer` sees its message, and whether it is new. A new one's
    /// `message.reported` webhook is stored with it.
    ///
    /// # Errors
    /// `MessageNotFound` when the message is not in the room; `Internal` otherwise.
    async fn report(
        &self,
        report: NewReport,
        viewer: UserId,
    ) -> Result<(Report, bool), DomainError>;

    /// The room's reports, open ones first, each group newest first: up to `limit` after the
    /// report `before` in that order, and whether there are more.
    ///
    /// # Errors
    /// `Internal` only.
    async fn reports(
        &self,
        conversation: ConversationId,
        before: Option<i64>,
        limit: u64,
        viewer: UserId,
    ) -> Result<(Vec<Report>, bool), DomainError>;

    /// One report of the room; `None` when it has no such report.
    ///
    /// # Errors
    /// `Internal` only.
    async fn find_report(
        &self,
        conversation: ConversationId,
        id: i64,
        viewer: UserId,
    ) -> Result<Option<Report>, DomainError>;

    /// Marks an open report resolved as `resolving` says, recording `audit` in the same
    /// transaction; `None` when it was resolved meanwhile (nothing is written).
    ///
    /// # Errors
    /// `Internal` only.
    async fn resolve_report(
        &self,
        resolving: Resolving,
        audit: AuditEntry,
        viewer: UserId,
    ) -> Result<Option<Report>, DomainError>;
}
