//! React to message: add or take back an emoji; everyone in the room sees the new tally.

use confab_domain::message_changes::ensure_can_react;
use confab_domain::{ConversationId, DomainError, Emoji, MessageId, MessageView, ReactionAction};

use crate::{Caller, Confab};

impl Confab {
    /// Any participant, on a message that is not deleted, in an open room. Idempotent: adding
    /// twice or taking back what is not there answers the message unchanged and tells nobody;
    /// a change is broadcast as `message.reacted`. A 21st different emoji is a 422.
    pub async fn react_to_message(
        &self,
        caller: &Caller,
        id: ConversationId,
        message_id: MessageId,
        emoji: &str,
        action: ReactionAction,
    ) -> Result<MessageView, DomainError> {
        let room = self.load_visible(id, caller.user).await?;
        let message = self.message_in(id, message_id, caller).await?;
        let emoji = Emoji::parse(emoji).map_err(|reason| DomainError::invalid("emoji", reason))?;
        let now = self.ports.clock.now();
        ensure_can_react(&room, &message.message, caller.user, now)?;
        let change = self
            .ports
            .messages
            .react(message_id, caller.user, &emoji, action, now)
            .await?;
        let Some(change) = change else {
            return Ok(message);
        };
        self.publish_all(change.events(), caller).await;
        change
            .into_message()
            .ok_or_else(|| DomainError::Internal("a reaction returned no message".into()))
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::{ReactionCount, RealtimeEvent, UserId};

    use super::*;
    use crate::test_support::{Mocks, group_room, message_by};

    fn room_with_message(mocks: &mut Mocks, reactions: Vec<ReactionCount>) {
        mocks
            .conversations
            .expect_find()
            .returning(|_| Ok(Some(group_room())));
        mocks.messages.expect_find().returning(move |_, _, _| {
            let mut view = message_by(1);
            view.reactions = reactions.clone();
            Ok(Some(view))
        });
    }

    #[tokio::test]
    async fn a_member_reacts_and_the_room_gets_the_tally_without_me() {
        let mut mocks = Mocks::new();
        let mine = ReactionCount {
            emoji: "👍".into(),
            count: 2,
            me: true,
        };
        room_with_message(&mut mocks, vec![mine]);
        mocks
            .messages
            .expect_react()
            .withf(|id, user, emoji, action, _| {
                *id == MessageId(16)
                    && *user == UserId(2)
                    && emoji.as_str() == "👍"
                    && *action == ReactionAction::Added
            })
            .times(1)
            .returning(move |_, user_id, emoji, action, _| {
                let mut message = message_by(1);
                message.reactions = vec![ReactionCount {
                    emoji: "👍".into(),
                    count: 2,
                    me: true,
                }];
                Ok(Some(confab_domain::MessageChange::Reacted {
                    message,
                    emoji: emoji.clone(),
                    user_id,
                    action,
                }))
            });
        mocks
            .broadcaster
            .expect_publish()
            .withf(|e, _| {
                matches!(e, RealtimeEvent::MessageReacted { user_id, action, reactions, .. }
                    if *user_id == UserId(2) && *action == ReactionAction::Added
                        && reactions.len() == 1 && reactions[0].count == 2 && !reactions[0].me)
            })
            .times(1)
            .returning(|_, _| ());
        let view = mocks
            .build()
            .react_to_message(
                &Caller::new(UserId(2)),
                ConversationId(1),
                MessageId(16),
                "👍",
                ReactionAction::Added,
            )
            .await
            .unwrap();
        assert!(view.reactions[0].me);
    }

    #[tokio::test]
    async fn a_repeat_changes_nothing_and_tells_nobody() {
        let mut mocks = Mocks::new();
        room_with_message(&mut mocks, Vec::new());
        mocks
            .messages
            .expect_react()
            .returning(|_, _, _, _, _| Ok(None));
        mocks.broadcaster.expect_publish().never();
        mocks
            .build()
            .react_to_message(
                &Caller::new(UserId(2)),
                ConversationId(1),
                MessageId(16),
                "👍",
                ReactionAction::Removed,
            )
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn text_is_not_an_emoji() {
        let mut mocks = Mocks::new();
        room_with_message(&mut mocks, Vec::new());
        mocks.messages.expect_react().never();
        let err = mocks
            .build()
            .react_to_message(
                &Caller::new(UserId(2)),
                ConversationId(1),
                MessageId(16),
                "ok",
                ReactionAction::Added,
            )
            .await;
        assert!(matches!(err, Err(DomainError::Invalid(e)) if e.fields().contains_key("emoji")));
    }
}
