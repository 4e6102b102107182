//! Threads as stored: replies out of the room's timeline (unless also in it), the root's summary,
//! paging a thread, following, per-thread unread counts and the `thread_reply` notifications.

use std::sync::atomic::Ordering;

use confab_domain::ThreadRead;
use confab_domain::ports::{ConversationRepository, MessageRepository};
use confab_domain::{
    Appended, Conversation, Cursor, Direction, DomainError, MessageBody, MessageId, MessageView,
    NewMessage, NotificationKind, PageRequest, ThreadSummary, User, UserId,
};

use crate::helpers::{TestContext, at};

fn reply(
    room: &Conversation,
    sender: &User,
    body: &str,
    root: MessageId,
    also: bool,
) -> NewMessage {
    NewMessage {
        conversation_id: room.id,
        sender: sender.id,
        body: MessageBody::parse(body).unwrap(),
        created_at: at(20),
        client_id: None,
        reply_to: None,
        attachments: Vec::new(),
        mentions: confab_domain::Mentions::none(),
        thread_id: Some(root),
        also_in_room: also,
    }
}

/// The stored reply, the root's summary after it, and whom it alerted (and why).
async fn send(
    ctx: &TestContext,
    message: NewMessage,
) -> (MessageView, ThreadSummary, Vec<(UserId, NotificationKind)>) {
    match ctx.messages.append(message).await.unwrap() {
        Appended::New {
            message,
            notifications,
            thread,
        } => {
            let mut alerted: Vec<_> = notifications
                .iter()
                .map(|n| (n.recipient, n.kind))
                .collect();
            alerted.sort_by_key(|(user, _)| *user);
            (message, thread.expect("a reply moves its thread"), alerted)
        }
        Appended::Repeat(_) => panic!("not a repeat"),
    }
}

fn newest(limit: u64) -> ThreadRead {
    ThreadRead { from: None, limit }
}

async fn a_reply_stays_out_of_the_timeline_unless_also_in_room(ctx: TestContext) {
    let (ann, bob, cid) = (
        ctx.user("Ann").await,
        ctx.user("Bob").await,
        ctx.user("Cid").await,
    );
    let room = ctx.group(&ann, &[&bob, &cid], "Room", 1).await;
    let root = ctx.send(&room, &ann, "Plans for Friday?", 2).await;
    let (aside, summary, _) =
        send(&ctx, reply(&room, &bob, "I'm in", root.message.id, false)).await;
    assert_eq!(aside.message.thread_id, Some(root.message.id));
    assert_eq!(aside.message.seq, 0, "no place in the timeline");
    assert_eq!(
        (summary.reply_count, summary.last_reply_id),
        (1, aside.message.id)
    );
    let (shared, summary, _) = send(
        &ctx,
        reply(&room, &cid, "Me too, everyone!", root.message.id, true),
    )
    .await;
    assert!(
        shared.message.seq > root.message.seq,
        "also in the room's timeline"
    );
    assert_eq!(summary.reply_count, 2);
    let names: Vec<&str> = summary
        .participants
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names, ["Cid", "Bob"], "latest first");

    let page = ctx
        .messages
        .list(room.id, PageRequest::default(), ann.id)
        .await
        .unwrap();
    let bodies: Vec<&str> = page.items.iter().map(|m| m.message.body.as_str()).collect();
    assert_eq!(bodies, ["Me too, everyone!", "Plans for Friday?"]);
    assert_eq!(page.total, 2);
    let stored_root = &page.items[1];
    assert_eq!(
        stored_root.thread.as_ref(),
        Some(&summary),
        "the root carries its summary"
    );
    let overview = ctx
        .conversations
        .overview(room.id, ann.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        overview.unread_count, 1,
        "only the reply that is also in the room"
    );
    assert_eq!(overview.last_message.unwrap().message.id, shared.message.id);
    let before = Cursor {
        from: shared.message.id,
        direction: Direction::Before,
        limit: 10,
    };
    let older = ctx
        .messages
        .slice(room.id, before, ann.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        older.items.len(),
        1,
        "cursors skip replies only in their thread"
    );
    let at_aside = Cursor {
        from: aside.message.id,
        ..before
    };
    assert!(
        ctx.messages
            .slice(room.id, at_aside, ann.id)
            .await
            .unwrap()
            .is_none()
    );
    let bobs = ctx
        .conversations
        .overview(room.id, bob.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        bobs.unread_count, 2,
        "a reply in a thread does not read the room"
    );

    let thread = ctx
        .messages
        .thread(room.id, root.message.id, newest(1), ann.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(thread.root.message.id, root.message.id);
    assert_eq!(thread.replies.items[0].message.id, shared.message.id);
    assert!(thread.replies.has_more);
    let after = ThreadRead {
        from: Some((aside.message.id, Direction::After)),
        limit: 5,
    };
    let later = ctx
        .messages
        .thread(room.id, root.message.id, after, ann.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(later.replies.items.len(), 1);
    assert!(!later.replies.has_more);
    assert!(
        ctx.messages
            .thread(room.id, aside.message.id, newest(5), ann.id)
            .await
            .unwrap()
            .is_none()
    );
}

async fn a_thread_hangs_from_a_live_message_of_the_room_outside_any_thread(ctx: TestContext) {
    let (ann, bob) = (ctx.user("Ann").await, ctx.user("Bob").await);
    let room = ctx.group(&ann, &[&bob], "Room", 1).await;
    let other = ctx.group(&bob, &[], "Other", 1).await;
    let root = ctx.send(&room, &ann, "root", 2).await;
    let elsewhere = ctx.send(&other, &bob, "elsewhere", 2).await;
    let (inner, _, _) = send(&ctx, reply(&room, &bob, "inner", root.message.id, false)).await;
    let gone = ctx.send(&room, &ann, "gone", 3).await;
    ctx.messages
        .delete(gone.message.id, at(4), None)
        .await
        .unwrap();
    for (target, says) in [
        (inner.message.id, "reply in its thread"),
        (gone.message.id, "deleted"),
        (elsewhere.message.id, "not a message of this conversation"),
        (MessageId(999_999), "not a message of this conversation"),
    ] {
        let refused = ctx
            .messages
            .append(reply(&room, &bob, "no", target, false))
            .await;
        assert!(
            matches!(&refused, Err(DomainError::Invalid(e)) if e.fields()["thread_id"][0].contains(says)),
            "{target}: {refused:?}"
        );
    }
    let thread = ctx
        .messages
        .thread(room.id, root.message.id, newest(10), ann.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(thread.replies.items.len(), 1, "nothing refused was stored");
}

async fn followers_are_alerted_and_count_what_they_have_not_read(ctx: TestContext) {
    let (ann, bob, cid) = (
        ctx.user("Ann").await,
        ctx.user("Bob").await,
        ctx.user("Cid").await,
    );
    let room = ctx.group(&ann, &[&bob, &cid], "Room", 1).await;
    let root = ctx.send(&room, &ann, "root", 2).await;
    let id = root.message.id;
    let (_, _, alerted) = send(&ctx, reply(&room, &bob, "one", id, false)).await;
    assert_eq!(
        alerted,
        [(ann.id, NotificationKind::ThreadReply)],
        "the root's author follows"
    );
    let (_, _, alerted) = send(&ctx, reply(&room, &cid, "two", id, false)).await;
    assert_eq!(
        alerted,
        [
            (ann.id, NotificationKind::ThreadReply),
            (bob.id, NotificationKind::ThreadReply)
        ]
    );
    let threads = ctx.messages.threads_of(ann.id, None, 10).await.unwrap();
    assert_eq!(threads.items.len(), 1);
    assert_eq!(
        (
            threads.items[0].root.message.id,
            threads.items[0].unread_count
        ),
        (id, 2)
    );
    let bobs = ctx.messages.threads_of(bob.id, None, 10).await.unwrap();
    assert_eq!(
        bobs.items[0].unread_count, 1,
        "his own reply read the thread up to it"
    );
    ctx.messages.mark_thread_read(id, ann.id).await.unwrap();
    assert_eq!(
        ctx.messages
            .threads_of(ann.id, None, 10)
            .await
            .unwrap()
            .items[0]
            .unread_count,
        0
    );

    // Ann stops following: the next reply alerts the others, and her list forgets the thread.
    ctx.messages
        .follow_thread(room.id, id, ann.id, false)
        .await
        .unwrap();
    let (_, _, alerted) = send(&ctx, reply(&room, &bob, "three", id, false)).await;
    assert_eq!(alerted, [(cid.id, NotificationKind::ThreadReply)]);
    assert!(
        ctx.messages
            .threads_of(ann.id, None, 10)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    ctx.messages
        .follow_thread(room.id, id, ann.id, true)
        .await
        .unwrap();
    let again = ctx.messages.threads_of(ann.id, None, 10).await.unwrap();
    assert_eq!(
        again.items[0].unread_count, 0,
        "following starts with nothing unread"
    );

    // The list is most recently active first, paged by `last_reply_id`.
    let second = ctx.send(&room, &cid, "another root", 30).await;
    let (late, _, _) = send(&ctx, reply(&room, &ann, "late", second.message.id, false)).await;
    let list = ctx.messages.threads_of(ann.id, None, 1).await.unwrap();
    assert_eq!(
        (list.items[0].root.message.id, list.has_more),
        (second.message.id, true)
    );
    let rest = ctx
        .messages
        .threads_of(ann.id, Some(late.message.id), 5)
        .await
        .unwrap();
    assert_eq!(rest.items[0].root.message.id, id);

    // Leaving the room forgets its threads.
    let c = cid.id;
    ctx.change(&room, move |room| room.leave(c)).await;
    assert!(
        ctx.messages
            .threads_of(cid.id, None, 10)
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

async fn a_thread_reply_costs_a_fixed_number_of_statements(ctx: TestContext) {
    let (ann, bob) = (ctx.user("Ann").await, ctx.user("Bob").await);
    let room = ctx.group(&ann, &[&bob], "Room", 1).await;
    let root = ctx.send(&room, &ann, "root", 2).await;
    let (db, count) = ctx.counted_db();
    let messages = confab_persistence::SeaMessageRepository::new(db);
    let take = || count.swap(0, Ordering::SeqCst);
    for body in ["warm", "plain"] {
        take();
        messages
            .append(reply(&room, &bob, body, root.message.id, false))
            .await
            .unwrap();
    }
    let first = take();
    for n in 0..20 {
        messages
            .append(reply(
                &room,
                &bob,
                &format!("reply {n}"),
                root.message.id,
                false,
            ))
            .await
            .unwrap();
        assert_eq!(take(), first, "the same statements for the {n}th reply");
    }
    let plain = NewMessage {
        thread_id: None,
        ..reply(&room, &bob, "in the room", root.message.id, false)
    };
    messages.append(plain).await.unwrap();
    let in_room = take();
    // One more than a message of the room — its root, read with the messages replied to — and
    // one less: a reply only in its thread moves no read position in the room. The root's
    // summary and the follows are the trigger's (migration 13).
    assert_eq!(
        first, in_room,
        "{first} for a reply, {in_room} for a message"
    );
    // Naming people in a reply adds their mention rows, in one statement.
    let naming = NewMessage {
        mentions: confab_domain::Mentions::parse(&[ann.id.get()], false).unwrap(),
        ..reply(&room, &bob, "@Ann, here", root.message.id, false)
    };
    messages.append(naming).await.unwrap();
    assert_eq!(
        take(),
        in_room + 1,
        "a reply naming someone: one statement more"
    );
}

each_backend!(
    a_reply_stays_out_of_the_timeline_unless_also_in_room,
    a_thread_hangs_from_a_live_message_of_the_room_outside_any_thread,
    followers_are_alerted_and_count_what_they_have_not_read,
    a_thread_reply_costs_a_fixed_number_of_statements,
);
