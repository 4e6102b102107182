use async_trait::async_trait;

use crate::{DomainError, SessionId, Timestamp, User, UserId};

/// Where sessions live (see `session.rs`): shared by every node, so a logout on one is a 401 on
/// all of them.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Opens a session for `user`, at generation 1, until `expires_at`; returns its new id.
    ///
    /// # Errors
    /// `Internal` / `Unavailable` only.
    async fn open(&self, user: UserId, expires_at: Timestamp) -> Result<SessionId, DomainError>;

    /// The user of a live session whose current generation is `generation` — one read, which
    /// replaces looking the user up — or `None` when the session ended, moved on to a newer
    /// token, belongs to someone else, or its user is gone. Expiry is the token's to check: its
    /// `exp` is the session's for the current generation.
    ///
    /// # Errors
    /// `Internal` / `Unavailable` only.
    async fn user_of(
        &self,
        session: &SessionId,
        user: UserId,
        generation: u32,
    ) -> Result<Option<User>, DomainError>;

    /// Moves the session from `generation` to the next one, until `expires_at`; returns the new
    /// generation, or `None` when the session is not at `generation` any more (ended, or another
    /// refresh won the race). Atomic: of two refreshes with one token, one wins.
    ///
    /// # Errors
    /// `Internal` / `Unavailable` only.
    async fn renew(
        &self,
        session: &SessionId,
        generation: u32,
        expires_at: Timestamp,
    ) -> Result<Option<u32>, DomainError>;

    /// Ends one session (a no-op when it already ended).
    ///
    /// # Errors
    /// `Internal` / `Unavailable` only.
    async fn end(&self, session: &SessionId) -> Result<(), DomainError>;

    /// Ends every session of `user` except `keep`, and says which ended.
    ///
    /// # Errors
    /// `Internal` / `Unavailable` only.
    async fn end_others(
        &self,
        user: UserId,
        keep: &SessionId,
    ) -> Result<Vec<SessionId>, DomainError>;
}
