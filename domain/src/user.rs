//! Users and the values that describe them.

use crate::{Timestamp, UserId};

/// The longest name or email we store (Laravel's `string` column).
const MAX_SHORT_TEXT: usize = 255;

/// A registered account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub name: UserName,
    pub email: Email,
    pub password_hash: PasswordHash,
    pub created_at: Timestamp,
    /// When the owner proved `email` is theirs (the link of a verification mail); `None` until
    /// then, and again after the email changes.
    pub email_verified_at: Option<Timestamp>,
    /// The picture beside the name (see [`crate::avatar`]); `None` until one is uploaded.
    pub avatar: Option<crate::Avatar>,
}

impl User {
    /// Where unverified accounts may not send (`CONFAB_REQUIRE_VERIFIED_EMAIL`), refuses an
    /// account that has not proved its email (403). Off by default: the seed's flow has no mail.
    pub fn ensure_may_post(&self, require_verified_email: bool) -> Result<(), crate::DomainError> {
        if require_verified_email && self.email_verified_at.is_none() {
            return Err(crate::DomainError::EmailNotVerified);
        }
        Ok(())
    }

    pub fn summary(&self) -> UserSummary {
        UserSummary {
            id: self.id,
            name: self.name.as_str().to_owned(),
            avatar: self.avatar.clone(),
        }
    }
}

/// What other people see of a user: `{id, name, avatar_url}` in every response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSummary {
    pub id: UserId,
    pub name: String,
    pub avatar: Option<crate::Avatar>,
}

impl UserSummary {
    /// Someone without an avatar (most tests, and names read without one).
    pub fn named(id: UserId, name: impl Into<String>) -> Self {
        Self {
            id,
            name: name.into(),
            avatar: None,
        }
    }
}

/// A user about to be stored; the repository assigns the id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub name: UserName,
    pub email: Email,
    pub password_hash: PasswordHash,
    pub created_at: Timestamp,
}

/// A display name: trimmed, not blank, at most 255 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserName(String);

impl UserName {
    pub const MAX_CHARS: usize = MAX_SHORT_TEXT;

    /// The length limit counts the name as sent, spaces around it included: what the API
    /// document's `maxLength` says, so a client validating against it is never surprised.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let name = raw.trim();
        if name.is_empty() {
            return Err("The name field is required.".into());
        }
        crate::text::ensure_no_nul("name", name)?;
        if raw.chars().count() > MAX_SHORT_TEXT {
            return Err(format!(
                "The name field must not be greater than {MAX_SHORT_TEXT} characters."
            ));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An email address, trimmed and lower-cased so that `Ann@X.io` and `ann@x.io` are one account.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub const MAX_CHARS: usize = MAX_SHORT_TEXT;

    pub fn parse(raw: &str) -> Result<Self, String> {
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err("The email field is required.".into());
        }
        crate::text::ensure_no_nul("email", &email)?;
        let invalid = || "The email field must be a valid email address.".to_owned();
        if email.chars().count() > MAX_SHORT_TEXT || email.chars().any(char::is_whitespace) {
            return Err(invalid());
        }
        let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
        if local.is_empty() || domain.is_empty() || domain.contains('@') {
            return Err(invalid());
        }
        if domain.starts_with('.') || domain.ends_with('.') || domain.contains("..") {
            return Err(invalid());
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password as typed, checked for length only: length is what makes a password strong, and
/// composition rules make people write theirs down.
#[derive(Clone, PartialEq, Eq)]
pub struct PlainPassword(String);

impl PlainPassword {
    pub const MIN_CHARS: usize = 8;
    /// Argon2 hashes anything, but an unbounded input is a free CPU-burning request.
    pub const MAX_CHARS: usize = 1024;

    pub fn parse(raw: &str) -> Result<Self, String> {
        let chars = raw.chars().count();
        if chars == 0 {
            return Err("The password field is required.".into());
        }
        if chars < Self::MIN_CHARS {
            return Err(format!(
                "The password field must be at least {} characters.",
                Self::MIN_CHARS
            ));
        }
        if chars > Self::MAX_CHARS {
            return Err(format!(
                "The password field must not be greater than {} characters.",
                Self::MAX_CHARS
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Never print a password, not even in a debug log.
impl std::fmt::Debug for PlainPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PlainPassword(***)")
    }
}

/// A PHC-format password hash, as produced by the `PasswordHasher` port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordHash(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unverified_account_may_post_unless_verification_is_required() {
        let mut user = User {
            id: UserId(1),
            name: UserName::parse("Ann").unwrap(),
            email: Email::parse("ann@x.io").unwrap(),
            password_hash: PasswordHash("h".into()),
            created_at: chrono::DateTime::UNIX_EPOCH,
            email_verified_at: None,
            avatar: None,
        };
        assert_eq!(user.ensure_may_post(false), Ok(()));
        assert_eq!(
            user.ensure_may_post(true),
            Err(crate::DomainError::EmailNotVerified)
        );
        user.email_verified_at = Some(chrono::DateTime::UNIX_EPOCH);
        assert_eq!(user.ensure_may_post(true), Ok(()));
    }

    #[test]
    fn email_is_trimmed_and_lower_cased() {
        assert_eq!(
            Email::parse("  Ann@Example.COM ").unwrap().as_str(),
            "ann@example.com"
        );
    }

    #[test]
    fn email_without_at_or_parts_is_rejected() {
        for bad in [
            "",
            "ann",
            "@x.io",
            "ann@",
            "a@b@c",
            "a b@x.io",
            "ann@.x",
            "ann@x..io",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn email_over_255_characters_is_rejected() {
        let long = format!("{}@x.io", "a".repeat(251));
        assert!(Email::parse(&long).is_err());
    }

    #[test]
    fn name_must_not_be_blank_or_too_long() {
        assert!(UserName::parse("   ").is_err());
        assert!(UserName::parse(&"n".repeat(256)).is_err());
        assert!(
            UserName::parse(&format!("\u{85}{}", "n".repeat(255))).is_err(),
            "counted as sent, as the schema's maxLength is"
        );
        assert_eq!(UserName::parse(" Jane ").unwrap().as_str(), "Jane");
    }

    #[test]
    fn password_needs_at_least_eight_characters() {
        assert!(PlainPassword::parse("").is_err());
        assert!(PlainPassword::parse("1234567").is_err());
        assert!(PlainPassword::parse("12345678").is_ok());
        assert!(PlainPassword::parse(&"p".repeat(1025)).is_err());
    }

    #[test]
    fn password_debug_output_hides_the_secret() {
        let password = PlainPassword::parse("hunter2hunter2").unwrap();
        assert!(!format!("{password:?}").contains("hunter2"));
    }
}
