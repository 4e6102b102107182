//! Register: create an account, mail it a verification link, and sign the newcomer in.

use confab_domain::{
    DomainError, Email, NewToken, NewUser, PlainPassword, TokenPurpose, User, UserName,
    ValidationErrors,
};

use super::login::Session;
use crate::Confab;
use crate::secrets::fresh_token;

#[derive(Debug, Clone, Default)]
pub struct RegisterRequest {
    pub name: String,
    pub email: String,
    pub password: String,
}

impl Confab {
    /// Every field is checked before failing; a taken email is a validation error on `email`.
    /// Hashing runs before the insert, and the database's unique index has the last word, so two
    /// registrations racing for one email cannot both succeed. The account, its verification
    /// token and the mail that carries it are stored together.
    pub async fn register(&self, request: RegisterRequest) -> Result<Session, DomainError> {
        let mut errors = ValidationErrors::new();
        let name = errors.check("name", UserName::parse(&request.name));
        let email = errors.check("email", Email::parse(&request.email));
        let password = errors.check("password", PlainPassword::parse(&request.password));
        let (Some(name), Some(email), Some(password)) = (name, email, password) else {
            return Err(DomainError::Invalid(errors));
        };
        if self.ports.users.find_by_email(&email).await?.is_some() {
            return Err(email_taken());
        }
        let password_hash = self.ports.hasher.hash(&password).await?;
        let now = self.ports.clock.now();
        let verification = NewToken::issue(TokenPurpose::VerifyEmail, fresh_token(), now);
        let user: User = self
            .ports
            .accounts
            .register(
                NewUser {
                    name,
                    email,
                    password_hash,
                    created_at: now,
                },
                verification,
            )
            .await?;
        self.open_session(user).await
    }
}

pub(crate) fn email_taken() -> DomainError {
    DomainError::invalid("email", "The email has already been taken.")
}

#[cfg(test)]
mod tests {
    use confab_domain::{PasswordHash, UserId};

    use super::*;
    use crate::test_support::{Mocks, user};

    fn request() -> RegisterRequest {
        RegisterRequest {
            name: "Jane Smith".into(),
            email: "Jane@Example.com".into(),
            password: "correct horse".into(),
        }
    }

    #[tokio::test]
    async fn registering_stores_a_hashed_password_and_returns_a_session() {
        let mut mocks = Mocks::new();
        mocks.users.expect_find_by_email().returning(|_| Ok(None));
        mocks
            .hasher
            .expect_hash()
            .withf(|p| p.expose() == "correct horse")
            .returning(|_| Ok(PasswordHash("$argon2id$hash".into())));
        mocks
            .accounts
            .expect_register()
            .withf(|u, token| {
                u.email.as_str() == "jane@example.com"
                    && u.password_hash.0 == "$argon2id$hash"
                    && token.purpose == TokenPurpose::VerifyEmail
                    && token.secret.expose().len() == 64
            })
            .returning(|u, _| {
                Ok(User {
                    id: UserId(7),
                    ..user(7, u.name.as_str())
                })
            });
        mocks.expect_token_for(UserId(7));
        let session = mocks.build().register(request()).await.unwrap();
        assert_eq!(session.user.id, UserId(7));
        assert_eq!(session.token.token, "token-7");
    }

    #[tokio::test]
    async fn every_invalid_field_is_reported_at_once() {
        let err = Mocks::new()
            .build()
            .register(RegisterRequest::default())
            .await
            .unwrap_err();
        let DomainError::Invalid(errors) = err else {
            panic!("expected 422, got {err:?}")
        };
        assert_eq!(
            errors.fields().keys().collect::<Vec<_>>(),
            ["email", "name", "password"]
        );
    }

    #[tokio::test]
    async fn a_taken_email_is_a_validation_error_on_email() {
        let mut mocks = Mocks::new();
        mocks
            .users
            .expect_find_by_email()
            .returning(|_| Ok(Some(user(1, "Other"))));
        let err = mocks.build().register(request()).await.unwrap_err();
        assert_eq!(err, email_taken());
    }

    #[tokio::test]
    async fn losing_the_race_for_an_email_is_still_a_validation_error() {
        let mut mocks = Mocks::new();
        mocks.users.expect_find_by_email().returning(|_| Ok(None));
        mocks
            .hasher
            .expect_hash()
            .returning(|_| Ok(PasswordHash("h".into())));
        mocks
            .accounts
            .expect_register()
            .returning(|_, _| Err(email_taken()));
        assert_eq!(
            mocks.build().register(request()).await.unwrap_err(),
            email_taken()
        );
    }

    #[tokio::test]
    async fn a_hashing_failure_is_internal() {
        let mut mocks = Mocks::new();
        mocks.users.expect_find_by_email().returning(|_| Ok(None));
        mocks
            .hasher
            .expect_hash()
            .returning(|_| Err(DomainError::Internal("boom".into())));
        assert!(matches!(
            mocks.build().register(request()).await,
            Err(DomainError::Internal(_))
        ));
    }
}
