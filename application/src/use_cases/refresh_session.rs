//! Refresh: a new token for the same session; the one presented stops working.

use confab_domain::{Bearer, DomainError};

use super::authenticate::Authenticated;
use super::login::Session;
use crate::Confab;

impl Confab {
    /// The session moves to its next generation (so the old token is a 401 on every node) and
    /// lasts as long as the new token. The session's realtime connections stay open: it is the
    /// same client. Of two refreshes racing with one token, one wins and the other is a 401.
    pub async fn refresh_session(&self, auth: &Authenticated) -> Result<Session, DomainError> {
        let now = self.ports.clock.now();
        let generation = self
            .ports
            .sessions
            .renew(
                &auth.bearer.session,
                auth.bearer.generation,
                self.token_expiry(now),
            )
            .await?
            .ok_or(DomainError::Unauthenticated)?;
        let bearer = Bearer {
            generation,
            ..auth.bearer.clone()
        };
        let token = self.ports.tokens.issue(&bearer, now)?;
        Ok(Session {
            user: auth.user.clone(),
            token,
        })
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::UserId;
    use confab_domain::ports::IssuedToken;

    use super::*;
    use crate::test_support::{self, Mocks};

    fn signed_in() -> Authenticated {
        test_support::signed_in(3, "s-1", 4)
    }

    #[tokio::test]
    async fn the_new_token_is_the_sessions_next_generation() {
        let mut mocks = Mocks::new();
        mocks
            .sessions
            .expect_renew()
            .withf(|session, generation, _| session.as_str() == "s-1" && *generation == 4)
            .returning(|_, _, _| Ok(Some(5)));
        mocks
            .tokens
            .expect_issue()
            .withf(|bearer, _| bearer.generation == 5 && bearer.session.as_str() == "s-1")
            .returning(|_, _| {
                Ok(IssuedToken {
                    token: "gen-5".into(),
                    expires_in: 3600,
                })
            });
        let session = mocks.build().refresh_session(&signed_in()).await.unwrap();
        assert_eq!(session.token.token, "gen-5");
        assert_eq!(session.user.id, UserId(3));
    }

    #[tokio::test]
    async fn a_token_that_lost_the_race_is_unauthenticated() {
        let mut mocks = Mocks::new();
        mocks.sessions.expect_renew().returning(|_, _, _| Ok(None));
        mocks.tokens.expect_issue().never();
        assert_eq!(
            mocks.build().refresh_session(&signed_in()).await,
            Err(DomainError::Unauthenticated)
        );
    }
}
