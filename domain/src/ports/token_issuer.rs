use crate::{Bearer, DomainError, Timestamp};

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
    fn issue(&self, bearer: &Bearer, now: Timestamp) -> Result<IssuedToken, DomainError>;

    /// How long a token issued now is valid, in seconds (a session lasts as long as its newest
    /// token).
    fn lifetime_secs(&self) -> u64;

    /// What a token says: its user, session and generation (whether that session is still at
    /// that generation is the session store's to say).
    ///
    /// # Errors
    /// `Unauthenticated` for a malformed, forged or expired token.
    fn verify(&self, token: &str, now: Timestamp) -> Result<Bearer, DomainError>;
}
