//! Authenticate: who a bearer token belongs to. Every protected door calls this first.

use confab_domain::{DomainError, User};

use crate::Confab;

impl Confab {
    /// The token's user, who must still exist: deleting an account ends its tokens.
    pub async fn authenticate(&self, token: &str) -> Result<User, DomainError> {
        let user_id = self.ports.tokens.verify(token, self.ports.clock.now())?;
        self.ports
            .users
            .find_by_id(user_id)
            .await?
            .ok_or(DomainError::Unauthenticated)
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::UserId;

    use super::*;
    use crate::test_support::{Mocks, user};

    #[tokio::test]
    async fn a_valid_token_names_its_user() {
        let mut mocks = Mocks::new();
        mocks
            .tokens
            .expect_verify()
            .withf(|t, _| t == "good")
            .returning(|_, _| Ok(UserId(4)));
        mocks
            .users
            .expect_find_by_id()
            .returning(|id| Ok(Some(user(id.get(), "Ann"))));
        assert_eq!(
            mocks.build().authenticate("good").await.unwrap().id,
            UserId(4)
        );
    }

    #[tokio::test]
    async fn a_bad_token_is_unauthenticated() {
        let mut mocks = Mocks::new();
        mocks
            .tokens
            .expect_verify()
            .returning(|_, _| Err(DomainError::Unauthenticated));
        assert_eq!(
            mocks.build().authenticate("forged").await.unwrap_err(),
            DomainError::Unauthenticated
        );
    }

    #[tokio::test]
    async fn a_token_of_a_deleted_user_is_unauthenticated() {
        let mut mocks = Mocks::new();
        mocks.tokens.expect_verify().returning(|_, _| Ok(UserId(4)));
        mocks.users.expect_find_by_id().returning(|_| Ok(None));
        assert_eq!(
            mocks.build().authenticate("good").await.unwrap_err(),
            DomainError::Unauthenticated
        );
    }
}
