//! Send to an address: the envelope protocol's `message`, stored through the same send-message
//! rules as the HTTP API.

use confab_domain::{Address, DomainError, MessageView};

use super::create_conversation::CreateConversationRequest;
use super::send_message::Draft;
use crate::{Caller, Confab};

impl Confab {
    /// `conversation:{id}` sends there; `user:{id}` sends in your direct chat with that user,
    /// starting it if needed; `channel:global` stores nothing, so it takes pings, not messages.
    pub async fn send_to_address(
        &self,
        caller: &Caller,
        to: &str,
        body: &str,
    ) -> Result<MessageView, DomainError> {
        let to = Address::parse(to).map_err(|reason| DomainError::invalid("to", reason))?;
        let conversation = match to {
            Address::Conversation(id) => id,
            Address::User(user) => {
                let direct = self
                    .create_conversation(
                        caller,
                        CreateConversationRequest {
                            kind: Some("direct".into()),
                            name: None,
                            user_ids: vec![user.get()],
                        },
                    )
                    .await?;
                direct.conversation.id
            }
            Address::Global => {
                return Err(DomainError::invalid(
                    "to",
                    "channel:global keeps nothing; send it a ping, or a message to a conversation or user.",
                ));
            }
        };
        Ok(self
            .send_message(caller, conversation, Draft::text(body))
            .await?
            .message)
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::{
        ConversationId, Message, MessageId, NewMessage, RealtimeEvent, UserId, UserSummary,
    };

    use super::*;
    use crate::test_support::{Mocks, group_room, overview, summaries};

    fn stored(new: &NewMessage) -> confab_domain::Appended {
        confab_domain::Appended::New {
            message: MessageView::new(
                Message::sent(
                    MessageId(1),
                    new.conversation_id,
                    1,
                    new.sender,
                    new.body.as_str(),
                    new.created_at,
                ),
                UserSummary {
                    id: new.sender,
                    name: "Ann".into(),
                    avatar: None,
                },
            ),
            notifications: Vec::new(),
            thread: None,
        }
    }

    #[tokio::test]
    async fn a_message_to_a_user_goes_to_the_direct_chat_with_them() {
        let mut mocks = Mocks::new();
        mocks
            .users
            .expect_find_summaries()
            .returning(|ids| Ok(summaries(ids)));
        mocks
            .conversations
            .expect_find_direct_between()
            .returning(|_, _| Ok(Some(ConversationId(1))));
        mocks
            .conversations
            .expect_overview()
            .returning(|id, _| Ok(Some(overview(id.get()))));
        mocks.throttle.expect_hit().returning(|_, _| Ok(()));
        mocks
            .conversations
            .expect_find()
            .returning(|_| Ok(Some(group_room())));
        mocks
            .messages
            .expect_append()
            .withf(|m| m.conversation_id == ConversationId(1))
            .returning(|m| Ok(stored(&m)));
        mocks
            .broadcaster
            .expect_publish()
            .withf(|e, _| matches!(e, RealtimeEvent::MessageSent { .. }))
            .returning(|_, _| ());
        let sent = mocks
            .build()
            .send_to_address(&Caller::new(UserId(2)), "user:1", "hi")
            .await
            .unwrap();
        assert_eq!(sent.message.conversation_id, ConversationId(1));
    }

    #[tokio::test]
    async fn a_message_to_the_global_channel_is_refused() {
        let err = Mocks::new()
            .build()
            .send_to_address(&Caller::new(UserId(2)), "channel:global", "hi")
            .await;
        assert!(matches!(err, Err(DomainError::Invalid(e)) if e.fields().contains_key("to")));
    }

    #[tokio::test]
    async fn a_message_to_a_room_follows_the_send_rules() {
        let mut mocks = Mocks::new();
        mocks.throttle.expect_hit().returning(|_, _| Ok(()));
        mocks
            .messages
            .expect_append()
            .withf(|m| m.conversation_id == ConversationId(1) && m.sender == UserId(9))
            .times(1)
            .returning(|_| Err(DomainError::ConversationNotFound));
        let err = mocks
            .build()
            .send_to_address(&Caller::new(UserId(9)), "conversation:1", "hi")
            .await;
        assert_eq!(err.unwrap_err(), DomainError::ConversationNotFound);
    }
}
