//! History at any size: per-room sequence numbers, pages and cursors as seeks, read positions as
//! arithmetic — and the statements each read costs, the same for a short history and a long one.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use confab_domain::ports::{ConversationRepository, MessageRepository};
use confab_domain::{Cursor, Direction, MessageId, MessageView, PageRequest, Slice, UserId};
use confab_persistence::SeaMessageRepository;

use crate::helpers::{TestContext, at};

fn ids(views: &[MessageView]) -> Vec<i64> {
    views.iter().map(|v| v.message.id.get()).collect()
}

fn cursor(from: &MessageView, direction: Direction, limit: u64) -> Cursor {
    Cursor {
        from: from.message.id,
        direction,
        limit,
    }
}

async fn each_room_numbers_its_messages_from_one_without_gaps(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let a = ctx.group(&ann, &[], "A", 1).await;
    let b = ctx.group(&ann, &[], "B", 1).await;
    let mut seqs = (Vec::new(), Vec::new());
    for i in 0..6 {
        seqs.0
            .push(ctx.send(&a, &ann, "a", 2 + i).await.message.seq);
        if i % 2 == 0 {
            seqs.1
                .push(ctx.send(&b, &ann, "b", 2 + i).await.message.seq);
        }
    }
    assert_eq!(seqs.0, vec![1, 2, 3, 4, 5, 6]);
    assert_eq!(seqs.1, vec![1, 2, 3]);
}

async fn concurrent_sends_to_one_room_are_numbered_densely_in_id_order(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let room = ctx.group(&ann, &[&bob], "Room", 1).await;
    let mut tasks = Vec::new();
    for i in 0..24 {
        let ctx = ctx.clone();
        let (room, sender) = (
            room.clone(),
            if i % 2 == 0 { ann.clone() } else { bob.clone() },
        );
        tasks.push(tokio::spawn(async move {
            ctx.send(&room, &sender, &format!("m{i}"), 2).await
        }));
    }
    let mut sent: Vec<MessageView> = Vec::new();
    for task in tasks {
        sent.push(task.await.unwrap());
    }
    sent.sort_by_key(|v| v.message.id);
    let seqs: Vec<u64> = sent.iter().map(|v| v.message.seq).collect();
    assert_eq!(seqs, (1..=24).collect::<Vec<u64>>());
    let page = ctx
        .messages
        .list(
            room.id,
            PageRequest::parse(None, Some(100)).unwrap(),
            UserId(0),
        )
        .await
        .unwrap();
    assert_eq!(page.total, 24);
    let mut newest_first = ids(&sent);
    newest_first.reverse();
    assert_eq!(ids(&page.items), newest_first);
}

async fn pages_cover_the_whole_history_newest_first(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let room = ctx.group(&ann, &[], "Room", 1).await;
    let mut sent = Vec::new();
    for i in 0..23 {
        sent.push(ctx.send(&room, &ann, &format!("m{i}"), 2 + i).await);
    }
    sent.reverse();
    let mut read = Vec::new();
    for n in 1..=5 {
        let page = ctx
            .messages
            .list(
                room.id,
                PageRequest::parse(Some(n), Some(5)).unwrap(),
                UserId(0),
            )
            .await
            .unwrap();
        assert_eq!((page.total, page.last_page()), (23, 5));
        read.extend(page.items);
    }
    assert_eq!(read, sent);
    let past = PageRequest::parse(Some(6), Some(5)).unwrap();
    assert!(
        ctx.messages
            .list(room.id, past, UserId(0))
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

async fn cursors_read_either_side_of_a_message(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let room = ctx.group(&ann, &[&bob], "Room", 1).await;
    let elsewhere = ctx.group(&bob, &[], "Elsewhere", 1).await;
    let mut sent = Vec::new();
    for i in 0..10 {
        sent.push(
            ctx.send(
                &room,
                if i % 3 == 0 { &bob } else { &ann },
                &format!("m{i}"),
                2 + i,
            )
            .await,
        );
        ctx.send(&elsewhere, &bob, "noise", 2 + i).await;
    }
    let slice = |from: usize, direction, limit| {
        let cursor = cursor(&sent[from], direction, limit);
        let messages = ctx.messages.clone();
        let room = room.id;
        async move {
            messages
                .slice(room, cursor, UserId(0))
                .await
                .unwrap()
                .unwrap()
        }
    };
    let older: Slice<MessageView> = slice(5, Direction::Before, 3).await;
    assert_eq!(
        ids(&older.items),
        ids(&[sent[4].clone(), sent[3].clone(), sent[2].clone()])
    );
    assert!(older.has_more);
    let oldest = slice(1, Direction::Before, 3).await;
    assert_eq!(
        (ids(&oldest.items), oldest.has_more),
        (ids(&sent[..1]), false)
    );
    let newer = slice(5, Direction::After, 3).await;
    assert_eq!(
        (ids(&newer.items), newer.has_more),
        (ids(&sent[6..9]), true)
    );
    let rest = slice(8, Direction::After, 3).await;
    assert_eq!((ids(&rest.items), rest.has_more), (ids(&sent[9..]), false));
    let nothing = slice(9, Direction::After, 100).await;
    assert!(nothing.items.is_empty() && !nothing.has_more);
    assert_eq!(newer.items[0], sent[6], "with the author, as every read");
}

async fn a_cursor_from_another_room_reads_nothing(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let room = ctx.group(&ann, &[], "Room", 1).await;
    let other = ctx.group(&ann, &[], "Other", 1).await;
    ctx.send(&room, &ann, "here", 2).await;
    let foreign = ctx.send(&other, &ann, "there", 3).await;
    for direction in [Direction::Before, Direction::After] {
        let read = ctx
            .messages
            .slice(room.id, cursor(&foreign, direction, 10), UserId(0))
            .await
            .unwrap();
        assert!(read.is_none(), "{direction:?}");
    }
    let missing = Cursor::after(MessageId(9_999_999), 10);
    assert!(
        ctx.messages
            .slice(room.id, missing, UserId(0))
            .await
            .unwrap()
            .is_none()
    );
}

async fn newest_is_the_last_message_sent(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let room = ctx.group(&ann, &[], "Room", 1).await;
    assert_eq!(ctx.messages.newest(room.id).await.unwrap(), None);
    ctx.send(&room, &ann, "one", 2).await;
    let last = ctx.send(&room, &ann, "two", 3).await;
    assert_eq!(
        ctx.messages.newest(room.id).await.unwrap(),
        Some(last.message)
    );
}

async fn a_member_invited_back_does_not_count_their_own_earlier_messages(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let room = ctx.group(&ann, &[&bob], "Room", 1).await;
    let mut sent = vec![
        ctx.send(&room, &bob, "b1", 2).await.message,
        ctx.send(&room, &ann, "a1", 3).await.message,
        ctx.send(&room, &bob, "b2", 4).await.message,
    ];
    let (a, b) = (ann.id, bob.id);
    ctx.change(&room, move |c| c.leave(b)).await;
    sent.push(ctx.send(&room, &ann, "a2", 5).await.message);
    ctx.change(&room, move |c| c.invite(a, &[b])).await;
    sent.push(ctx.send(&room, &ann, "a3", 6).await.message);

    let unread = || async {
        ctx.conversations
            .overview(room.id, bob.id)
            .await
            .unwrap()
            .unwrap()
            .unread_count
    };
    let bob_now = ctx.reload(&room).await.participant(bob.id).unwrap().clone();
    let expected = sent.iter().filter(|m| bob_now.has_not_read(m)).count() as u64;
    assert_eq!(expected, 3, "Ann's three messages, none of Bob's own");
    assert_eq!(unread().await, expected);
    ctx.conversations
        .mark_read(room.id, bob.id, sent.last().unwrap().seq)
        .await
        .unwrap();
    assert_eq!(unread().await, 0);
    ctx.send(&room, &ann, "a4", 7).await;
    assert_eq!(unread().await, 1);
}

/// A message repository whose connection counts the statements it runs.
fn counting(ctx: &TestContext) -> (SeaMessageRepository, Arc<AtomicUsize>) {
    let (db, count) = ctx.counted_db();
    (SeaMessageRepository::new(db), count)
}

/// Statements of a send (a batch of one) as SeaORM's metric callback reports them (begin and
/// commit are not among them): locking the room and reading its state (two on SQLite, whose lock
/// is a no-op `UPDATE`), the membership check, the room's counters, the insert, the read
/// position, and the author's name (a fresh repository has not cached it yet). A batch of many
/// sends costs the same statements.
/// A lone send's statements; its author's name comes with the membership check (never from a
/// node's memory, which a rename elsewhere would make wrong).
fn send_statements(ctx: &TestContext) -> usize {
    match ctx.db.get_database_backend() {
        sea_orm::DbBackend::Sqlite => 6,
        _ => 5,
    }
}

/// Statements per operation, in a fixed order: first page, last page, before, after, newest,
/// send, the conversation's overview and the list.
async fn statements_per_read(
    ctx: &TestContext,
    room: &confab_domain::Conversation,
    viewer: &confab_domain::User,
    middle: &MessageView,
) -> Vec<usize> {
    let (messages, count) = counting(ctx);
    let (conversations, listed) = crate::overviews::counting(ctx);
    let mut counts = Vec::new();
    let mut measure = |n: &AtomicUsize| counts.push(n.swap(0, Ordering::SeqCst));
    count.store(0, Ordering::SeqCst);
    let page = |n| PageRequest::parse(Some(n), Some(50)).unwrap();
    messages.list(room.id, page(1), UserId(0)).await.unwrap();
    measure(&count);
    let total = messages
        .list(room.id, page(1), UserId(0))
        .await
        .unwrap()
        .last_page();
    count.store(0, Ordering::SeqCst);
    let last = messages
        .list(room.id, page(total as i64), UserId(0))
        .await
        .unwrap();
    assert!(!last.items.is_empty());
    measure(&count);
    for direction in [Direction::Before, Direction::After] {
        messages
            .slice(room.id, cursor(middle, direction, 50), UserId(0))
            .await
            .unwrap()
            .unwrap();
        measure(&count);
    }
    messages.newest(room.id).await.unwrap().unwrap();
    measure(&count);
    messages
        .append(confab_domain::NewMessage {
            conversation_id: room.id,
            sender: viewer.id,
            body: confab_domain::MessageBody::parse("one more").unwrap(),
            created_at: at(9_000),
            client_id: None,
            reply_to: None,
            attachments: Vec::new(),
            mentions: confab_domain::Mentions::none(),
            thread_id: None,
            also_in_room: false,
        })
        .await
        .unwrap();
    measure(&count);
    listed.store(0, Ordering::SeqCst);
    conversations
        .overview(room.id, viewer.id)
        .await
        .unwrap()
        .unwrap();
    measure(&listed);
    conversations.list_for(viewer.id).await.unwrap();
    measure(&listed);
    counts
}

async fn every_read_costs_the_same_statements_for_a_short_or_long_history(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let short = ctx.group(&ann, &[&bob], "Short", 1).await;
    let long = ctx.group(&ann, &[&bob], "Long", 1).await;
    let mut middle = (None, None);
    for i in 0..400i64 {
        let sender = if i % 2 == 0 { &ann } else { &bob };
        if i < 60 {
            let sent = ctx.send(&short, sender, "s", i).await;
            if i == 30 {
                middle.0 = Some(sent);
            }
        }
        let sent = ctx.send(&long, sender, "l", i).await;
        if i == 200 {
            middle.1 = Some(sent);
        }
    }
    let few = statements_per_read(&ctx, &short, &bob, middle.0.as_ref().unwrap()).await;
    let many = statements_per_read(&ctx, &long, &bob, middle.1.as_ref().unwrap()).await;
    assert_eq!(few, many, "60 messages vs 400");
    // first page, last page, before, after: the counters or the cursor row, one seek (with the
    // reply previews joined), then the page's reactions in one, its files in one and whether the
    // reader blocks its authors in one; the newest
    // message: one probe; a send: see `send_statements`; an overview and the list: three
    // statements each (the rooms, their members, the newest messages' files).
    assert_eq!(few, vec![5, 5, 5, 5, 1, send_statements(&ctx), 3, 3]);
}

each_backend!(
    each_room_numbers_its_messages_from_one_without_gaps,
    concurrent_sends_to_one_room_are_numbered_densely_in_id_order,
    pages_cover_the_whole_history_newest_first,
    cursors_read_either_side_of_a_message,
    a_cursor_from_another_room_reads_nothing,
    newest_is_the_last_message_sent,
    a_member_invited_back_does_not_count_their_own_earlier_messages,
    every_read_costs_the_same_statements_for_a_short_or_long_history,
);
