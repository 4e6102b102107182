//! Log out: end the session the token belongs to, everywhere, with its realtime connections.

use confab_domain::DomainError;

use super::authenticate::Authenticated;
use crate::Confab;

impl Confab {
    /// The token (and every other token of its session) is a 401 on every node from now on; the
    /// sockets the session opened or authorized are closed.
    pub async fn logout(&self, auth: &Authenticated) -> Result<(), DomainError> {
        let session = &auth.bearer.session;
        self.ports.sessions.end(session).await?;
        self.ports
            .broadcaster
            .end_sessions(auth.user.id, std::slice::from_ref(session))
            .await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::{SessionId, UserId};

    use super::*;
    use crate::test_support::{self, Mocks};

    fn signed_in(id: i64) -> Authenticated {
        test_support::signed_in(id, "s-1", 1)
    }

    #[tokio::test]
    async fn the_session_ends_and_then_its_sockets_close() {
        let mut mocks = Mocks::new();
        let mut order = mockall::Sequence::new();
        mocks
            .sessions
            .expect_end()
            .withf(|session| session.as_str() == "s-1")
            .times(1)
            .in_sequence(&mut order)
            .returning(|_| Ok(()));
        mocks
            .broadcaster
            .expect_end_sessions()
            .withf(|user, sessions| *user == UserId(3) && sessions == [SessionId::new("s-1")])
            .times(1)
            .in_sequence(&mut order)
            .returning(|_, _| ());
        mocks.build().logout(&signed_in(3)).await.unwrap();
    }

    #[tokio::test]
    async fn a_store_that_fails_closes_nothing() {
        let mut mocks = Mocks::new();
        mocks
            .sessions
            .expect_end()
            .returning(|_| Err(DomainError::Unavailable("down".into())));
        mocks.broadcaster.expect_end_sessions().never();
        assert!(mocks.build().logout(&signed_in(3)).await.is_err());
    }
}
