//! Login: trade an email and password for a bearer token.

use confab_domain::ports::IssuedToken;
use confab_domain::{
    Bearer, DomainError, Email, LoginAttemptKey, Timestamp, User, ValidationErrors,
    session::LOGIN_WINDOW_SECS,
};

use crate::Confab;

#[derive(Debug, Clone, Default)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    /// The client's address, which failed attempts are counted under with the email.
    pub address: String,
}

/// A signed-in user and their token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user: User,
    pub token: IssuedToken,
}

impl Confab {
    /// Missing fields are a 422; a wrong email and a wrong password are the same 401, so nobody can
    /// learn which emails have accounts. After five attempts for one email from one address in a
    /// minute that did not succeed, attempts are 429 until the minute is over (the right password
    /// too: that is what stops guessing); a success clears the count. Attempts are counted before
    /// the password is checked, so parallel guesses cannot slip past the limit together.
    pub async fn login(&self, request: LoginRequest) -> Result<Session, DomainError> {
        let mut errors = ValidationErrors::new();
        if request.email.trim().is_empty() {
            errors.add("email", "The email field is required.");
        }
        if request.password.is_empty() {
            errors.add("password", "The password field is required.");
        }
        errors.into_result()?;
        let now = self.ports.clock.now();
        let attempt = LoginAttemptKey::new(&request.email, &request.address);
        let counted = self.ports.login_throttle.attempt(&attempt, now).await?;
        if !counted.allow_attempt() {
            return Err(DomainError::RateLimited {
                retry_after_secs: counted.window_ends_in_secs.clamp(1, LOGIN_WINDOW_SECS),
            });
        }
        let user = self.check_credentials(&request).await?;
        self.ports.login_throttle.clear(&attempt).await?;
        self.open_session(user).await
    }

    async fn check_credentials(&self, request: &LoginRequest) -> Result<User, DomainError> {
        let Ok(email) = Email::parse(&request.email) else {
            return Err(DomainError::InvalidCredentials);
        };
        let user = self
            .ports
            .users
            .find_by_email(&email)
            .await?
            .ok_or(DomainError::InvalidCredentials)?;
        if !self
            .ports
            .hasher
            .verify(&request.password, &user.password_hash)
            .await?
        {
            return Err(DomainError::InvalidCredentials);
        }
        Ok(user)
    }

    /// A new session, and its first token.
    pub(crate) async fn open_session(&self, user: User) -> Result<Session, DomainError> {
        let now = self.ports.clock.now();
        let session = self
            .ports
            .sessions
            .open(user.id, self.token_expiry(now))
            .await?;
        let bearer = Bearer {
            user: user.id,
            session,
            generation: 1,
        };
        let token = self.ports.tokens.issue(&bearer, now)?;
        Ok(Session { user, token })
    }

    /// When a token issued at `now` expires — and with it the session, until its next token.
    pub(crate) fn token_expiry(&self, now: Timestamp) -> Timestamp {
        now + chrono::Duration::seconds(self.ports.tokens.lifetime_secs() as i64)
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::{LoginAttempts, UserId};

    use super::*;
    use crate::test_support::{Mocks, user};

    fn request(password: &str) -> LoginRequest {
        LoginRequest {
            email: "jane@example.com".into(),
            password: password.into(),
            address: "10.0.0.1".into(),
        }
    }

    #[tokio::test]
    async fn right_password_gets_a_token() {
        let mut mocks = Mocks::new();
        mocks
            .users
            .expect_find_by_email()
            .returning(|_| Ok(Some(user(3, "Jane"))));
        mocks
            .hasher
            .expect_verify()
            .withf(|p, _| p == "secret-pw")
            .returning(|_, _| Ok(true));
        mocks.expect_token_for(UserId(3));
        mocks.login_throttle.expect_attempt().returning(|_, _| {
            Ok(LoginAttempts {
                count: 5,
                window_ends_in_secs: 10,
            })
        });
        mocks
            .login_throttle
            .expect_clear()
            .withf(|key| key.as_str() == "jane@example.com|10.0.0.1")
            .times(1)
            .returning(|_| Ok(()));
        let session = mocks.build().login(request("secret-pw")).await.unwrap();
        assert_eq!(session.token.token, "token-3");
        assert_eq!(session.user.id, UserId(3));
    }

    #[tokio::test]
    async fn wrong_password_and_unknown_email_get_the_same_answer() {
        let mut mocks = Mocks::new();
        mocks
            .users
            .expect_find_by_email()
            .returning(|_| Ok(Some(user(3, "Jane"))));
        mocks.hasher.expect_verify().returning(|_, _| Ok(false));
        mocks.count_one_login_failure();
        let wrong_password = mocks.build().login(request("nope-nope")).await.unwrap_err();

        let mut mocks = Mocks::new();
        mocks.users.expect_find_by_email().returning(|_| Ok(None));
        mocks.count_one_login_failure();
        let unknown_email = mocks.build().login(request("nope-nope")).await.unwrap_err();

        assert_eq!(wrong_password, DomainError::InvalidCredentials);
        assert_eq!(unknown_email, wrong_password);
    }

    #[tokio::test]
    async fn a_malformed_email_is_just_wrong_credentials() {
        let request = LoginRequest {
            email: "not-an-email".into(),
            password: "x".into(),
            address: "10.0.0.1".into(),
        };
        let mut mocks = Mocks::new();
        mocks.count_one_login_failure();
        let err = mocks.build().login(request).await.unwrap_err();
        assert_eq!(err, DomainError::InvalidCredentials);
    }

    #[tokio::test]
    async fn after_five_failures_even_the_right_password_waits_for_the_window() {
        let mut mocks = Mocks::new();
        mocks.login_throttle.expect_attempt().returning(|_, _| {
            Ok(LoginAttempts {
                count: 6,
                window_ends_in_secs: 42,
            })
        });
        // Neither the account nor the password is looked at.
        let err = mocks.build().login(request("secret-pw")).await.unwrap_err();
        assert_eq!(
            err,
            DomainError::RateLimited {
                retry_after_secs: 42
            }
        );
    }

    #[tokio::test]
    async fn missing_fields_are_a_validation_error() {
        let err = Mocks::new()
            .build()
            .login(LoginRequest::default())
            .await
            .unwrap_err();
        let DomainError::Invalid(errors) = err else {
            panic!("expected 422")
        };
        assert!(errors.fields().contains_key("email") && errors.fields().contains_key("password"));
    }
}
