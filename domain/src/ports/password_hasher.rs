use async_trait::async_trait;

use crate::{DomainError, PasswordHash, PlainPassword};

/// Slow, salted password hashing.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PasswordHasher: Send + Sync {
    /// # Errors
    /// `Internal` when hashing fails.
    async fn hash(&self, password: &PlainPassword) -> Result<PasswordHash, DomainError>;

    /// Whether `password` matches `hash`, compared in constant time.
    ///
    /// # Errors
    /// `Internal` when `hash` is not a hash this hasher can read.
    async fn verify(&self, password: &str, hash: &PasswordHash) -> Result<bool, DomainError>;
}
