use async_trait::async_trait;

use crate::{DomainError, Mail, QueuedMail, Timestamp};

/// The queue of mail to send (rows the account changes stored). With several nodes, a mail
/// taken by one is leased to it for [`MAIL_LEASE`](crate::mail::MAIL_LEASE).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait MailOutbox: Send + Sync {
    /// Up to `limit` mails due at `now`, oldest first, each leased until `lease_until` (no other
    /// node takes it before then).
    ///
    /// # Errors
    /// `Internal` / `Unavailable`.
    async fn claim(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: usize,
    ) -> Result<Vec<QueuedMail>, DomainError>;

    /// The mail went out: it leaves the queue (and the token in it with it).
    ///
    /// # Errors
    /// `Internal` / `Unavailable`.
    async fn sent(&self, id: i64) -> Result<(), DomainError>;

    /// Sending failed for the `failures`-th time in a row; try again at `retry_at`.
    ///
    /// # Errors
    /// `Internal` / `Unavailable`.
    async fn failed(&self, id: i64, failures: u32, retry_at: Timestamp) -> Result<(), DomainError>;
}

/// Whatever delivers mail: an SMTP server, or the log when none is configured.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait MailSender: Send + Sync {
    /// Hands one mail over for delivery.
    ///
    /// # Errors
    /// Why it was not taken (server down, refused), for the log; the mail is tried again.
    async fn send(&self, mail: &Mail) -> Result<(), String>;
}
