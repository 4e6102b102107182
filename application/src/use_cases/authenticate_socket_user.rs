//! Authenticate socket user: sign a Pusher socket in as the caller (`pusher:signin`, pusher-js
//! `signin()`), so the app's server can send to them by user id, end their connections, and
//! their socket hears when the people they have direct chats with come online or go offline.

use confab_domain::ports::{MAX_WATCHLIST, SocketId, UserGrant};
use confab_domain::{DomainError, ValidationErrors};

use crate::{Caller, Confab};

impl Confab {
    /// The caller's `user_data` (id, name, and as watchlist the other people of their
    /// [`MAX_WATCHLIST`] most recently active direct chats), signed for `socket_id`.
    pub async fn authenticate_socket_user(
        &self,
        caller: &Caller,
        socket_id: &str,
    ) -> Result<UserGrant, DomainError> {
        let mut errors = ValidationErrors::new();
        if socket_id.trim().is_empty() {
            errors.add("socket_id", "The socket id field is required.");
        }
        errors.into_result()?;
        let me = self.summary_of(caller).await?;
        let watchlist = self
            .ports
            .conversations
            .direct_partners(caller.user, MAX_WATCHLIST)
            .await?;
        self.ports.channels.sign_user(
            &SocketId(socket_id.trim().to_owned()),
            &me,
            &watchlist,
            caller.session.clone(),
        )
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::{SessionId, UserId};

    use super::*;
    use crate::test_support::{Mocks, summaries};

    #[tokio::test]
    async fn the_socket_is_signed_in_as_the_caller_watching_their_direct_chats() {
        let mut mocks = Mocks::new();
        mocks
            .users
            .expect_find_summaries()
            .returning(|ids| Ok(summaries(ids)));
        mocks
            .conversations
            .expect_direct_partners()
            .withf(|user, limit| *user == UserId(2) && *limit == MAX_WATCHLIST)
            .times(1)
            .returning(|_, _| Ok(vec![UserId(3), UserId(1)]));
        mocks
            .channels
            .expect_sign_user()
            .times(1)
            .returning(|socket, user, watchlist, session| {
                Ok(UserGrant {
                    auth: format!("key:{}", socket.0),
                    user_data: format!(
                        "{}|{watchlist:?}|{}",
                        user.id,
                        session.map(|s| s.to_string()).unwrap_or_default()
                    ),
                })
            });
        let grant = mocks
            .build()
            .authenticate_socket_user(
                &Caller::new(UserId(2)).with_session(SessionId::new("s-2")),
                " 1.2 ",
            )
            .await
            .unwrap();
        assert_eq!(grant.auth, "key:1.2");
        assert_eq!(grant.user_data, "2|[UserId(3), UserId(1)]|s-2");
    }

    #[tokio::test]
    async fn a_socket_id_is_required() {
        let mut mocks = Mocks::new();
        mocks.channels.expect_sign_user().never();
        let error = mocks
            .build()
            .authenticate_socket_user(&Caller::new(UserId(2)), " ")
            .await
            .unwrap_err();
        assert!(
            matches!(error, DomainError::Invalid(ref e) if e.fields().contains_key("socket_id"))
        );
    }
}
