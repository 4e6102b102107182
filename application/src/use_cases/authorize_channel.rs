//! Authorize channel: may this user listen on this realtime channel? (Laravel's
//! `routes/channels.php`, as a use case, so the rule is tested like every other.)

use confab_domain::ports::{ChannelGrant, SocketId};
use confab_domain::{Channel, DomainError, ValidationErrors};

use crate::{Caller, Confab};

impl Confab {
    /// Conversation channels are for the conversation's current participants; a user channel is
    /// for that user alone; any other name is refused. Refusals are 403 (not 404) because that is
    /// what pusher-js turns into a `subscription_error`.
    pub async fn authorize_channel(
        &self,
        caller: &Caller,
        socket_id: &str,
        channel_name: &str,
    ) -> Result<ChannelGrant, DomainError> {
        let mut errors = ValidationErrors::new();
        if socket_id.trim().is_empty() {
            errors.add("socket_id", "The socket id field is required.");
        }
        if channel_name.trim().is_empty() {
            errors.add("channel_name", "The channel name field is required.");
        }
        errors.into_result()?;
        let channel = Channel::parse(channel_name).ok_or(DomainError::ChannelForbidden)?;
        match (channel, channel.conversation()) {
            (_, Some(conversation)) => {
                let room = self.ports.conversations.find(conversation).await?;
                if !room.is_some_and(|room| room.is_participant(caller.user)) {
                    return Err(DomainError::ChannelForbidden);
                }
            }
            (Channel::User(owner), None) if owner == caller.user => {}
            _ => return Err(DomainError::ChannelForbidden),
        }
        let me = self.summary_of(caller).await?;
        let socket = SocketId(socket_id.trim().to_owned());
        let grant = self
            .ports
            .channels
            .sign(&socket, channel, &me, caller.session.clone())?;
        // Signing lifts the socket's revocation of the channel, and a removal is two steps: its
        // commit, then its revocation (the socket server marks the user's sockets and unsubscribes
        // them). A removal whose commit lands between the check above and the signature could
        // have its revocation lifted by that signature: so membership is checked again, *after*
        // signing. Every interleaving is then covered:
        // * committed before the first check: refused above, nothing signed;
        // * committed after the check below: its revocation comes after our grant and wins;
        // * committed in between: the check below sees it, and the grant is withdrawn (the mark
        //   put back, the socket unsubscribed — signatures are deterministic, so the client may
        //   hold an identical older one and have used it in the meantime); the new signature is
        //   never handed out.
        // A failed re-check fails closed, the same way.
        if let Some(conversation) = channel.conversation() {
            let room = self.ports.conversations.find(conversation).await;
            let still_in = match &room {
                Ok(room) => Ok(room
                    .as_ref()
                    .is_some_and(|room| room.is_participant(caller.user))),
                Err(error) => Err(error.clone()),
            };
            if !matches!(still_in, Ok(true)) {
                self.ports.channels.withdraw(&socket, channel);
                return Err(still_in.err().unwrap_or(DomainError::ChannelForbidden));
            }
            // A timed-out member hears the room but may not whisper in it: said again on every
            // subscription, so a node that started after the timeout was set knows it too.
            let now = self.ports.clock.now();
            if let Ok(Some(room)) = room
                && let standing = room.standing(caller.user)
                && standing.is_timed_out(now)
            {
                self.ports
                    .broadcaster
                    .silence(caller.user, conversation, standing.timed_out_until)
                    .await;
            }
        }
        Ok(grant)
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::{ConversationId, SessionId, UserId};

    use super::*;
    use crate::test_support::{Mocks, group_room, summaries};

    /// The summaries and the signature of a granted request; a grant that stands is never
    /// withdrawn.
    fn granted(mocks: &mut Mocks) {
        mocks.channels.expect_withdraw().never();
        mocks
            .users
            .expect_find_summaries()
            .returning(|ids| Ok(summaries(ids)));
        mocks
            .channels
            .expect_sign()
            .times(1)
            .returning(|_, channel, user, session| {
                Ok(ChannelGrant {
                    // The signer is told which session asked (its end closes the socket).
                    auth: format!(
                        "key:{}:{}:{}",
                        channel.name(),
                        user.id,
                        session.map(|s| s.to_string()).unwrap_or_default()
                    ),
                    channel_data: None,
                    shared_secret: None,
                })
            });
    }

    #[tokio::test]
    async fn a_participant_may_listen_to_the_room() {
        let mut mocks = Mocks::new();
        mocks
            .conversations
            .expect_find()
            .returning(|_| Ok(Some(group_room())));
        granted(&mut mocks);
        let grant = mocks
            .build()
            .authorize_channel(
                &Caller::new(UserId(2)).with_session(SessionId::new("s-2")),
                "1.2",
                "private-conversation.1",
            )
            .await
            .unwrap();
        assert_eq!(grant.auth, "key:private-conversation.1:2:s-2");
    }

    #[tokio::test]
    async fn a_removal_landing_while_the_grant_is_signed_withdraws_it() {
        let mut mocks = Mocks::new();
        let mut order = mockall::Sequence::new();
        mocks
            .conversations
            .expect_find()
            .times(1)
            .in_sequence(&mut order)
            .returning(|_| Ok(Some(group_room())));
        mocks
            .users
            .expect_find_summaries()
            .times(1)
            .in_sequence(&mut order)
            .returning(|ids| Ok(summaries(ids)));
        mocks
            .channels
            .expect_sign()
            .times(1)
            .in_sequence(&mut order)
            .returning(|_, _, _, _| {
                Ok(ChannelGrant {
                    auth: "key:sig".into(),
                    channel_data: None,
                    shared_secret: None,
                })
            });
        // The removal committed meanwhile: the re-check, after signing, no longer finds user 2.
        mocks
            .conversations
            .expect_find()
            .times(1)
            .in_sequence(&mut order)
            .returning(|_| {
                let mut room = group_room();
                room.participants.retain(|p| p.user_id != UserId(2));
                Ok(Some(room))
            });
        mocks
            .channels
            .expect_withdraw()
            .withf(|socket, channel| {
                socket.0 == "1.2" && *channel == Channel::Conversation(ConversationId(1))
            })
            .times(1)
            .in_sequence(&mut order)
            .return_const(());
        let err = mocks
            .build()
            .authorize_channel(&Caller::new(UserId(2)), "1.2", "private-conversation.1")
            .await
            .unwrap_err();
        assert_eq!(err, DomainError::ChannelForbidden);
    }

    #[tokio::test]
    async fn a_failed_re_check_withdraws_the_grant_too() {
        let mut mocks = Mocks::new();
        let mut order = mockall::Sequence::new();
        mocks
            .conversations
            .expect_find()
            .times(1)
            .in_sequence(&mut order)
            .returning(|_| Ok(Some(group_room())));
        mocks
            .users
            .expect_find_summaries()
            .returning(|ids| Ok(summaries(ids)));
        mocks
            .channels
            .expect_sign()
            .times(1)
            .in_sequence(&mut order)
            .returning(|_, _, _, _| {
                Ok(ChannelGrant {
                    auth: "key:sig".into(),
                    channel_data: Some("{}".into()),
                    shared_secret: None,
                })
            });
        mocks
            .conversations
            .expect_find()
            .times(1)
            .in_sequence(&mut order)
            .returning(|_| Err(DomainError::Internal("db down".into())));
        mocks.channels.expect_withdraw().times(1).return_const(());
        let err = mocks
            .build()
            .authorize_channel(&Caller::new(UserId(2)), "1.2", "presence-conversation.1")
            .await
            .unwrap_err();
        assert!(matches!(err, DomainError::Internal(_)), "{err:?}");
    }

    #[tokio::test]
    async fn a_participant_may_join_the_rooms_presence_channel() {
        let mut mocks = Mocks::new();
        mocks
            .conversations
            .expect_find()
            .withf(|id| *id == ConversationId(1))
            .returning(|_| Ok(Some(group_room())));
        granted(&mut mocks);
        mocks
            .build()
            .authorize_channel(&Caller::new(UserId(1)), "1.2", "presence-conversation.1")
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn outsiders_and_missing_rooms_are_forbidden() {
        let mut mocks = Mocks::new();
        mocks
            .conversations
            .expect_find()
            .returning(|id| Ok((id == ConversationId(1)).then(group_room)));
        mocks.channels.expect_sign().never();
        let app = mocks.build();
        for (user, channel) in [(9, "private-conversation.1"), (1, "private-conversation.2")] {
            let err = app
                .authorize_channel(&Caller::new(UserId(user)), "1.2", channel)
                .await
                .unwrap_err();
            assert_eq!(err, DomainError::ChannelForbidden, "{user} on {channel}");
        }
    }

    #[tokio::test]
    async fn a_user_channel_is_for_that_user_only() {
        let mut mocks = Mocks::new();
        granted(&mut mocks);
        let app = mocks.build();
        app.authorize_channel(&Caller::new(UserId(5)), "1.2", "private-user.5")
            .await
            .unwrap();
        let err = app
            .authorize_channel(&Caller::new(UserId(5)), "1.2", "private-user.6")
            .await
            .unwrap_err();
        assert_eq!(err, DomainError::ChannelForbidden);
    }

    #[tokio::test]
    async fn channels_we_do_not_serve_are_forbidden() {
        let err = Mocks::new()
            .build()
            .authorize_channel(&Caller::new(UserId(5)), "1.2", "private-secret")
            .await
            .unwrap_err();
        assert_eq!(err, DomainError::ChannelForbidden);
    }

    #[tokio::test]
    async fn missing_fields_are_a_validation_error() {
        let err = Mocks::new()
            .build()
            .authorize_channel(&Caller::new(UserId(5)), " ", "")
            .await
            .unwrap_err();
        let DomainError::Invalid(errors) = err else {
            panic!("expected 422")
        };
        assert!(
            errors.fields().contains_key("socket_id")
                && errors.fields().contains_key("channel_name")
        );
    }
}
