//! Follow thread: start or stop following the thread under a message (replying follows it too),
//! and mark it read.

use confab_domain::{ConversationId, DomainError, MessageId};

use crate::{Caller, Confab};

impl Confab {
    /// 404 for an outsider or a message not in the room; 422 on `messageId` for a reply in a
    /// thread (follow its root). Following starts with nothing unread.
    pub async fn follow_thread(
        &self,
        caller: &Caller,
        id: ConversationId,
        root: MessageId,
        follow: bool,
    ) -> Result<(), DomainError> {
        self.thread_root(caller, id, root).await?;
        self.ports
            .messages
            .follow_thread(id, root, caller.user, follow)
            .await
    }

    /// Everything in the thread so far counts as seen (for a follower; nothing to keep otherwise).
    pub async fn mark_thread_read(
        &self,
        caller: &Caller,
        id: ConversationId,
        root: MessageId,
    ) -> Result<(), DomainError> {
        self.thread_root(caller, id, root).await?;
        self.ports
            .messages
            .mark_thread_read(root, caller.user)
            .await
    }

    /// Checks that `root` is a message of the caller's room `id` that can hold a thread.
    async fn thread_root(
        &self,
        caller: &Caller,
        id: ConversationId,
        root: MessageId,
    ) -> Result<(), DomainError> {
        self.load_visible(id, caller.user).await?;
        let message = self.message_in(id, root, caller).await?;
        if message.message.as_root().in_thread {
            return Err(DomainError::invalid(
                "messageId",
                format!(
                    "Message {} is a reply in a thread; use its thread's root.",
                    root.get()
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::UserId;

    use super::*;
    use crate::test_support::{Mocks, group_room, message_by, room_with_message_by};

    #[tokio::test]
    async fn a_member_follows_and_unfollows_a_root() {
        for follow in [true, false] {
            let mut mocks = Mocks::new();
            room_with_message_by(&mut mocks, 1);
            mocks
                .messages
                .expect_follow_thread()
                .withf(move |room, root, user, f| {
                    *room == ConversationId(1)
                        && *root == MessageId(16)
                        && *user == UserId(2)
                        && *f == follow
                })
                .times(1)
                .returning(|_, _, _, _| Ok(()));
            mocks
                .build()
                .follow_thread(
                    &Caller::new(UserId(2)),
                    ConversationId(1),
                    MessageId(16),
                    follow,
                )
                .await
                .unwrap();
        }
    }

    #[tokio::test]
    async fn a_reply_in_a_thread_is_not_a_root() {
        let mut mocks = Mocks::new();
        mocks
            .conversations
            .expect_find()
            .returning(|_| Ok(Some(group_room())));
        mocks.messages.expect_find().returning(|_, _, _| {
            let mut reply = message_by(1);
            reply.message.thread_id = Some(MessageId(3));
            Ok(Some(reply))
        });
        mocks.messages.expect_follow_thread().never();
        mocks.messages.expect_mark_thread_read().never();
        let app = mocks.build();
        let caller = Caller::new(UserId(2));
        let err = app
            .follow_thread(&caller, ConversationId(1), MessageId(16), true)
            .await;
        assert!(
            matches!(err, Err(DomainError::Invalid(e)) if e.fields().contains_key("messageId"))
        );
        let err = app
            .mark_thread_read(&caller, ConversationId(1), MessageId(16))
            .await;
        assert!(matches!(err, Err(DomainError::Invalid(_))));
    }

    #[tokio::test]
    async fn reading_a_thread_moves_the_callers_position() {
        let mut mocks = Mocks::new();
        room_with_message_by(&mut mocks, 1);
        mocks
            .messages
            .expect_mark_thread_read()
            .withf(|root, user| *root == MessageId(16) && *user == UserId(2))
            .times(1)
            .returning(|_, _| Ok(()));
        mocks
            .build()
            .mark_thread_read(&Caller::new(UserId(2)), ConversationId(1), MessageId(16))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn outsiders_are_told_the_room_does_not_exist() {
        let mut mocks = Mocks::new();
        room_with_message_by(&mut mocks, 1);
        mocks.messages.expect_follow_thread().never();
        let err = mocks
            .build()
            .follow_thread(
                &Caller::new(UserId(9)),
                ConversationId(1),
                MessageId(16),
                true,
            )
            .await;
        assert_eq!(err.unwrap_err(), DomainError::ConversationNotFound);
    }
}
