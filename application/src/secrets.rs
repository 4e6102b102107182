//! Fresh secrets for one-time account tokens.

use confab_domain::AccountToken;

/// 244 random bits (two v4 UUIDs, from the operating system's generator) as 64 hex digits:
/// unguessable, and safe in a URL and a mail.
pub(crate) fn fresh_token() -> AccountToken {
    let secret = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    AccountToken::parse(&secret).expect("64 hex digits are a token")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_and_never_repeat() {
        let (a, b) = (fresh_token(), fresh_token());
        assert_eq!(a.expose().len(), 64);
        assert_ne!(a, b);
    }
}
