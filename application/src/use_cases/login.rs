//! Login: trade an email and password for a bearer token.

use confab_domain::ports::IssuedToken;
use confab_domain::{DomainError, Email, User, ValidationErrors};

use crate::Confab;

#[derive(Debug, Clone, Default)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// A signed-in user and their token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user: User,
    pub token: IssuedToken,
}

impl Confab {
    /// Missing fields are a 422; a wrong email and a wrong password are the same 401, so nobody can
    /// learn which emails have accounts.
    pub async fn login(&self, request: LoginRequest) -> Result<Session, DomainError> {
        let mut errors = ValidationErrors::new();
        if request.email.trim().is_empty() {
            errors.add("email", "The email field is required.");
        }
        if request.password.is_empty() {
            errors.add("password", "The password field is required.");
        }
        errors.into_result()?;
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
        self.open_session(user)
    }

    pub(crate) fn open_session(&self, user: User) -> Result<Session, DomainError> {
        let token = self.ports.tokens.issue(user.id, self.ports.clock.now())?;
        Ok(Session { user, token })
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::UserId;

    use super::*;
    use crate::test_support::{Mocks, user};

    fn request(password: &str) -> LoginRequest {
        LoginRequest {
            email: "jane@example.com".into(),
            password: password.into(),
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
        let wrong_password = mocks.build().login(request("nope-nope")).await.unwrap_err();

        let mut mocks = Mocks::new();
        mocks.users.expect_find_by_email().returning(|_| Ok(None));
        let unknown_email = mocks.build().login(request("nope-nope")).await.unwrap_err();

        assert_eq!(wrong_password, DomainError::InvalidCredentials);
        assert_eq!(unknown_email, wrong_password);
    }

    #[tokio::test]
    async fn a_malformed_email_is_just_wrong_credentials() {
        let request = LoginRequest {
            email: "not-an-email".into(),
            password: "x".into(),
        };
        let err = Mocks::new().build().login(request).await.unwrap_err();
        assert_eq!(err, DomainError::InvalidCredentials);
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
