//! The send use case against mocked ports.

use confab_domain::ports::SocketId;
use confab_domain::{Message, RealtimeEvent, UserId, UserSummary};

use super::*;
use crate::test_support::{Mocks, group_room, now};

fn view_of(new: &NewMessage) -> MessageView {
    MessageView::new(
        Message::sent(
            MessageId(16),
            new.conversation_id,
            1,
            new.sender,
            new.body.as_str(),
            new.created_at,
        ),
        UserSummary {
            id: new.sender,
            name: "John".into(),
            avatar: None,
        },
    )
}

fn stored(new: &NewMessage) -> Appended {
    Appended::New {
        message: view_of(new),
        notifications: Vec::new(),
        thread: None,
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
        .withf(|m| m.body.as_str() == "Hello!" && m.sender == UserId(2) && m.created_at == now())
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
        .send_message(&caller, ConversationId(1), Draft::text("Hello!"))
        .await
        .unwrap();
    assert_eq!(sent.message.message.body, "Hello!");
    assert!(!sent.repeated);
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
        .send_message(
            &Caller::new(UserId(2)),
            ConversationId(1),
            Draft::text("hi"),
        )
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
        .send_message(
            &Caller::new(UserId(2)),
            ConversationId(1),
            Draft::text("hi"),
        )
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
        .send_message(
            &Caller::new(UserId(2)),
            ConversationId(1),
            Draft::text("  "),
        )
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
        .send_message(&Caller::new(UserId(9)), ConversationId(1), Draft::text(""))
        .await;
    assert_eq!(err.unwrap_err(), DomainError::ConversationNotFound);
}

#[tokio::test]
async fn a_repeat_returns_the_stored_message_and_tells_nobody() {
    let mut mocks = Mocks::new();
    mocks
        .throttle
        .expect_hit()
        .times(1)
        .returning(|_, _| Ok(()));
    mocks
        .messages
        .expect_append()
        .withf(|m| {
            m.client_id.as_ref().map(ClientId::as_str) == Some("k-1")
                && m.reply_to == Some(MessageId(3))
        })
        .times(1)
        .returning(|_| Ok(Appended::Repeat(MessageId(16))));
    mocks
        .messages
        .expect_find()
        .withf(|room, id, viewer| {
            *room == ConversationId(1) && *id == MessageId(16) && *viewer == UserId(2)
        })
        .times(1)
        .returning(|room, id, viewer| {
            Ok(Some(MessageView::new(
                Message::sent(id, room, 1, viewer, "first", now()),
                UserSummary {
                    id: viewer,
                    name: "John".into(),
                    avatar: None,
                },
            )))
        });
    mocks.broadcaster.expect_publish().never();
    let draft = Draft {
        body: "again",
        client_id: Some("k-1"),
        reply_to: Some(3),
        attachment_ids: &[],
        mentions: &[],
        mention_room: false,
        thread_id: None,
        also_in_room: false,
    };
    let sent = mocks
        .build()
        .send_message(&Caller::new(UserId(2)), ConversationId(1), draft)
        .await
        .unwrap();
    assert!(sent.repeated);
    assert_eq!(sent.message.message.body, "first");
}

#[tokio::test]
async fn a_bad_client_id_is_named_with_the_body_and_nothing_is_stored() {
    let mut mocks = Mocks::new();
    open_room(&mut mocks);
    mocks.messages.expect_append().never();
    let long = "x".repeat(65);
    let draft = Draft {
        body: "",
        client_id: Some(&long),
        reply_to: None,
        attachment_ids: &[],
        mentions: &[],
        mention_room: false,
        thread_id: None,
        also_in_room: false,
    };
    let err = mocks
        .build()
        .send_message(&Caller::new(UserId(2)), ConversationId(1), draft)
        .await;
    assert!(matches!(err, Err(DomainError::Invalid(e))
        if e.fields().contains_key("body") && e.fields().contains_key("client_id")));
}

#[tokio::test]
async fn files_alone_make_a_message_and_go_to_the_repository_to_be_taken() {
    let mut mocks = Mocks::new();
    open_room(&mut mocks);
    mocks
        .messages
        .expect_append()
        .withf(|m| {
            m.body.as_str().is_empty()
                && m.attachments
                    == [
                        confab_domain::AttachmentId(7),
                        confab_domain::AttachmentId(8),
                    ]
        })
        .times(1)
        .returning(|m| Ok(stored(&m)));
    mocks.broadcaster.expect_publish().returning(|_, _| ());
    let draft = Draft {
        attachment_ids: &[7, 8],
        ..Draft::text("")
    };
    mocks
        .build()
        .send_message(&Caller::new(UserId(2)), ConversationId(1), draft)
        .await
        .unwrap();
}

#[tokio::test]
async fn eleven_files_or_one_named_twice_are_refused_with_the_field_named() {
    for ids in [(1..=11).collect::<Vec<i64>>(), vec![4, 4]] {
        let mut mocks = Mocks::new();
        open_room(&mut mocks);
        mocks.messages.expect_append().never();
        let draft = Draft {
            attachment_ids: &ids,
            ..Draft::text("hi")
        };
        let err = mocks
            .build()
            .send_message(&Caller::new(UserId(2)), ConversationId(1), draft)
            .await;
        assert!(
            matches!(&err, Err(DomainError::Invalid(e)) if e.fields().contains_key("attachment_ids")),
            "{ids:?}: {err:?}"
        );
    }
}

#[tokio::test]
async fn the_people_named_go_to_the_repository_and_their_notifications_go_out() {
    use confab_domain::{Notification, NotificationKind};
    let mut mocks = Mocks::new();
    open_room(&mut mocks);
    mocks
        .messages
        .expect_append()
        .withf(|m| m.mentions.users() == [UserId(3), UserId(4)] && m.mentions.room())
        .times(1)
        .returning(|m| {
            let message = view_of(&m);
            let notifications = [UserId(3), UserId(4)]
                .into_iter()
                .map(|recipient| Notification {
                    recipient,
                    kind: NotificationKind::Mention,
                    conversation_id: m.conversation_id,
                    message: message.clone(),
                })
                .collect();
            Ok(Appended::New {
                message,
                notifications,
                thread: None,
            })
        });
    let mut order = mockall::Sequence::new();
    mocks
        .broadcaster
        .expect_publish()
        .withf(|e, _| matches!(e, RealtimeEvent::MessageSent { .. }))
        .times(1)
        .in_sequence(&mut order)
        .returning(|_, _| ());
    mocks
        .broadcaster
        .expect_publish()
        .withf(|e, _| {
            matches!(e, RealtimeEvent::Notification { notification }
                if notification.kind == NotificationKind::Mention)
        })
        .times(2)
        .in_sequence(&mut order)
        .returning(|_, _| ());
    let draft = Draft {
        mentions: &[3, 4, 3],
        mention_room: true,
        ..Draft::text("@Jane @Bob and everyone")
    };
    mocks
        .build()
        .send_message(&Caller::new(UserId(2)), ConversationId(1), draft)
        .await
        .unwrap();
}

#[tokio::test]
async fn fifty_one_people_named_are_refused_on_mentions() {
    let mut mocks = Mocks::new();
    open_room(&mut mocks);
    mocks.messages.expect_append().never();
    let ids: Vec<i64> = (1..=51).collect();
    let draft = Draft {
        mentions: &ids,
        ..Draft::text("hi")
    };
    let err = mocks
        .build()
        .send_message(&Caller::new(UserId(2)), ConversationId(1), draft)
        .await;
    assert!(
        matches!(&err, Err(DomainError::Invalid(e)) if e.fields().contains_key("mentions")),
        "{err:?}"
    );
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
        .send_message(
            &Caller::new(UserId(2)),
            ConversationId(1),
            Draft::text("hi"),
        )
        .await;
    assert_eq!(
        err.unwrap_err(),
        DomainError::RateLimited {
            retry_after_secs: 42
        }
    );
}
