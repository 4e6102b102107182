//! Verify email: the token of a verification mail proves the address; and another such mail on
//! request, at most one a minute.

use confab_domain::account_tokens::{RESEND_INTERVAL_SECS, resend_wait};
use confab_domain::{AccountToken, DomainError, NewToken, TokenPurpose, User};

use super::authenticate::Authenticated;
use crate::Confab;
use crate::secrets::fresh_token;

impl Confab {
    /// A wrong, used or expired token — or one for an address the account has since left — is
    /// 422 on `token`, with nothing changed. No sign-in is needed: the link in the mail is enough.
    pub async fn verify_email(&self, token: &str) -> Result<User, DomainError> {
        let token = AccountToken::parse(token).map_err(|e| DomainError::invalid("token", e))?;
        let now = self.ports.clock.now();
        self.ports
            .accounts
            .verify_email(&token, now)
            .await?
            .ok_or_else(|| DomainError::invalid("token", TokenPurpose::VerifyEmail.refusal()))
    }

    /// Another verification mail, unless one went less than a minute ago (429 with the seconds
    /// left). An account already verified gets none, and is told so as a success (nothing to do).
    /// Returns whether a mail was queued.
    pub async fn resend_verification(&self, auth: &Authenticated) -> Result<bool, DomainError> {
        if auth.user.email_verified_at.is_some() {
            return Ok(false);
        }
        let now = self.ports.clock.now();
        let token = NewToken::issue(TokenPurpose::VerifyEmail, fresh_token(), now);
        let not_after = now - chrono::Duration::seconds(RESEND_INTERVAL_SECS);
        match self
            .ports
            .accounts
            .resend_verification(&auth.user, token, not_after)
            .await?
        {
            Ok(()) => Ok(true),
            Err(last) => Err(DomainError::RateLimited {
                retry_after_secs: resend_wait(Some(last), now).unwrap_or(1),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::UserId;

    use super::*;
    use crate::test_support::{Mocks, now, signed_in, user};

    #[tokio::test]
    async fn a_good_token_verifies_and_a_bad_one_is_422_on_token() {
        let mut mocks = Mocks::new();
        mocks
            .accounts
            .expect_verify_email()
            .withf(|token, _| token.expose() == "good")
            .returning(|_, at| {
                let mut verified = user(3, "Ann");
                verified.email_verified_at = Some(at);
                Ok(Some(verified))
            });
        mocks
            .accounts
            .expect_verify_email()
            .returning(|_, _| Ok(None));
        let app = mocks.build();
        let verified = app.verify_email("good").await.unwrap();
        assert_eq!(verified.id, UserId(3));
        assert!(verified.email_verified_at.is_some());
        let Err(DomainError::Invalid(errors)) = app.verify_email("used").await else {
            panic!("expected 422");
        };
        assert_eq!(
            errors.fields()["token"],
            ["This verification link is invalid or has expired."]
        );
        assert!(matches!(
            app.verify_email(" ").await,
            Err(DomainError::Invalid(_))
        ));
    }

    #[tokio::test]
    async fn a_second_mail_within_the_minute_is_429_with_the_seconds_left() {
        let mut mocks = Mocks::new();
        mocks
            .accounts
            .expect_resend_verification()
            .withf(|_, _, not_after| *not_after == now() - chrono::Duration::seconds(60))
            .returning(|_, _, _| Ok(Err(now() - chrono::Duration::seconds(15))));
        let refused = mocks
            .build()
            .resend_verification(&signed_in(3, "s", 1))
            .await;
        assert_eq!(
            refused,
            Err(DomainError::RateLimited {
                retry_after_secs: 45
            })
        );
    }

    #[tokio::test]
    async fn a_verified_account_gets_no_mail() {
        let mut mocks = Mocks::new();
        mocks.accounts.expect_resend_verification().never();
        let mut auth = signed_in(3, "s", 1);
        auth.user.email_verified_at = Some(now());
        assert_eq!(mocks.build().resend_verification(&auth).await, Ok(false));
    }
}
