use async_trait::async_trait;

use crate::{DomainError, Timestamp, UserId};

/// The per-user limit on sending messages (60 a minute, from the API document).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SendThrottle: Send + Sync {
    /// Counts one send by `user` at `now`.
    ///
    /// # Errors
    /// `RateLimited` with the seconds until the next send is allowed, when over the limit
    /// (the refused attempt is not counted); `Internal` when the counter store fails.
    async fn hit(&self, user: UserId, now: Timestamp) -> Result<(), DomainError>;
}
