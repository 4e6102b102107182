use async_trait::async_trait;

use crate::{DomainError, LoginAttemptKey, LoginFailures, Timestamp};

/// Counts failed logins per [`LoginAttemptKey`] in a fixed window of
/// [`LOGIN_WINDOW_SECS`](crate::session::LOGIN_WINDOW_SECS) opened by the first failure (the rule
/// that reads the count is [`LoginFailures::allow_attempt`]). With several nodes the count is
/// shared.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait LoginThrottle: Send + Sync {
    /// The failures counted so far in the current window (zero when none is open).
    ///
    /// # Errors
    /// `Internal` only (a store that cannot be reached is counted around, not reported).
    async fn failures(
        &self,
        key: &LoginAttemptKey,
        now: Timestamp,
    ) -> Result<LoginFailures, DomainError>;

    /// Counts one failure, opening a window when none is.
    ///
    /// # Errors
    /// `Internal` only.
    async fn failed(&self, key: &LoginAttemptKey, now: Timestamp) -> Result<(), DomainError>;

    /// Forgets the failures (after a successful login).
    ///
    /// # Errors
    /// `Internal` only.
    async fn clear(&self, key: &LoginAttemptKey) -> Result<(), DomainError>;
}
