//! Signal typing: tell the others in a room that the caller is typing — at most one event per
//! user per room per interval, however often the client calls.

use confab_domain::thread::ensure_can_reply_in_thread;
use confab_domain::{ConversationId, DomainError, MessageId, RealtimeEvent};

use crate::{Caller, Confab};

impl Confab {
    /// 404 for an outsider; 422 for a closed room (no one may post there), for a timed-out member
    /// and for a `thread_id` that is not a message of this room that still stands. A call within the interval after
    /// the caller's last typing event in the room succeeds without another event. The caller's
    /// own socket (`X-Socket-ID`) is left out, as for every event a request causes.
    pub async fn signal_typing(
        &self,
        caller: &Caller,
        conversation: ConversationId,
        thread_id: Option<MessageId>,
    ) -> Result<(), DomainError> {
        let room = self.load_visible(conversation, caller.user).await?;
        if room.is_closed() {
            return Err(DomainError::ClosedRoomCannotPost);
        }
        let now = self.ports.clock.now();
        room.ensure_can_take_part(caller.user, now)?;
        if let Some(root) = thread_id {
            let found = self
                .ports
                .messages
                .find(conversation, root, caller.user)
                .await?;
            let facts = found.map(|view| view.message.as_root());
            ensure_can_reply_in_thread(conversation, root, facts)?;
        }
        if !self
            .ports
            .typing
            .admit(caller.user, conversation, now)
            .await?
        {
            return Ok(());
        }
        let user = self.summary_of(caller).await?;
        self.ports
            .broadcaster
            .publish(
                RealtimeEvent::Typing {
                    conversation_id: conversation,
                    thread_id,
                    user,
                },
                caller.socket.clone(),
            )
            .await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::UserId;
    use confab_domain::ports::SocketId;

    use super::*;
    use crate::test_support::{Mocks, group_room, message_by, now, summaries};

    fn in_room(mocks: &mut Mocks) {
        mocks
            .conversations
            .expect_find()
            .returning(|_| Ok(Some(group_room())));
        mocks
            .users
            .expect_find_summaries()
            .returning(|ids| Ok(summaries(ids)));
    }

    fn caller() -> Caller {
        Caller {
            socket: Some(SocketId("1.2".into())),
            ..Caller::new(UserId(2))
        }
    }

    #[tokio::test]
    async fn the_first_signal_tells_the_others_who_is_typing() {
        let mut mocks = Mocks::new();
        in_room(&mut mocks);
        mocks
            .typing
            .expect_admit()
            .withf(|user, room, at| {
                *user == UserId(2) && *room == ConversationId(1) && *at == now()
            })
            .times(1)
            .returning(|_, _, _| Ok(true));
        mocks
            .broadcaster
            .expect_publish()
            .withf(|event, except| {
                matches!(event, RealtimeEvent::Typing { conversation_id, thread_id: None, user }
                    if *conversation_id == ConversationId(1) && user.id == UserId(2)
                        && user.name == "User 2")
                    && except.as_ref().is_some_and(|socket| socket.0 == "1.2")
            })
            .times(1)
            .returning(|_, _| ());

        mocks
            .build()
            .signal_typing(&caller(), ConversationId(1), None)
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_signal_within_the_interval_is_answered_without_an_event() {
        let mut mocks = Mocks::new();
        in_room(&mut mocks);
        mocks.typing.expect_admit().returning(|_, _, _| Ok(false));
        mocks.broadcaster.expect_publish().never();

        let answered = mocks
            .build()
            .signal_typing(&caller(), ConversationId(1), None)
            .await;

        assert_eq!(answered, Ok(()));
    }

    #[tokio::test]
    async fn an_outsider_gets_not_found_and_no_one_hears_of_it() {
        let mut mocks = Mocks::new();
        in_room(&mut mocks);
        mocks.typing.expect_admit().never();
        mocks.broadcaster.expect_publish().never();

        let refused = mocks
            .build()
            .signal_typing(&Caller::new(UserId(9)), ConversationId(1), None)
            .await;

        assert_eq!(refused, Err(DomainError::ConversationNotFound));
    }

    #[tokio::test]
    async fn no_one_types_in_a_closed_room() {
        let mut mocks = Mocks::new();
        mocks.conversations.expect_find().returning(|_| {
            let mut room = group_room();
            room.closed_at = Some(now());
            Ok(Some(room))
        });
        mocks.typing.expect_admit().never();

        let refused = mocks
            .build()
            .signal_typing(&caller(), ConversationId(1), None)
            .await;

        assert_eq!(refused, Err(DomainError::ClosedRoomCannotPost));
    }

    #[tokio::test]
    async fn a_thread_must_be_a_standing_message_of_the_room() {
        for found in [None, Some(true)] {
            let mut mocks = Mocks::new();
            in_room(&mut mocks);
            mocks.messages.expect_find().returning(move |_, _, _| {
                Ok(found.map(|deleted| {
                    let mut view = message_by(1);
                    if deleted {
                        view.message.deleted_at = Some(now());
                    }
                    view
                }))
            });
            mocks.typing.expect_admit().never();

            let refused = mocks
                .build()
                .signal_typing(&caller(), ConversationId(1), Some(MessageId(5)))
                .await;

            assert!(
                matches!(&refused, Err(DomainError::Invalid(errors)) if errors.fields().contains_key("thread_id")),
                "{found:?}: {refused:?}"
            );
        }
    }

    #[tokio::test]
    async fn a_signal_in_a_thread_names_it() {
        let mut mocks = Mocks::new();
        in_room(&mut mocks);
        mocks
            .messages
            .expect_find()
            .withf(|room, id, _| *room == ConversationId(1) && *id == MessageId(5))
            .returning(|_, _, _| Ok(Some(message_by(1))));
        mocks.typing.expect_admit().returning(|_, _, _| Ok(true));
        mocks
            .broadcaster
            .expect_publish()
            .withf(|event, _| {
                matches!(event, RealtimeEvent::Typing { thread_id: Some(id), .. } if *id == MessageId(5))
            })
            .times(1)
            .returning(|_, _| ());

        mocks
            .build()
            .signal_typing(&caller(), ConversationId(1), Some(MessageId(5)))
            .await
            .unwrap();
    }
}
