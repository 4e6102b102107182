//! Send message: post to a conversation and deliver it live.

use confab_domain::{
    ConversationId, DomainError, MessageBody, MessageView, NewMessage, RealtimeEvent,
};

use crate::{Caller, Confab};

impl Confab {
    /// Checks in the order a Laravel app would: the throttle (a middleware, so every attempt
    /// counts), then the conversation (404), the body (422), and the room being open (422).
    ///
    /// A well-formed message costs no read of the room here: the repository checks the posting
    /// rule when the message commits, with the room locked, and refuses with the same errors — so
    /// the check is both cheaper and race-free. Only a malformed body reads the room first, so an
    /// outsider is still told the room does not exist before anything about their input.
    pub async fn send_message(
        &self,
        caller: &Caller,
        id: ConversationId,
        body: &str,
    ) -> Result<MessageView, DomainError> {
        let now = self.ports.clock.now();
        self.ports.throttle.hit(caller.user, now).await?;
        let body = match MessageBody::parse(body) {
            Ok(body) => body,
            Err(reason) => {
                self.load_visible(id, caller.user).await?;
                return Err(DomainError::invalid("body", reason));
            }
        };
        let message = self
            .ports
            .messages
            .append(NewMessage {
                conversation_id: id,
                sender: caller.user,
                body,
                created_at: now,
            })
            .await?;
        self.ports
            .broadcaster
            .publish(
                RealtimeEvent::MessageSent {
                    message: message.clone(),
                },
                caller.socket.clone(),
            )
            .await;
        Ok(message)
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::ports::SocketId;
    use confab_domain::{Message, MessageId, UserId, UserSummary};

    use super::*;
    use crate::test_support::{Mocks, group_room, now};

    fn stored(new: &NewMessage) -> MessageView {
        MessageView {
            message: Message {
                id: MessageId(16),
                conversation_id: new.conversation_id,
                seq: 1,
                sender: new.sender,
                body: new.body.as_str().to_owned(),
                created_at: new.created_at,
            },
            author: UserSummary {
                id: new.sender,
                name: "John".into(),
            },
        }
    }

    fn open_room(mocks: &mut Mocks) {
        mocks.throttle.expect_hit().returning(|_, _| Ok(()));
        mocks
            .conversations
            .expect_find()
            .returning(|_| Ok(Some(group_room())));
    }

    #[tokio::test]
    async fn a_member_sends_and_everyone_else_gets_it_live() {
        let mut mocks = Mocks::new();
        open_room(&mut mocks);
        mocks
            .messages
            .expect_append()
            .withf(|m| {
                m.body.as_str() == "Hello!" && m.sender == UserId(2) && m.created_at == now()
            })
            .times(1)
            .returning(|m| Ok(stored(&m)));
        mocks
            .broadcaster
            .expect_publish()
            .withf(|e, except| {
                matches!(e, RealtimeEvent::MessageSent { message } if message.message.id == MessageId(16))
                    && except.as_ref() == Some(&SocketId("1.2".into()))
            })
            .times(1)
            .returning(|_, _| ());
        let caller = Caller::new(UserId(2)).with_socket(Some(SocketId("1.2".into())));
        let sent = mocks
            .build()
            .send_message(&caller, ConversationId(1), "Hello!")
            .await
            .unwrap();
        assert_eq!(sent.message.body, "Hello!");
    }

    #[tokio::test]
    async fn a_ban_that_lands_before_the_commit_refuses_the_message_and_nobody_is_told() {
        let mut mocks = Mocks::new();
        open_room(&mut mocks);
        mocks
            .messages
            .expect_append()
            .times(1)
            .returning(|_| Err(DomainError::ConversationNotFound));
        mocks.broadcaster.expect_publish().never();
        let err = mocks
            .build()
            .send_message(&Caller::new(UserId(2)), ConversationId(1), "hi")
            .await;
        assert_eq!(err.unwrap_err(), DomainError::ConversationNotFound);
    }

    #[tokio::test]
    async fn a_well_formed_send_reads_no_room_and_the_commit_time_rule_decides() {
        let mut mocks = Mocks::new();
        mocks.throttle.expect_hit().returning(|_, _| Ok(()));
        mocks.conversations.expect_find().never();
        mocks
            .messages
            .expect_append()
            .times(1)
            .returning(|_| Err(DomainError::ClosedRoomCannotPost));
        mocks.broadcaster.expect_publish().never();
        let err = mocks
            .build()
            .send_message(&Caller::new(UserId(2)), ConversationId(1), "hi")
            .await;
        assert_eq!(err.unwrap_err(), DomainError::ClosedRoomCannotPost);
    }

    #[tokio::test]
    async fn a_blank_body_is_a_validation_error_on_body() {
        let mut mocks = Mocks::new();
        open_room(&mut mocks);
        mocks.messages.expect_append().never();
        let err = mocks
            .build()
            .send_message(&Caller::new(UserId(2)), ConversationId(1), "  ")
            .await;
        assert!(matches!(err, Err(DomainError::Invalid(e)) if e.fields().contains_key("body")));
    }

    #[tokio::test]
    async fn outsiders_with_a_bad_body_are_told_the_room_does_not_exist_first() {
        let mut mocks = Mocks::new();
        open_room(&mut mocks);
        mocks.messages.expect_append().never();
        let err = mocks
            .build()
            .send_message(&Caller::new(UserId(9)), ConversationId(1), "")
            .await;
        assert_eq!(err.unwrap_err(), DomainError::ConversationNotFound);
    }

    #[tokio::test]
    async fn over_the_limit_nothing_is_looked_up_or_stored() {
        let mut mocks = Mocks::new();
        mocks.throttle.expect_hit().returning(|_, _| {
            Err(DomainError::RateLimited {
                retry_after_secs: 42,
            })
        });
        mocks.conversations.expect_find().never();
        mocks.messages.expect_append().never();
        let err = mocks
            .build()
            .send_message(&Caller::new(UserId(2)), ConversationId(1), "hi")
            .await;
        assert_eq!(
            err.unwrap_err(),
            DomainError::RateLimited {
                retry_after_secs: 42
            }
        );
    }
}
