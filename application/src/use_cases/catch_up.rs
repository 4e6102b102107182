//! Catch up: everything a reconnecting client missed in a conversation, oldest first.

use confab_domain::{ConversationId, Cursor, DomainError, MessageId, MessageView, Slice};

use crate::{Caller, Confab};

impl Confab {
    /// The messages after `since`, oldest first, read a cursor page at a time, at most `max` of
    /// them (`has_more` then says the client should page on with `after`). `since` must be a
    /// message of this conversation (422 on `since` otherwise); outsiders get 404.
    pub async fn catch_up(
        &self,
        caller: &Caller,
        id: ConversationId,
        since: MessageId,
        max: u64,
    ) -> Result<Slice<MessageView>, DomainError> {
        self.load_visible(id, caller.user).await?;
        let mut missed: Vec<MessageView> = Vec::new();
        let mut from = since;
        loop {
            let room = max - missed.len() as u64;
            let batch = self
                .ports
                .messages
                .slice(
                    id,
                    Cursor::after(from, room.min(Cursor::MAX_LIMIT)),
                    caller.user,
                )
                .await?
                .ok_or_else(|| {
                    DomainError::invalid(
                        "since",
                        "The since field must be a message of this conversation.",
                    )
                })?;
            let more = batch.has_more;
            missed.extend(batch.items);
            match missed.last() {
                Some(last) if more && (missed.len() as u64) < max => from = last.message.id,
                _ => {
                    return Ok(Slice {
                        items: missed,
                        limit: max,
                        has_more: more,
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::{Direction, Message, UserId, UserSummary};

    use super::*;
    use crate::test_support::{Mocks, group_room, now};

    fn view(id: i64) -> MessageView {
        MessageView {
            message: Message {
                id: MessageId(id),
                conversation_id: ConversationId(1),
                seq: id as u64,
                sender: UserId(1),
                body: format!("m{id}"),
                created_at: now(),
                edited_at: None,
                deleted_at: None,
                client_id: None,
                reply_to: None,
                mention_room: false,
                thread_id: None,
                pinned: None,
            },
            author: UserSummary {
                id: UserId(1),
                name: "John".into(),
                avatar: None,
            },
            reply_to: None,
            reactions: Vec::new(),
            attachments: Vec::new(),
            mentions: Vec::new(),
            thread: None,
            author_blocked: false,
        }
    }

    /// A room holding messages 1..=`newest`, read the way the repository does.
    fn room_of(mocks: &mut Mocks, newest: i64) {
        mocks
            .conversations
            .expect_find()
            .returning(|_| Ok(Some(group_room())));
        mocks
            .messages
            .expect_slice()
            .returning(move |_, cursor, _| {
                assert_eq!(cursor.direction, Direction::After);
                let rows: Vec<MessageView> = (cursor.from.get() + 1..=newest)
                    .take(cursor.limit as usize + 1)
                    .map(view)
                    .collect();
                Ok(Some(Slice::from_probe(rows, cursor.limit)))
            });
    }

    fn ids(slice: &Slice<MessageView>) -> Vec<i64> {
        slice.items.iter().map(|m| m.message.id.get()).collect()
    }

    #[tokio::test]
    async fn every_missed_message_arrives_oldest_first_across_several_reads() {
        let mut mocks = Mocks::new();
        room_of(&mut mocks, 260);
        let missed = mocks
            .build()
            .catch_up(
                &Caller::new(UserId(2)),
                ConversationId(1),
                MessageId(10),
                1_000,
            )
            .await
            .unwrap();
        assert_eq!(ids(&missed), (11..=260).collect::<Vec<_>>());
        assert!(!missed.has_more);
    }

    #[tokio::test]
    async fn at_most_max_and_then_has_more() {
        let mut mocks = Mocks::new();
        room_of(&mut mocks, 500);
        let missed = mocks
            .build()
            .catch_up(
                &Caller::new(UserId(2)),
                ConversationId(1),
                MessageId(0),
                150,
            )
            .await
            .unwrap();
        assert_eq!(ids(&missed), (1..=150).collect::<Vec<_>>());
        assert!(missed.has_more);
    }

    #[tokio::test]
    async fn nothing_missed_is_an_empty_slice() {
        let mut mocks = Mocks::new();
        room_of(&mut mocks, 5);
        let missed = mocks
            .build()
            .catch_up(
                &Caller::new(UserId(2)),
                ConversationId(1),
                MessageId(5),
                1_000,
            )
            .await
            .unwrap();
        assert!(missed.items.is_empty() && !missed.has_more);
    }

    #[tokio::test]
    async fn a_message_of_another_room_is_refused_on_since() {
        let mut mocks = Mocks::new();
        mocks
            .conversations
            .expect_find()
            .returning(|_| Ok(Some(group_room())));
        mocks.messages.expect_slice().returning(|_, _, _| Ok(None));
        let err = mocks
            .build()
            .catch_up(&Caller::new(UserId(2)), ConversationId(1), MessageId(3), 10)
            .await
            .unwrap_err();
        assert!(matches!(err, DomainError::Invalid(e) if e.fields().contains_key("since")));
    }
}
