//! The scenario's part about being alerted, through the generated client: Carol hears only
//! mentions in the room, Alice names her (her list, counts and feed say so), then a thread under
//! Alice's message that Bob replies in and Alice follows, reads and stops following.

use confab_client::Client;
use confab_client::types::{ConversationDto, SendMessageBody};

/// A message of just `body` (the scenario's sends, too).
pub fn text(body: &str) -> SendMessageBody {
    SendMessageBody {
        body: body.parse().unwrap(),
        client_id: None,
        reply_to: None,
        attachment_ids: Default::default(),
        mentions: Default::default(),
        mention_room: Default::default(),
        thread_id: Default::default(),
        also_in_room: Default::default(),
    }
}

/// Alice, Bob and Carol are in `room`; everything read here is left read.
pub async fn mentions_and_threads(
    alice: &Client,
    bob: &Client,
    carol: &Client,
    room: i64,
    carol_id: i64,
) {
    let view_of =
        |list: Vec<ConversationDto>| list.into_iter().find(|c| c.id == room).expect("the room");
    // Carol hears only mentions in the room; Alice names her; her list and feed say so.
    let settings = carol
        .set_notifications(
            room,
            &confab_client::types::NotificationSettingsBody {
                level: confab_client::types::NotificationSettingsBodyLevel::Mentions,
                muted_until: None,
            },
        )
        .await
        .unwrap()
        .into_inner()
        .data;
    assert_eq!(
        settings.level,
        confab_client::types::NotificationLevelDto::Mentions
    );
    let naming_carol = SendMessageBody {
        mentions: Some(vec![carol_id]),
        ..text("@Carol, a look?")
    };
    let named = alice.send_message(room, None, &naming_carol).await.unwrap();
    let named = named.into_inner().data;
    assert_eq!(
        named.mentions.iter().map(|u| u.id).collect::<Vec<_>>(),
        [carol_id]
    );
    let carols = view_of(
        carol
            .list_conversations(Some(false))
            .await
            .unwrap()
            .into_inner()
            .data,
    );
    assert_eq!((carols.unread_count, carols.unread_mentions), (1, 1));
    let feed = carol.list_mentions(None, None).await.unwrap().into_inner();
    assert_eq!(
        feed.data.iter().map(|m| m.id).collect::<Vec<_>>(),
        [named.id]
    );
    assert!(!feed.meta.has_more);
    carol.mark_read(room).await.unwrap();

    // A thread under Alice's message: Bob replies, Alice (its author) follows it and reads it.
    let in_thread = SendMessageBody {
        thread_id: Some(named.id),
        ..text("On it")
    };
    let reply = bob.send_message(room, None, &in_thread).await.unwrap();
    let reply = reply.into_inner().data;
    assert_eq!(reply.thread_id, Some(named.id));
    let thread = alice
        .get_thread(room, named.id, None, None, None)
        .await
        .unwrap()
        .into_inner();
    let confab_client::types::MessageDtoThread::Variant0(summary) = &thread.root.thread else {
        panic!("the root carries its thread: {:?}", thread.root.thread)
    };
    assert_eq!(summary.reply_count, 1);
    assert_eq!(
        thread.data.iter().map(|m| m.id).collect::<Vec<_>>(),
        [reply.id]
    );
    let mine = alice.list_threads(None, None).await.unwrap().into_inner();
    assert_eq!(
        (mine.data[0].root.id, mine.data[0].unread_count),
        (named.id, 1)
    );
    alice.mark_thread_read(room, named.id).await.unwrap();
    alice.unfollow_thread(room, named.id).await.unwrap();
    let none = alice.list_threads(None, None).await.unwrap().into_inner();
    assert!(none.data.is_empty(), "no longer followed");
    bob.mark_read(room).await.unwrap();
}
