//! Ping: the learning README's first envelope — answered with an ack, and forwarded to the other
//! members of the target when there is one.

use confab_domain::{Address, DomainError, EnvelopeId, RealtimeEvent};

use crate::{Caller, Confab};

impl Confab {
    /// Checks the envelope's `id` and `to`, that the caller may reach `to` (a conversation they
    /// are in, an existing user, or the global channel), and forwards the ping to the others
    /// there. `payload` is the client's JSON object, passed on as text.
    pub async fn ping(
        &self,
        caller: &Caller,
        id: &str,
        to: &str,
        payload: String,
    ) -> Result<(EnvelopeId, Address), DomainError> {
        let (id, to) = self.check_ping(caller, id, to).await?;
        self.ports
            .broadcaster
            .publish(
                RealtimeEvent::Ping {
                    id: id.clone(),
                    from: caller.user,
                    to,
                    payload,
                    at: self.ports.clock.now(),
                },
                caller.socket.clone(),
            )
            .await;
        Ok((id, to))
    }

    /// [`ping`](Self::ping)'s checks without the forwarding: for a ping that is answered but
    /// reaches no one (an envelope socket's ping to a room or channel it has not joined).
    pub async fn check_ping(
        &self,
        caller: &Caller,
        id: &str,
        to: &str,
    ) -> Result<(EnvelopeId, Address), DomainError> {
        let id = EnvelopeId::parse(id).map_err(|reason| DomainError::invalid("id", reason))?;
        let to = Address::parse(to).map_err(|reason| DomainError::invalid("to", reason))?;
        self.ensure_reachable(caller, to).await?;
        Ok((id, to))
    }

    /// Whether the caller may address `to`: a conversation they are in (404 otherwise), a user
    /// who exists (404 otherwise), or the global channel.
    pub(crate) async fn ensure_reachable(
        &self,
        caller: &Caller,
        to: Address,
    ) -> Result<(), DomainError> {
        match to {
            Address::Conversation(id) => self.load_visible(id, caller.user).await.map(|_| ()),
            Address::User(user) => {
                if self.ports.users.find_summaries(&[user]).await?.is_empty() {
                    Err(DomainError::UserNotFound)
                } else {
                    Ok(())
                }
            }
            Address::Global => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::{ConversationId, UserId};

    use super::*;
    use crate::test_support::{Mocks, group_room, summaries};

    #[tokio::test]
    async fn a_ping_to_a_room_is_forwarded_to_it() {
        let mut mocks = Mocks::new();
        mocks
            .conversations
            .expect_find()
            .returning(|_| Ok(Some(group_room())));
        mocks
            .broadcaster
            .expect_publish()
            .withf(|e, _| {
                matches!(e, RealtimeEvent::Ping { from, to, payload, .. }
                    if *from == UserId(2) && *to == Address::Conversation(ConversationId(1)) && payload == "{}")
            })
            .times(1)
            .returning(|_, _| ());
        let (id, _) = mocks
            .build()
            .ping(&Caller::new(UserId(2)), "1", "conversation:1", "{}".into())
            .await
            .unwrap();
        assert_eq!(id.as_str(), "1");
    }

    #[tokio::test]
    async fn anyone_signed_in_may_ping_the_global_channel() {
        let mut mocks = Mocks::new();
        mocks
            .broadcaster
            .expect_publish()
            .times(1)
            .returning(|_, _| ());
        mocks
            .build()
            .ping(&Caller::new(UserId(9)), "p", "channel:global", "{}".into())
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_ping_to_a_room_you_are_not_in_is_not_found_and_not_forwarded() {
        let mut mocks = Mocks::new();
        mocks
            .conversations
            .expect_find()
            .returning(|_| Ok(Some(group_room())));
        mocks.broadcaster.expect_publish().never();
        let err = mocks
            .build()
            .ping(&Caller::new(UserId(9)), "1", "conversation:1", "{}".into())
            .await;
        assert_eq!(err.unwrap_err(), DomainError::ConversationNotFound);
    }

    #[tokio::test]
    async fn checking_a_ping_forwards_nothing() {
        let mut mocks = Mocks::new();
        mocks
            .conversations
            .expect_find()
            .returning(|_| Ok(Some(group_room())));
        mocks.broadcaster.expect_publish().never();
        let app = mocks.build();
        let (id, to) = app
            .check_ping(&Caller::new(UserId(2)), "1", "conversation:1")
            .await
            .unwrap();
        assert_eq!(
            (id.as_str(), to),
            ("1", Address::Conversation(ConversationId(1)))
        );
        let err = app
            .check_ping(&Caller::new(UserId(9)), "1", "conversation:1")
            .await;
        assert_eq!(err.unwrap_err(), DomainError::ConversationNotFound);
    }

    #[tokio::test]
    async fn a_ping_to_a_user_needs_the_user_to_exist() {
        let mut mocks = Mocks::new();
        mocks
            .users
            .expect_find_summaries()
            .returning(|ids| Ok(summaries(&ids[..0])));
        let err = mocks
            .build()
            .ping(&Caller::new(UserId(9)), "1", "user:77", "{}".into())
            .await;
        assert_eq!(err.unwrap_err(), DomainError::UserNotFound);
    }

    #[tokio::test]
    async fn a_bad_id_or_target_is_a_validation_error() {
        let app = Mocks::new().build();
        for (id, to, field) in [("", "channel:global", "id"), ("1", "room:1", "to")] {
            let err = app
                .ping(&Caller::new(UserId(9)), id, to, "{}".into())
                .await
                .unwrap_err();
            assert!(
                matches!(&err, DomainError::Invalid(e) if e.fields().contains_key(field)),
                "{err:?}"
            );
        }
    }
}
