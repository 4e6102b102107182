//! Edit message: the author changes what they wrote, and may change whom it names; everyone in
//! the room sees the new text.

use confab_domain::message_changes::ensure_can_edit;
use confab_domain::{
    ConversationId, DomainError, Mentions, MessageBody, MessageId, MessageView, ValidationErrors,
};

use crate::{Caller, Confab};

/// What an edit sends: the new text and, when given, whom the message names now (a field left
/// out keeps what the message had).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Edit<'a> {
    pub body: &'a str,
    pub mentions: Option<&'a [i64]>,
    pub mention_room: Option<bool>,
}

impl<'a> Edit<'a> {
    /// Just new text.
    pub fn text(body: &'a str) -> Self {
        Self {
            body,
            ..Self::default()
        }
    }
}

impl Confab {
    /// 404 for an outsider or a message of another room, 403 for anyone but the author, 422 for a
    /// tombstone, a closed room, a body the send rules refuse or a named person not in the room.
    /// Broadcast as `message.updated`; an edit notifies nobody.
    pub async fn edit_message(
        &self,
        caller: &Caller,
        id: ConversationId,
        message_id: MessageId,
        edit: Edit<'_>,
    ) -> Result<MessageView, DomainError> {
        let room = self.load_visible(id, caller.user).await?;
        let message = self.message_in(id, message_id, caller).await?;
        ensure_can_edit(&room, &message.message, caller.user, self.ports.clock.now())?;
        let mut errors = ValidationErrors::new();
        let body = errors.check("body", MessageBody::parse(edit.body));
        let mentions = if edit.mentions.is_none() && edit.mention_room.is_none() {
            None
        } else {
            let kept: Vec<i64> = message.mentions.iter().map(|m| m.id.get()).collect();
            let ids = edit.mentions.unwrap_or(&kept);
            let room_called = edit.mention_room.unwrap_or(message.message.mention_room);
            errors.check("mentions", Mentions::parse(ids, room_called))
        };
        errors.into_result()?;
        if let Some(mentions) = &mentions {
            mentions.ensure_present(|user| room.is_participant(user))?;
        }
        let body = body.expect("checked above");
        let now = self.ports.clock.now();
        let change = self
            .ports
            .messages
            .edit(message_id, &body, mentions, now)
            .await?;
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
            .withf(|id, body, mentions, at| {
                *id == MessageId(16)
                    && body.as_str() == "fixed"
                    && mentions.is_none()
                    && *at == now()
            })
            .times(1)
            .returning(|_, _, _, _| Ok(confab_domain::MessageChange::Edited(message_by(2))));
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
                Edit::text("fixed"),
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
                Edit::text("x"),
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
                Edit::text(" "),
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
                Edit::text("x"),
            )
            .await;
        assert_eq!(err.unwrap_err(), DomainError::MessageNotFound);
    }
    #[tokio::test]
    async fn naming_people_replaces_whom_it_names_and_keeps_the_room_call() {
        let mut mocks = Mocks::new();
        room_with_message_by(&mut mocks, 2);
        mocks
            .messages
            .expect_edit()
            .withf(|_, _, mentions, _| {
                mentions
                    .as_ref()
                    .is_some_and(|m| m.users() == [UserId(1)] && !m.room())
            })
            .times(1)
            .returning(|_, _, _, _| Ok(confab_domain::MessageChange::Edited(message_by(2))));
        mocks.broadcaster.expect_publish().returning(|_, _| ());
        let edit = Edit {
            mentions: Some(&[1]),
            ..Edit::text("@John fixed")
        };
        mocks
            .build()
            .edit_message(
                &Caller::new(UserId(2)),
                ConversationId(1),
                MessageId(16),
                edit,
            )
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn naming_someone_outside_the_room_is_refused_on_mentions() {
        let mut mocks = Mocks::new();
        room_with_message_by(&mut mocks, 2);
        mocks.messages.expect_edit().never();
        let edit = Edit {
            mentions: Some(&[1, 99]),
            ..Edit::text("hi")
        };
        let err = mocks
            .build()
            .edit_message(
                &Caller::new(UserId(2)),
                ConversationId(1),
                MessageId(16),
                edit,
            )
            .await;
        assert!(
            matches!(&err, Err(DomainError::Invalid(e)) if e.fields()["mentions"][0].contains("99")),
            "{err:?}"
        );
    }
}
