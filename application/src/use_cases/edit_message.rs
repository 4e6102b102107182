//! Edit message: the author changes what they wrote; everyone in the room sees the new text.

use confab_domain::message_changes::ensure_can_edit;
use confab_domain::{ConversationId, DomainError, MessageBody, MessageId, MessageView};

use crate::{Caller, Confab};

impl Confab {
    /// 404 for an outsider or a message of another room, 403 for anyone but the author, 422 for a
    /// tombstone, a closed room or a body the send rules refuse. Broadcast as `message.updated`.
    pub async fn edit_message(
        &self,
        caller: &Caller,
        id: ConversationId,
        message_id: MessageId,
        body: &str,
    ) -> Result<MessageView, DomainError> {
        let room = self.load_visible(id, caller.user).await?;
        let message = self.message_in(id, message_id, caller).await?;
        ensure_can_edit(&room, &message.message, caller.user)?;
        let body =
            MessageBody::parse(body).map_err(|reason| DomainError::invalid("body", reason))?;
        let now = self.ports.clock.now();
        let change = self.ports.messages.edit(message_id, &body, now).await?;
        self.publish_all(change.events(), caller).await;
        change
            .into_message()
            .ok_or_else(|| DomainError::Internal("an edit returned no message".into()))
    }

    /// The message `message_id` of conversation `id`, as the caller sees it.
    pub(crate) async fn message_in(
        &self,
        id: ConversationId,
        message_id: MessageId,
        caller: &Caller,
    ) -> Result<MessageView, DomainError> {
        self.ports
            .messages
            .find(id, message_id, caller.user)
            .await?
            .ok_or(DomainError::MessageNotFound)
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::{RealtimeEvent, UserId};

    use super::*;
    use crate::test_support::{Mocks, group_room, message_by, now, room_with_message_by};

    #[tokio::test]
    async fn the_author_edits_and_the_room_is_told() {
        let mut mocks = Mocks::new();
        room_with_message_by(&mut mocks, 2);
        mocks
            .messages
            .expect_edit()
            .withf(|id, body, at| *id == MessageId(16) && body.as_str() == "fixed" && *at == now())
            .times(1)
            .returning(|_, _, _| Ok(confab_domain::MessageChange::Edited(message_by(2))));
        mocks
            .broadcaster
            .expect_publish()
            .withf(|e, _| matches!(e, RealtimeEvent::MessageUpdated { message } if message.message.id == MessageId(16)))
            .times(1)
            .returning(|_, _| ());
        mocks
            .build()
            .edit_message(
                &Caller::new(UserId(2)),
                ConversationId(1),
                MessageId(16),
                "fixed",
            )
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn someone_else_may_not_and_nothing_is_written() {
        let mut mocks = Mocks::new();
        room_with_message_by(&mut mocks, 2);
        mocks.messages.expect_edit().never();
        mocks.broadcaster.expect_publish().never();
        let err = mocks
            .build()
            .edit_message(
                &Caller::new(UserId(1)),
                ConversationId(1),
                MessageId(16),
                "x",
            )
            .await;
        assert_eq!(err.unwrap_err(), DomainError::NotTheAuthor);
    }

    #[tokio::test]
    async fn a_blank_body_is_refused_like_a_send() {
        let mut mocks = Mocks::new();
        room_with_message_by(&mut mocks, 2);
        mocks.messages.expect_edit().never();
        let err = mocks
            .build()
            .edit_message(
                &Caller::new(UserId(2)),
                ConversationId(1),
                MessageId(16),
                " ",
            )
            .await;
        assert!(matches!(err, Err(DomainError::Invalid(e)) if e.fields().contains_key("body")));
    }

    #[tokio::test]
    async fn a_message_of_another_room_is_not_found() {
        let mut mocks = Mocks::new();
        mocks
            .conversations
            .expect_find()
            .returning(|_| Ok(Some(group_room())));
        mocks.messages.expect_find().returning(|_, _, _| Ok(None));
        mocks.messages.expect_edit().never();
        let err = mocks
            .build()
            .edit_message(
                &Caller::new(UserId(2)),
                ConversationId(1),
                MessageId(99),
                "x",
            )
            .await;
        assert_eq!(err.unwrap_err(), DomainError::MessageNotFound);
    }
}
