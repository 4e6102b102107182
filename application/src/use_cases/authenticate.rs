//! Authenticate: who a bearer token belongs to. Every protected door calls this first.

use confab_domain::{Bearer, DomainError, User};

use crate::{Caller, Confab};

/// A token that passed: its user, as stored now, and what the token said (its session and
/// generation, which logout and refresh act on).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated {
    pub user: User,
    pub bearer: Bearer,
}

impl Authenticated {
    /// The caller of a request made with this token.
    pub fn caller(&self) -> Caller {
        Caller::new(self.user.id).with_session(self.bearer.session.clone())
    }
}

impl Confab {
    /// A well-signed, unexpired token whose session is live and still at the token's generation,
    /// and whose user still exists — one read of the session store. A logged-out, refreshed-away
    /// or password-changed-away token, or a deleted account's, is `Unauthenticated`.
    pub async fn authenticate(&self, token: &str) -> Result<Authenticated, DomainError> {
        let now = self.ports.clock.now();
        let bearer = self.ports.tokens.verify(token, now)?;
        let user = self
            .ports
            .sessions
            .user_of(&bearer.session, bearer.user, bearer.generation)
            .await?
            .ok_or(DomainError::Unauthenticated)?;
        Ok(Authenticated { user, bearer })
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::{SessionId, UserId};

    use super::*;
    use crate::test_support::{Mocks, user};

    fn bearer() -> Bearer {
        Bearer {
            user: UserId(4),
            session: SessionId::new("s-4"),
            generation: 2,
        }
    }

    #[tokio::test]
    async fn a_valid_token_of_a_live_session_names_its_user() {
        let mut mocks = Mocks::new();
        mocks
            .tokens
            .expect_verify()
            .withf(|t, _| t == "good")
            .returning(|_, _| Ok(bearer()));
        mocks
            .sessions
            .expect_user_of()
            .withf(|session, user, generation| {
                session.as_str() == "s-4" && *user == UserId(4) && *generation == 2
            })
            .returning(|_, id, _| Ok(Some(user(id.get(), "Ann"))));
        let authenticated = mocks.build().authenticate("good").await.unwrap();
        assert_eq!(authenticated.user.id, UserId(4));
        assert_eq!(authenticated.caller().session, Some(SessionId::new("s-4")));
    }

    #[tokio::test]
    async fn a_bad_token_is_unauthenticated_without_a_read() {
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
    async fn an_ended_or_refreshed_away_session_is_unauthenticated() {
        let mut mocks = Mocks::new();
        mocks.tokens.expect_verify().returning(|_, _| Ok(bearer()));
        mocks
            .sessions
            .expect_user_of()
            .returning(|_, _, _| Ok(None));
        assert_eq!(
            mocks.build().authenticate("good").await.unwrap_err(),
            DomainError::Unauthenticated
        );
    }
}
