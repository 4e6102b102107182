//! Change password: prove the current one, set a new one, and end every other session.

use confab_domain::{DomainError, PlainPassword, ValidationErrors};

use super::authenticate::Authenticated;
use crate::Confab;

#[derive(Debug, Clone, Default)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub password: String,
}

impl Confab {
    /// Both fields are checked before anything else; a wrong current password is a 422 on
    /// `current_password` (Laravel's `current_password` rule). The new hash is stored first, then
    /// every other session of the account ends (their tokens are 401, their sockets closed): a
    /// stolen token does not outlive the password change. The session that asked stays.
    pub async fn change_password(
        &self,
        auth: &Authenticated,
        request: ChangePasswordRequest,
    ) -> Result<(), DomainError> {
        let mut errors = ValidationErrors::new();
        if request.current_password.is_empty() {
            errors.add(
                "current_password",
                "The current password field is required.",
            );
        }
        let password = errors.check("password", PlainPassword::parse(&request.password));
        let Some(password) = password.filter(|_| errors.is_empty()) else {
            return Err(DomainError::Invalid(errors));
        };
        let user = &auth.user;
        if !self
            .ports
            .hasher
            .verify(&request.current_password, &user.password_hash)
            .await?
        {
            return Err(DomainError::invalid(
                "current_password",
                "The password is incorrect.",
            ));
        }
        let hash = self.ports.hasher.hash(&password).await?;
        self.ports.users.update_password(user.id, hash).await?;
        let ended = self
            .ports
            .sessions
            .end_others(user.id, &auth.bearer.session)
            .await?;
        if !ended.is_empty() {
            self.ports.broadcaster.end_sessions(user.id, &ended).await;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::{PasswordHash, SessionId, UserId};

    use super::*;
    use crate::test_support::{self, Mocks};

    fn signed_in() -> Authenticated {
        test_support::signed_in(3, "mine", 1)
    }

    fn request(current: &str, new: &str) -> ChangePasswordRequest {
        ChangePasswordRequest {
            current_password: current.into(),
            password: new.into(),
        }
    }

    #[tokio::test]
    async fn the_new_hash_is_stored_and_every_other_session_ends_with_its_sockets() {
        let mut mocks = Mocks::new();
        mocks
            .hasher
            .expect_verify()
            .withf(|given, _| given == "old-secret")
            .returning(|_, _| Ok(true));
        mocks
            .hasher
            .expect_hash()
            .withf(|password| password.expose() == "new-secret")
            .returning(|_| Ok(PasswordHash("hashed-new".into())));
        mocks
            .users
            .expect_update_password()
            .withf(|id, hash| *id == UserId(3) && hash.0 == "hashed-new")
            .times(1)
            .returning(|_, _| Ok(()));
        mocks
            .sessions
            .expect_end_others()
            .withf(|id, keep| *id == UserId(3) && keep.as_str() == "mine")
            .returning(|_, _| Ok(vec![SessionId::new("phone"), SessionId::new("laptop")]));
        mocks
            .broadcaster
            .expect_end_sessions()
            .withf(|id, ended| {
                *id == UserId(3) && ended == [SessionId::new("phone"), SessionId::new("laptop")]
            })
            .times(1)
            .returning(|_, _| ());
        mocks
            .build()
            .change_password(&signed_in(), request("old-secret", "new-secret"))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_wrong_current_password_changes_nothing() {
        let mut mocks = Mocks::new();
        mocks.hasher.expect_verify().returning(|_, _| Ok(false));
        mocks.users.expect_update_password().never();
        mocks.sessions.expect_end_others().never();
        let DomainError::Invalid(errors) = mocks
            .build()
            .change_password(&signed_in(), request("guess", "new-secret"))
            .await
            .unwrap_err()
        else {
            panic!("expected 422");
        };
        assert_eq!(
            errors.fields()["current_password"],
            ["The password is incorrect."]
        );
    }

    #[tokio::test]
    async fn both_fields_are_checked_before_the_password_is() {
        let mut mocks = Mocks::new();
        mocks.hasher.expect_verify().never();
        let DomainError::Invalid(errors) = mocks
            .build()
            .change_password(&signed_in(), request("", "short"))
            .await
            .unwrap_err()
        else {
            panic!("expected 422");
        };
        assert!(errors.fields().contains_key("current_password"));
        assert!(errors.fields().contains_key("password"));
    }
}
