//! Mark read: everything in the conversation so far counts as seen.

use confab_domain::{ConversationId, DomainError, RealtimeEvent};

use crate::{Caller, Confab};

impl Confab {
    /// Moves the caller's read position to the newest message (never backward). Others in the room
    /// are told, so read receipts can update live.
    pub async fn mark_read(&self, caller: &Caller, id: ConversationId) -> Result<(), DomainError> {
        self.load_visible(id, caller.user).await?;
        let Some(newest) = self.ports.messages.newest(id).await? else {
            return Ok(());
        };
        self.ports
            .conversations
            .mark_read(id, caller.user, newest.seq)
            .await?;
        self.ports
            .broadcaster
            .publish(
                RealtimeEvent::ConversationRead {
                    conversation_id: id,
                    user_id: caller.user,
                    last_read_message_id: Some(newest.id),
                },
                caller.socket.clone(),
            )
            .await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::{Message, MessageId, UserId};

    use super::*;
    use crate::test_support::{Mocks, group_room, now};

    fn message(id: i64, seq: u64) -> Message {
        Message {
            id: MessageId(id),
            conversation_id: ConversationId(1),
            seq,
            sender: UserId(1),
            body: "hi".into(),
            created_at: now(),
            edited_at: None,
            deleted_at: None,
            client_id: None,
            reply_to: None,
            mention_room: false,
            thread_id: None,
            pinned: None,
        }
    }

    #[tokio::test]
    async fn read_position_moves_to_the_newest_message() {
        let mut mocks = Mocks::new();
        mocks
            .conversations
            .expect_find()
            .returning(|_| Ok(Some(group_room())));
        mocks
            .messages
            .expect_newest()
            .returning(|_| Ok(Some(message(15, 7))));
        mocks
            .conversations
            .expect_mark_read()
            .withf(|_, user, up_to| *user == UserId(2) && *up_to == 7)
            .times(1)
            .returning(|_, _, _| Ok(()));
        mocks
            .broadcaster
            .expect_publish()
            .withf(|e, _| {
                matches!(e, RealtimeEvent::ConversationRead { user_id, last_read_message_id, .. }
                    if *user_id == UserId(2) && *last_read_message_id == Some(MessageId(15)))
            })
            .times(1)
            .returning(|_, _| ());
        mocks
            .build()
            .mark_read(&Caller::new(UserId(2)), ConversationId(1))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn an_empty_conversation_has_nothing_to_mark() {
        let mut mocks = Mocks::new();
        mocks
            .conversations
            .expect_find()
            .returning(|_| Ok(Some(group_room())));
        mocks.messages.expect_newest().returning(|_| Ok(None));
        mocks.conversations.expect_mark_read().never();
        mocks
            .build()
            .mark_read(&Caller::new(UserId(2)), ConversationId(1))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn outsiders_cannot_mark_read() {
        let mut mocks = Mocks::new();
        mocks
            .conversations
            .expect_find()
            .returning(|_| Ok(Some(group_room())));
        let err = mocks
            .build()
            .mark_read(&Caller::new(UserId(9)), ConversationId(1))
            .await;
        assert_eq!(err.unwrap_err(), DomainError::ConversationNotFound);
    }
}
