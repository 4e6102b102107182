use async_trait::async_trait;

use crate::{ConversationId, DomainError, Timestamp, UserId};

/// When each user's last typing event in each room went out, to let at most one through per
/// [`TYPING_INTERVAL_MS`](crate::typing::TYPING_INTERVAL_MS) (the rule is
/// [`typing_is_due`](crate::typing::typing_is_due)). With several nodes the times are shared, so
/// a client whose calls land on different nodes still makes one event per interval.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait TypingThrottle: Send + Sync {
    /// Whether a typing signal of `user` in `room` at `now` becomes an event; when it does, `now`
    /// is recorded as the last event, atomically (two racing signals let one through).
    ///
    /// # Errors
    /// `Internal` only (a shared store out of reach is answered from this node's memory).
    async fn admit(
        &self,
        user: UserId,
        room: ConversationId,
        now: Timestamp,
    ) -> Result<bool, DomainError>;
}
