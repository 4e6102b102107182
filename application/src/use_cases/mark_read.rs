//! Mark read: everything in the conversation so far counts as seen.

use confab_domain::{ConversationId, DomainError, RealtimeEvent};

use crate::{Caller, Confab};

impl Confab {
    /// Moves the caller's read position to the newest message (never backward). Others in the room
    /// are told, so read receipts can update live.
    pub async fn mark_read(&self, caller: &Caller, id: ConversationId) -> Result<(), DomainError> {
        self.load_visible(id, caller.user).await?;
        let Some(latest) = self.ports.messages.latest_id(id).await? else {
            return Ok(());
        };
        self.ports
            .conversations
            .mark_read(id, caller.user, latest)
            .await?;
        self.ports
            .broadcaster
            .publish(
                RealtimeEvent::ConversationRead {
                    conversation_id: id,
                    user_id: caller.user,
                    last_read_message_id: Some(latest),
                },
                caller.socket.clone(),
            )
            .await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::{MessageId, UserId};

    use super::*;
    use crate::test_support::{Mocks, group_room};

    #[tokio::test]
    async fn read_position_moves_to_the_newest_message() {
        let mut mocks = Mocks::new();
        mocks
            .conversations
            .expect_find()
            .returning(|_| Ok(Some(group_room())));
        mocks
            .messages
            .expect_latest_id()
            .returning(|_| Ok(Some(MessageId(15))));
        mocks
            .conversations
            .expect_mark_read()
            .withf(|_, user, up_to| *user == UserId(2) && *up_to == MessageId(15))
            .times(1)
            .returning(|_, _, _| Ok(()));
        mocks
            .broadcaster
            .expect_publish()
            .withf(|e, _| matches!(e, RealtimeEvent::ConversationRead { user_id, .. } if *user_id == UserId(2)))
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
        mocks.messages.expect_latest_id().returning(|_| Ok(None));
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
