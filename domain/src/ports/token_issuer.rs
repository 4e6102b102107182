use crate::{DomainError, Timestamp, UserId};

/// A freshly signed access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedToken {
    pub token: String,
    /// Seconds until it expires.
    pub expires_in: u64,
}

/// Signs and checks bearer tokens.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait TokenIssuer: Send + Sync {
    /// # Errors
    /// `Internal` when signing fails.
    fn issue(&self, user: UserId, now: Timestamp) -> Result<IssuedToken, DomainError>;

    /// The user a token was issued to.
    ///
    /// # Errors
    /// `Unauthenticated` for a malformed, forged or expired token.
    fn verify(&self, token: &str, now: Timestamp) -> Result<UserId, DomainError>;
}
