//! One-time tokens that prove someone reads an account's mail: the link of a verification mail
//! and the code of a password reset. Only a hash of a token is stored (persistence's concern);
//! here are what each is for, how long it lives, and how often one may be asked for.

use crate::session::LoginAttemptKey;
use crate::{Email, Timestamp};

/// What a token proves when it comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenPurpose {
    /// That the account's current email reaches its owner.
    VerifyEmail,
    /// That whoever resets the password reads the account's mail.
    ResetPassword,
    /// That whoever downloads a data export got the mail saying it was ready (the link in it
    /// works without signing in, for the export's lifetime).
    DownloadExport,
}

impl TokenPurpose {
    pub const ALL: [Self; 3] = [Self::VerifyEmail, Self::ResetPassword, Self::DownloadExport];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::ResetPassword => "reset_password",
            Self::DownloadExport => "download_export",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|purpose| purpose.as_str() == raw)
    }

    /// A verification link may sit in an inbox for a day; a reset code is a key to the account,
    /// so it lasts an hour (Laravel's default for both is 60 minutes; mail is often read later).
    pub fn lifetime(self) -> chrono::Duration {
        match self {
            Self::VerifyEmail => chrono::Duration::hours(24),
            Self::ResetPassword => chrono::Duration::minutes(60),
            Self::DownloadExport => crate::data_export::EXPORT_LIFETIME,
        }
    }

    /// What the client is told (422 on `token`) when a token of this kind is wrong, used or old —
    /// one message for the three, so a guess learns nothing.
    pub fn refusal(self) -> &'static str {
        match self {
            Self::VerifyEmail => "This verification link is invalid or has expired.",
            Self::ResetPassword => "This password reset token is invalid.",
            Self::DownloadExport => "This download link is invalid or has expired.",
        }
    }
}

/// A token's secret as the mail carries it and the client sends it back.
#[derive(Clone, PartialEq, Eq)]
pub struct AccountToken(String);

impl AccountToken {
    /// Longer than any token the server makes, shorter than a request body worth hashing.
    pub const MAX_CHARS: usize = 200;

    /// A token the client sent: present and of a plausible length (else 422 on `token`).
    ///
    /// # Errors
    /// The field's message.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let token = raw.trim();
        if token.is_empty() {
            return Err("The token field is required.".into());
        }
        if token.chars().count() > Self::MAX_CHARS {
            return Err(format!(
                "The token field must not be greater than {} characters.",
                Self::MAX_CHARS
            ));
        }
        Ok(Self(token.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// A token is a key to an account: never in a debug log.
impl std::fmt::Debug for AccountToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccountToken(***)")
    }
}

/// A token about to be stored for an account, with the mail that carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    pub purpose: TokenPurpose,
    pub secret: AccountToken,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

impl NewToken {
    pub fn issue(purpose: TokenPurpose, secret: AccountToken, now: Timestamp) -> Self {
        Self {
            purpose,
            secret,
            created_at: now,
            expires_at: now + purpose.lifetime(),
        }
    }
}

/// A stored token as it is found when it comes back: when it stops working, and whether it
/// was used. (That it belongs to the account's current email is matched where it is found.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenState {
    pub expires_at: Timestamp,
    pub used_at: Option<Timestamp>,
}

impl TokenState {
    /// Unused, and `now` is before its end (at the very end it no longer works).
    pub fn usable_at(&self, now: Timestamp) -> bool {
        self.used_at.is_none() && now < self.expires_at
    }
}

/// At most one verification mail a minute per account (`POST /user/email/resend`).
pub const RESEND_INTERVAL_SECS: i64 = 60;

/// Seconds to wait before another verification mail, after one issued at `last_issued`; `None`
/// when one may go now.
pub fn resend_wait(last_issued: Option<Timestamp>, now: Timestamp) -> Option<u64> {
    let waited = (now - last_issued?).num_seconds();
    u64::try_from(RESEND_INTERVAL_SECS - waited)
        .ok()
        .filter(|wait| *wait > 0)
}

/// "Forgot password" requests one client address may make in a window
/// ([`LOGIN_WINDOW_SECS`](crate::session::LOGIN_WINDOW_SECS)) before it is told 429: one address
/// asking for many accounts is a scan, whether the emails exist or not.
pub const FORGOT_PER_ADDRESS: u32 = 5;

/// Reset mails one email gets in a window: more requests are answered as always (200, same body
/// — a refusal only for known emails would tell which exist) but send nothing, so nobody can
/// flood someone's inbox.
pub const FORGOT_PER_EMAIL: u32 = 1;

/// The counters the forgot-password throttles keep, apart from the login ones.
pub fn forgot_keys(email: &Email, address: &str) -> (LoginAttemptKey, LoginAttemptKey) {
    (
        LoginAttemptKey::scoped("forgot-email", email.as_str()),
        LoginAttemptKey::scoped("forgot-address", address),
    )
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(secs: i64) -> Timestamp {
        chrono::Utc.timestamp_opt(1_800_000_000 + secs, 0).unwrap()
    }

    #[test]
    fn a_reset_lives_an_hour_and_a_verification_a_day() {
        let secret = AccountToken::parse("abc").unwrap();
        let reset = NewToken::issue(TokenPurpose::ResetPassword, secret.clone(), at(0));
        assert_eq!(reset.expires_at, at(3600));
        let verify = NewToken::issue(TokenPurpose::VerifyEmail, secret, at(0));
        assert_eq!(verify.expires_at, at(86_400));
    }

    #[test]
    fn a_token_works_once_and_not_from_its_end_on() {
        let fresh = TokenState {
            expires_at: at(3600),
            used_at: None,
        };
        assert!(fresh.usable_at(at(3599)));
        assert!(!fresh.usable_at(at(3600)));
        let used = TokenState {
            used_at: Some(at(10)),
            ..fresh
        };
        assert!(!used.usable_at(at(11)));
    }

    #[test]
    fn another_verification_mail_waits_a_minute() {
        assert_eq!(resend_wait(None, at(0)), None);
        assert_eq!(resend_wait(Some(at(0)), at(1)), Some(59));
        assert_eq!(resend_wait(Some(at(0)), at(60)), None);
        assert_eq!(resend_wait(Some(at(0)), at(600)), None);
    }

    #[test]
    fn a_token_must_be_given_and_of_a_sane_length() {
        assert!(AccountToken::parse("  ").is_err());
        assert!(AccountToken::parse(&"t".repeat(201)).is_err());
        assert_eq!(AccountToken::parse(" abc ").unwrap().expose(), "abc");
        assert!(!format!("{:?}", AccountToken::parse("secret").unwrap()).contains("secret"));
    }

    #[test]
    fn purposes_read_back_and_forgot_counters_differ_from_logins() {
        for purpose in TokenPurpose::ALL {
            assert_eq!(TokenPurpose::parse(purpose.as_str()), Some(purpose));
        }
        let email = Email::parse("ann@x.io").unwrap();
        let (by_email, by_address) = forgot_keys(&email, "10.0.0.1");
        assert_ne!(by_email, by_address);
        assert_ne!(by_email, LoginAttemptKey::new("ann@x.io", "10.0.0.1"));
    }
}
