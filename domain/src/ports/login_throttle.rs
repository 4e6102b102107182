use async_trait::async_trait;

use crate::{DomainError, LoginAttemptKey, LoginAttempts, Timestamp};

/// Counts login attempts per [`LoginAttemptKey`] in a fixed window of
/// [`LOGIN_WINDOW_SECS`](crate::session::LOGIN_WINDOW_SECS) opened by the first (the rule that
/// reads the count is [`LoginAttempts::allow_attempt`]); a success clears them. With several
/// nodes the count is shared.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait LoginThrottle: Send + Sync {
    /// Counts one attempt, atomically (opening a window when none is open), and returns the
    /// attempts of the window, this one included.
    ///
    /// # Errors
    /// `Internal` only (a store that cannot be reached is counted around, not reported).
    async fn attempt(
        &self,
        key: &LoginAttemptKey,
        now: Timestamp,
    ) -> Result<LoginAttempts, DomainError>;

    /// Forgets the attempts (after a successful login).
    ///
    /// # Errors
    /// `Internal` only.
    async fn clear(&self, key: &LoginAttemptKey) -> Result<(), DomainError>;
}
