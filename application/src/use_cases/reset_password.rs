//! Forgotten password: a reset code by mail for whoever can read the account's mail, then a new
//! password with that code — which ends every session of the account.

use confab_domain::account_tokens::{FORGOT_PER_ADDRESS, FORGOT_PER_EMAIL, forgot_keys};
use confab_domain::session::LOGIN_WINDOW_SECS;
use confab_domain::{
    AccountToken, DomainError, Email, NewToken, PlainPassword, TokenPurpose, ValidationErrors,
};

use crate::Confab;
use crate::secrets::fresh_token;

#[derive(Debug, Clone, Default)]
pub struct ResetPasswordRequest {
    pub email: String,
    pub token: String,
    pub password: String,
    /// The client's address, for the throttle.
    pub address: String,
}

impl Confab {
    /// The part of "forgot password" the client waits for: the same answer for any well-formed
    /// email, known or not, in the same time — nothing here reads the account. More than
    /// [`FORGOT_PER_ADDRESS`] requests a minute from one client address are 429 (a scan, whatever
    /// the emails). Returns the email a reset mail is due for, which the caller hands to
    /// [`Confab::request_reset_mail`] without waiting (so how long that takes, which differs for
    /// known and unknown emails, is never seen); `None` past [`FORGOT_PER_EMAIL`] a minute for
    /// one email — the answer stays the same but no mail goes, so nobody can flood an inbox.
    pub async fn forgot_password(
        &self,
        email: &str,
        address: &str,
    ) -> Result<Option<Email>, DomainError> {
        let email = Email::parse(email).map_err(|e| DomainError::invalid("email", e))?;
        let now = self.ports.clock.now();
        let (per_email, per_address) = forgot_keys(&email, address);
        self.count_reset_request(&per_address).await?;
        let counted = self.ports.login_throttle.attempt(&per_email, now).await?;
        Ok((counted.count <= FORGOT_PER_EMAIL).then_some(email))
    }

    /// Stores a reset code and queues its mail for the account of `email`, if there is one; for
    /// an unknown email nothing is stored. The code lives an hour; only its hash is stored.
    pub async fn request_reset_mail(&self, email: &Email) -> Result<(), DomainError> {
        let now = self.ports.clock.now();
        let token = NewToken::issue(TokenPurpose::ResetPassword, fresh_token(), now);
        self.ports.accounts.request_reset(email, token).await
    }

    /// Every field is checked first (422 naming each). The code must be one mailed to that
    /// email's account, unused and under an hour old; any other is 422 on `token`. The new
    /// password is stored, the account's other codes die with this one, and every session ends
    /// (tokens 401, sockets closed) — whoever knew the old password is out.
    pub async fn reset_password(&self, request: ResetPasswordRequest) -> Result<(), DomainError> {
        let mut errors = ValidationErrors::new();
        let email = errors.check("email", Email::parse(&request.email));
        let token = errors.check("token", AccountToken::parse(&request.token));
        let password = errors.check("password", PlainPassword::parse(&request.password));
        let (Some(email), Some(token), Some(password)) = (email, token, password) else {
            return Err(DomainError::Invalid(errors));
        };
        let (_, per_address) = forgot_keys(&email, &request.address);
        self.count_reset_request(&per_address).await?;
        let hash = self.ports.hasher.hash(&password).await?;
        let now = self.ports.clock.now();
        let Some((user, ended)) = self
            .ports
            .accounts
            .reset_password(&email, &token, hash, now)
            .await?
        else {
            return Err(DomainError::invalid(
                "token",
                TokenPurpose::ResetPassword.refusal(),
            ));
        };
        if !ended.is_empty() {
            self.ports.broadcaster.end_sessions(user, &ended).await;
        }
        Ok(())
    }

    /// Counts one password-reset request of either kind from an address; 429 past the limit.
    async fn count_reset_request(
        &self,
        per_address: &confab_domain::LoginAttemptKey,
    ) -> Result<(), DomainError> {
        let now = self.ports.clock.now();
        let counted = self.ports.login_throttle.attempt(per_address, now).await?;
        if counted.count > FORGOT_PER_ADDRESS {
            return Err(DomainError::RateLimited {
                retry_after_secs: counted.window_ends_in_secs.clamp(1, LOGIN_WINDOW_SECS),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::{LoginAttempts, PasswordHash, SessionId, UserId};

    use super::*;
    use crate::test_support::Mocks;

    fn counted(count: u32) -> LoginAttempts {
        LoginAttempts {
            count,
            window_ends_in_secs: 40,
        }
    }

    fn throttle(mocks: &mut Mocks, by_address: u32, by_email: u32) {
        mocks
            .login_throttle
            .expect_attempt()
            .withf(|key, _| key.as_str().starts_with("forgot-address:"))
            .returning(move |_, _| Ok(counted(by_address)));
        mocks
            .login_throttle
            .expect_attempt()
            .withf(|key, _| key.as_str().starts_with("forgot-email:"))
            .returning(move |_, _| Ok(counted(by_email)));
    }

    #[tokio::test]
    async fn a_reset_is_due_for_the_email_and_stored_with_an_hour_long_token() {
        let mut mocks = Mocks::new();
        throttle(&mut mocks, 1, 1);
        mocks.accounts.expect_request_reset().never();
        let app = mocks.build();
        let due = app.forgot_password("Ann@X.io", "10.0.0.1").await.unwrap();
        assert_eq!(due.as_ref().map(Email::as_str), Some("ann@x.io"));

        let mut mocks = Mocks::new();
        mocks
            .accounts
            .expect_request_reset()
            .withf(|email, token| {
                email.as_str() == "ann@x.io"
                    && token.purpose == TokenPurpose::ResetPassword
                    && token.expires_at - token.created_at == chrono::Duration::minutes(60)
            })
            .times(1)
            .returning(|_, _| Ok(()));
        let email = Email::parse("ann@x.io").unwrap();
        assert_eq!(mocks.build().request_reset_mail(&email).await, Ok(()));
    }

    #[tokio::test]
    async fn a_second_request_for_one_email_answers_the_same_and_mails_nothing() {
        let mut mocks = Mocks::new();
        throttle(&mut mocks, 2, 2);
        assert_eq!(
            mocks.build().forgot_password("ann@x.io", "10.0.0.1").await,
            Ok(None)
        );
    }

    #[tokio::test]
    async fn one_address_asking_too_often_is_429() {
        let mut mocks = Mocks::new();
        throttle(&mut mocks, FORGOT_PER_ADDRESS + 1, 1);
        assert_eq!(
            mocks.build().forgot_password("ann@x.io", "10.0.0.1").await,
            Err(DomainError::RateLimited {
                retry_after_secs: 40
            })
        );
    }

    fn reset(token: &str) -> ResetPasswordRequest {
        ResetPasswordRequest {
            email: "ann@x.io".into(),
            token: token.into(),
            password: "a new secret".into(),
            address: "10.0.0.1".into(),
        }
    }

    /// Under the throttles, and the new password hashes to `hashed`.
    fn allowed_and_hashing() -> Mocks {
        let mut mocks = Mocks::new();
        throttle(&mut mocks, 1, 1);
        mocks
            .hasher
            .expect_hash()
            .returning(|_| Ok(PasswordHash("hashed".into())));
        mocks
    }

    #[tokio::test]
    async fn a_good_code_sets_the_password_and_ends_every_session() {
        let mut mocks = allowed_and_hashing();
        mocks
            .accounts
            .expect_reset_password()
            .withf(|email, token, hash, _| {
                email.as_str() == "ann@x.io" && token.expose() == "code" && hash.0 == "hashed"
            })
            .returning(|_, _, _, _| Ok(Some((UserId(3), vec![SessionId::new("phone")]))));
        mocks
            .broadcaster
            .expect_end_sessions()
            .withf(|user, ended| *user == UserId(3) && ended == [SessionId::new("phone")])
            .times(1)
            .returning(|_, _| ());
        assert_eq!(mocks.build().reset_password(reset("code")).await, Ok(()));
    }

    #[tokio::test]
    async fn a_used_or_wrong_code_is_422_on_token() {
        let mut mocks = allowed_and_hashing();
        mocks
            .accounts
            .expect_reset_password()
            .returning(|_, _, _, _| Ok(None));
        mocks.broadcaster.expect_end_sessions().never();
        let Err(DomainError::Invalid(errors)) = mocks.build().reset_password(reset("old")).await
        else {
            panic!("expected 422");
        };
        assert_eq!(
            errors.fields()["token"],
            ["This password reset token is invalid."]
        );
    }

    #[tokio::test]
    async fn every_field_is_checked_before_anything_else() {
        let mut mocks = Mocks::new();
        mocks.hasher.expect_hash().never();
        let Err(DomainError::Invalid(errors)) = mocks
            .build()
            .reset_password(ResetPasswordRequest::default())
            .await
        else {
            panic!("expected 422");
        };
        assert_eq!(
            errors.fields().keys().collect::<Vec<_>>(),
            ["email", "password", "token"]
        );
    }
}
