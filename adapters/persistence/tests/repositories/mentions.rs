//! Mentions, `unread_mentions` and the mention feed, as stored (notification settings and the
//! notifications a send decides are in `notifications`).

use std::sync::atomic::Ordering;

use confab_domain::ports::{ConversationRepository, MessageRepository};
use confab_domain::{
    Appended, Conversation, DomainError, Mentions, MessageBody, MessageId, MessageView, NewMessage,
    NotificationKind, User, UserId,
};

use crate::helpers::{TestContext, at};

pub(crate) fn naming(
    room: &Conversation,
    sender: &User,
    body: &str,
    named: &[&User],
    room_call: bool,
) -> NewMessage {
    let ids: Vec<i64> = named.iter().map(|user| user.id.get()).collect();
    NewMessage {
        conversation_id: room.id,
        sender: sender.id,
        body: MessageBody::parse(body).unwrap(),
        created_at: at(10),
        client_id: None,
        reply_to: None,
        attachments: Vec::new(),
        mentions: Mentions::parse(&ids, room_call).unwrap(),
        thread_id: None,
        also_in_room: false,
    }
}

/// The stored message and whom it alerted.
pub(crate) async fn send(
    ctx: &TestContext,
    message: NewMessage,
) -> (MessageView, Vec<(UserId, NotificationKind)>) {
    match ctx.messages.append(message).await.unwrap() {
        Appended::New {
            message,
            notifications,
            ..
        } => {
            let alerted = notifications
                .iter()
                .map(|n| {
                    assert_eq!(n.message.message.id, message.message.id);
                    (n.recipient, n.kind)
                })
                .collect();
            (message, alerted)
        }
        Appended::Repeat(_) => panic!("not a repeat"),
    }
}

pub(crate) async fn unread_mentions(ctx: &TestContext, room: &Conversation, user: &User) -> u64 {
    ctx.conversations
        .overview(room.id, user.id)
        .await
        .unwrap()
        .expect("in the room")
        .unread_mentions
}

async fn read_all(ctx: &TestContext, room: &Conversation, user: &User) {
    let newest = ctx.messages.newest(room.id).await.unwrap().unwrap();
    ctx.conversations
        .mark_read(room.id, user.id, newest.seq)
        .await
        .unwrap();
}

async fn feed(
    ctx: &TestContext,
    user: &User,
    before: Option<MessageId>,
    limit: u64,
) -> (Vec<String>, bool) {
    let slice = ctx
        .messages
        .mentions_of(user.id, before, limit)
        .await
        .unwrap();
    let bodies = slice.items.iter().map(|m| m.message.body.clone()).collect();
    (bodies, slice.has_more)
}

async fn people_named_are_shown_counted_and_alerted_until_they_read(ctx: TestContext) {
    let (ann, bob, cid) = (
        ctx.user("Ann").await,
        ctx.user("Bob").await,
        ctx.user("Cid").await,
    );
    let room = ctx.group(&ann, &[&bob, &cid], "Room", 1).await;
    let (sent, alerted) = send(&ctx, naming(&room, &ann, "@Bob @Ann", &[&bob, &ann], false)).await;
    let names: Vec<&str> = sent.mentions.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["Bob", "Ann"], "in the order named, the sender too");
    assert!(!sent.message.mention_room);
    assert_eq!(
        alerted,
        [(bob.id, NotificationKind::Mention)],
        "never the sender"
    );
    let stored = ctx
        .messages
        .find(room.id, sent.message.id, cid.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.mentions, sent.mentions, "read back as sent");
    assert_eq!(
        (
            unread_mentions(&ctx, &room, &bob).await,
            unread_mentions(&ctx, &room, &cid).await
        ),
        (1, 0)
    );

    let (called, alerted) = send(&ctx, naming(&room, &cid, "everyone", &[], true)).await;
    assert!(called.message.mention_room);
    let mut alerted = alerted;
    alerted.sort_by_key(|(user, _)| *user);
    assert_eq!(
        alerted,
        [
            (ann.id, NotificationKind::RoomMention),
            (bob.id, NotificationKind::RoomMention)
        ]
    );
    assert_eq!(unread_mentions(&ctx, &room, &bob).await, 2);
    assert_eq!(
        unread_mentions(&ctx, &room, &ann).await,
        1,
        "the room call, not her own"
    );
    assert_eq!(unread_mentions(&ctx, &room, &cid).await, 0);
    let overview = ctx
        .conversations
        .overview(room.id, bob.id)
        .await
        .unwrap()
        .unwrap();
    let last = overview.last_message.expect("a newest message");
    assert!(
        last.message.mention_room,
        "the list's newest message says so too"
    );

    read_all(&ctx, &room, &bob).await;
    assert_eq!(unread_mentions(&ctx, &room, &bob).await, 0);
    ctx.send(&room, &ann, "my own message reads the room", 11)
        .await;
    assert_eq!(unread_mentions(&ctx, &room, &ann).await, 0);
    send(&ctx, naming(&room, &cid, "@Ann again", &[&ann], false)).await;
    assert_eq!(
        unread_mentions(&ctx, &room, &ann).await,
        1,
        "counting starts again"
    );
}

async fn naming_someone_outside_the_room_refuses_the_send_and_stores_nothing(ctx: TestContext) {
    let (ann, bob, dan) = (
        ctx.user("Ann").await,
        ctx.user("Bob").await,
        ctx.user("Dan").await,
    );
    let room = ctx.group(&ann, &[&bob], "Room", 1).await;
    let refused = ctx
        .messages
        .append(naming(&room, &ann, "@Dan", &[&bob, &dan], false))
        .await;
    assert!(
        matches!(&refused, Err(DomainError::Invalid(e)) if e.fields()["mentions"][0].contains(&dan.id.to_string())),
        "{refused:?}"
    );
    assert!(ctx.messages.newest(room.id).await.unwrap().is_none());
    assert_eq!(unread_mentions(&ctx, &room, &bob).await, 0);

    // Someone who left is no longer someone to name.
    let b = bob.id;
    ctx.change(&room, move |room| room.leave(b)).await;
    let refused = ctx
        .messages
        .append(naming(&room, &ann, "@Bob", &[&bob], false))
        .await;
    assert!(
        matches!(refused, Err(DomainError::Invalid(_))),
        "{refused:?}"
    );
}

async fn edits_and_deletions_move_the_counts_and_alert_nobody(ctx: TestContext) {
    let (ann, bob, cid) = (
        ctx.user("Ann").await,
        ctx.user("Bob").await,
        ctx.user("Cid").await,
    );
    let room = ctx.group(&ann, &[&bob, &cid], "Room", 1).await;
    let (sent, _) = send(&ctx, naming(&room, &ann, "@Bob", &[&bob], false)).await;
    let change = ctx
        .messages
        .edit(
            sent.message.id,
            &MessageBody::parse("@Cid").unwrap(),
            Some(Mentions::parse(&[cid.id.get()], false).unwrap()),
            at(12),
        )
        .await
        .unwrap();
    let edited = change.into_message().unwrap();
    assert_eq!(
        edited.mentions.iter().map(|m| m.id).collect::<Vec<_>>(),
        [cid.id]
    );
    assert_eq!(
        (
            unread_mentions(&ctx, &room, &bob).await,
            unread_mentions(&ctx, &room, &cid).await
        ),
        (0, 1)
    );
    assert_eq!(feed(&ctx, &bob, None, 10).await.0, Vec::<String>::new());
    assert_eq!(feed(&ctx, &cid, None, 10).await.0, ["@Cid"]);

    // An edit without mentions keeps whom it names.
    ctx.messages
        .edit(
            sent.message.id,
            &MessageBody::parse("@Cid!").unwrap(),
            None,
            at(13),
        )
        .await
        .unwrap();
    assert_eq!(unread_mentions(&ctx, &room, &cid).await, 1);

    // Read, then named by an edit: a message already read adds nothing.
    read_all(&ctx, &room, &bob).await;
    ctx.messages
        .edit(
            sent.message.id,
            &MessageBody::parse("@Bob @Cid").unwrap(),
            Some(Mentions::parse(&[bob.id.get(), cid.id.get()], false).unwrap()),
            at(14),
        )
        .await
        .unwrap();
    assert_eq!(unread_mentions(&ctx, &room, &bob).await, 0);
    assert_eq!(
        feed(&ctx, &bob, None, 10).await.0,
        ["@Bob @Cid"],
        "in the feed though"
    );

    ctx.messages
        .delete(sent.message.id, at(15), None)
        .await
        .unwrap();
    assert_eq!(
        unread_mentions(&ctx, &room, &cid).await,
        0,
        "a tombstone names nobody"
    );
    assert_eq!(feed(&ctx, &cid, None, 10).await.0, Vec::<String>::new());
    let tombstone = ctx
        .messages
        .find(room.id, sent.message.id, ann.id)
        .await
        .unwrap()
        .unwrap();
    assert!(tombstone.mentions.is_empty() && !tombstone.message.mention_room);
}

async fn the_feed_is_newest_first_across_rooms_and_forgets_a_room_left(ctx: TestContext) {
    let (ann, bob) = (ctx.user("Ann").await, ctx.user("Bob").await);
    let one = ctx.group(&ann, &[&bob], "One", 1).await;
    let two = ctx.group(&ann, &[&bob], "Two", 2).await;
    send(&ctx, naming(&one, &ann, "first", &[&bob], false)).await;
    ctx.send(&one, &ann, "not a mention", 11).await;
    send(&ctx, naming(&two, &ann, "second", &[], true)).await;
    let (third, _) = send(&ctx, naming(&one, &ann, "third", &[&bob], true)).await;
    assert_eq!(
        feed(&ctx, &bob, None, 10).await,
        (vec!["third".into(), "second".into(), "first".into()], false)
    );
    assert_eq!(
        feed(&ctx, &bob, None, 2).await,
        (vec!["third".into(), "second".into()], true)
    );
    assert_eq!(
        feed(&ctx, &bob, Some(third.message.id), 1).await,
        (vec!["second".into()], true)
    );
    assert_eq!(
        feed(&ctx, &ann, None, 10).await.0,
        Vec::<String>::new(),
        "not her own"
    );

    let b = bob.id;
    ctx.change(&two, move |room| room.leave(b)).await;
    assert_eq!(feed(&ctx, &bob, None, 10).await.0, ["third", "first"]);
}

async fn a_send_naming_five_people_costs_one_statement_more(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let mut others = Vec::new();
    for name in ["Bob", "Cid", "Dan", "Eve", "Fay"] {
        others.push(ctx.user(name).await);
    }
    let refs: Vec<&User> = others.iter().collect();
    let room = ctx.group(&ann, &refs, "Room", 1).await;
    let (db, count) = ctx.counted_db();
    let messages = confab_persistence::SeaMessageRepository::new(db);
    let take = || count.swap(0, Ordering::SeqCst);
    // Twice: the first send of a new repository also looks its author's name up.
    for _ in 0..2 {
        take();
        messages
            .append(naming(&room, &ann, "plain", &[], false))
            .await
            .unwrap();
    }
    let plain = take();
    messages
        .append(naming(&room, &ann, "@all five", &refs, false))
        .await
        .unwrap();
    assert_eq!(take(), plain + 1, "the mention rows, in one statement");
    let (page, read) = (
        messages.mentions_of(others[0].id, None, 20).await.unwrap(),
        take(),
    );
    assert_eq!(
        (page.items.len(), read),
        (1, 5),
        "the page, its reactions, files, names and the reader's blocks of its authors"
    );
}

each_backend!(
    people_named_are_shown_counted_and_alerted_until_they_read,
    naming_someone_outside_the_room_refuses_the_send_and_stores_nothing,
    edits_and_deletions_move_the_counts_and_alert_nobody,
    the_feed_is_newest_first_across_rooms_and_forgets_a_room_left,
    a_send_naming_five_people_costs_one_statement_more,
);
