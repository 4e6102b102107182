//! Sessions: each login opens one, and its bearer tokens name it, so a token can be ended before
//! it expires — by logging out, by a refresh (which gives the session a new token and retires the
//! old one), or by a password change (which ends every other session of the account).
//!
//! A session outlives its tokens: a refresh moves it to the next *generation*, and only a token of
//! the current generation is accepted. Realtime connections are tied to the session, not to one
//! token, so a refresh keeps them and a logout closes them.

use std::fmt;

use crate::UserId;

/// A session's id, as the session store made it (random, unguessable) and the token carries it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SessionId(String);

impl SessionId {
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a valid bearer token says: whose it is, which session, and which of that session's tokens
/// (the first is generation 1; each refresh adds one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bearer {
    pub user: UserId,
    pub session: SessionId,
    pub generation: u32,
}

/// The login throttle's rule, as Laravel's `throttle:login`: after this many attempts for one
/// email from one client address that did not succeed…
pub const LOGIN_ATTEMPTS_ALLOWED: u32 = 5;
/// …within this many seconds (counted from the first), further attempts are refused until the
/// window ends — even with the right password. A successful login clears the count.
///
/// Each attempt is counted *before* its password is checked, so a burst of parallel guesses
/// cannot all pass the check while none has failed yet.
pub const LOGIN_WINDOW_SECS: u64 = 60;

/// What failed logins are counted under: the email as typed (trimmed, lower-cased, so `Ann@x`
/// and `ann@x` share a count) and the client's address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LoginAttemptKey(String);

impl LoginAttemptKey {
    pub fn new(email: &str, address: &str) -> Self {
        Self(format!("{}|{}", email.trim().to_lowercase(), address))
    }

    /// A counter of another throttle than the login one (`scope` names it); it never equals a
    /// login key, which always holds a `|`.
    pub fn scoped(scope: &str, value: &str) -> Self {
        Self(format!("{scope}:{}", value.replace('|', "%7C")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Attempts counted in the current window — the one being made included — and the seconds until
/// the window ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LoginAttempts {
    pub count: u32,
    pub window_ends_in_secs: u64,
}

impl LoginAttempts {
    /// Whether the attempt just counted may check its password.
    pub fn allow_attempt(&self) -> bool {
        self.count <= LOGIN_ATTEMPTS_ALLOWED
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_attempts_are_checked_and_the_sixth_is_not() {
        let counted = |count| LoginAttempts {
            count,
            window_ends_in_secs: 30,
        };
        assert!(counted(1).allow_attempt());
        assert!(counted(5).allow_attempt());
        assert!(!counted(6).allow_attempt());
        assert!(!counted(9).allow_attempt());
    }

    #[test]
    fn attempts_count_per_email_whatever_its_case_and_per_address() {
        assert_eq!(
            LoginAttemptKey::new(" Ann@Example.com", "10.0.0.1"),
            LoginAttemptKey::new("ann@example.com", "10.0.0.1")
        );
        assert_ne!(
            LoginAttemptKey::new("ann@example.com", "10.0.0.1"),
            LoginAttemptKey::new("ann@example.com", "10.0.0.2")
        );
    }
}
