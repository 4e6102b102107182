//! Mail the server sends on its own: what each says is the mail adapter's to word; which mail
//! goes to whom, and how a failed one is retried, are decided here. Mail is queued in the same
//! transaction as the change that calls for it and sent from that queue, so a mail server that is
//! down delays mail and loses none.

use std::time::Duration;

use crate::account_tokens::{AccountToken, NewToken, TokenPurpose};
use crate::{Email, User};

/// One mail to one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: Email,
    /// The addressee's name, for the greeting.
    pub name: String,
    pub kind: MailKind,
}

impl Mail {
    /// The mail that takes `token` to `user`, at the email it is for (the current one).
    pub fn carrying(token: &NewToken, user: &User) -> Self {
        let kind = match token.purpose {
            TokenPurpose::VerifyEmail => MailKind::VerifyEmail {
                token: token.secret.clone(),
            },
            TokenPurpose::ResetPassword => MailKind::ResetPassword {
                token: token.secret.clone(),
            },
            TokenPurpose::DownloadExport => MailKind::ExportReady {
                token: token.secret.clone(),
            },
        };
        Self {
            to: user.email.clone(),
            name: user.name.as_str().to_owned(),
            kind,
        }
    }
}

/// What a mail is for, with what it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailKind {
    /// A link that proves the address (`POST /user/email/verify`).
    VerifyEmail { token: AccountToken },
    /// A link and code to set a new password (`POST /user/password/reset`).
    ResetPassword { token: AccountToken },
    /// A link to download the person's data export (`GET /user/export/download`).
    ExportReady { token: AccountToken },
}

impl MailKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::VerifyEmail { .. } => "verify_email",
            Self::ResetPassword { .. } => "reset_password",
            Self::ExportReady { .. } => "export_ready",
        }
    }

    /// The kind named `name` ([`as_str`](Self::as_str)) carrying `token`; `None` for a name no
    /// kind has.
    pub fn named(name: &str, token: AccountToken) -> Option<Self> {
        [
            Self::VerifyEmail {
                token: token.clone(),
            },
            Self::ResetPassword {
                token: token.clone(),
            },
            Self::ExportReady { token },
        ]
        .into_iter()
        .find(|kind| kind.as_str() == name)
    }

    /// The token the mail carries.
    pub fn token(&self) -> &AccountToken {
        match self {
            Self::VerifyEmail { token }
            | Self::ResetPassword { token }
            | Self::ExportReady { token } => token,
        }
    }
}

/// A mail waiting in the queue, and how often sending it failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedMail {
    pub id: i64,
    pub mail: Mail,
    pub failures: u32,
}

/// Mails taken from the queue per step.
pub const MAIL_BATCH: usize = 20;

/// How long a node that took a mail has to send it before another node may: longer than any
/// SMTP exchange, short enough that a node's death delays mail by a minute at most.
pub const MAIL_LEASE: Duration = Duration::from_secs(60);

/// The wait after the `failures`-th failure in a row: 10 s doubling up to an hour. A mail is
/// never given up on: a token in it expires by itself, and the outage may be long.
pub fn retry_delay(failures: u32) -> Duration {
    let doubled = 10u64.saturating_mul(1u64 << failures.saturating_sub(1).min(16));
    Duration::from_secs(doubled.min(3600))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::{PasswordHash, Timestamp, UserId, UserName};

    fn at(secs: i64) -> Timestamp {
        chrono::Utc.timestamp_opt(1_800_000_000 + secs, 0).unwrap()
    }

    #[test]
    fn the_mail_goes_to_the_current_email_with_the_token() {
        let user = User {
            id: UserId(1),
            name: UserName::parse("Ann").unwrap(),
            email: Email::parse("ann@x.io").unwrap(),
            password_hash: PasswordHash("h".into()),
            created_at: at(0),
            email_verified_at: None,
            avatar: None,
        };
        let token = NewToken::issue(
            TokenPurpose::ResetPassword,
            AccountToken::parse("s3cret").unwrap(),
            at(0),
        );
        let mail = Mail::carrying(&token, &user);
        assert_eq!((mail.to.as_str(), mail.name.as_str()), ("ann@x.io", "Ann"));
        assert!(
            matches!(mail.kind, MailKind::ResetPassword { token } if token.expose() == "s3cret")
        );
    }

    #[test]
    fn retries_back_off_to_an_hour() {
        assert_eq!(retry_delay(1), Duration::from_secs(10));
        assert_eq!(retry_delay(2), Duration::from_secs(20));
        assert_eq!(retry_delay(5), Duration::from_secs(160));
        assert_eq!(retry_delay(12), Duration::from_secs(3600));
        assert_eq!(retry_delay(u32::MAX), Duration::from_secs(3600));
    }

    #[test]
    fn a_kind_reads_back_from_its_name() {
        let token = AccountToken::parse("t").unwrap();
        for kind in [
            MailKind::VerifyEmail {
                token: token.clone(),
            },
            MailKind::ResetPassword {
                token: token.clone(),
            },
            MailKind::ExportReady {
                token: token.clone(),
            },
        ] {
            assert_eq!(MailKind::named(kind.as_str(), token.clone()), Some(kind));
        }
        assert_eq!(MailKind::named("spam", token), None);
    }

    #[test]
    fn kinds_have_stable_names() {
        let token = AccountToken::parse("t").unwrap();
        assert_eq!(
            MailKind::VerifyEmail {
                token: token.clone()
            }
            .as_str(),
            "verify_email"
        );
        assert_eq!(MailKind::ResetPassword { token }.as_str(), "reset_password");
    }
}
