//! Messages: appending moves the room's activity and the sender's read position; listing pages.

use confab_domain::ports::MessageRepository;
use confab_domain::{DomainError, MessageBody, NewMessage, PageRequest, UserId};

use crate::helpers::{TestContext, at};

async fn append_returns_the_stored_message_with_its_author(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let room = ctx.group(&ann, &[], "Room", 1).await;
    let sent = ctx.send(&room, &ann, "  hello\n", 2).await;

    assert!(sent.message.id.get() > 0);
    assert_eq!(sent.message.conversation_id, room.id);
    assert_eq!(sent.message.sender, ann.id);
    assert_eq!(sent.message.body, "  hello\n");
    assert_eq!(sent.message.created_at, at(2));
    assert_eq!(sent.author, ann.summary());
}

async fn append_moves_updated_at_and_the_senders_read_position(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let room = ctx.group(&ann, &[&bob], "Room", 1).await;
    let sent = ctx.send(&room, &bob, "hi", 30).await;

    let stored = ctx.reload(&room).await;
    assert_eq!(stored.updated_at, at(30));
    assert_eq!(
        stored.participant(bob.id).unwrap().read.seq,
        sent.message.seq
    );
    assert_eq!(stored.participant(ann.id).unwrap().read.seq, 0);
    assert_eq!(
        stored.version, room.version,
        "a message is not a membership change"
    );
}

async fn a_long_unicode_body_round_trips_exactly(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let room = ctx.group(&ann, &[], "Room", 1).await;
    let body = "é🙂\n".repeat(MessageBody::MAX_CHARS / 3);
    ctx.messages
        .append(NewMessage {
            conversation_id: room.id,
            sender: ann.id,
            body: MessageBody::parse(&body).unwrap(),
            created_at: at(2),
            client_id: None,
            reply_to: None,
            attachments: Vec::new(),
            mentions: confab_domain::Mentions::none(),
            thread_id: None,
            also_in_room: false,
        })
        .await
        .unwrap();
    let page = ctx
        .messages
        .list(room.id, PageRequest::default(), UserId(0))
        .await
        .unwrap();
    assert_eq!(page.items[0].message.body, body);
}

async fn list_pages_newest_first_with_the_total(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let room = ctx.group(&ann, &[&bob], "Room", 1).await;
    let other = ctx.group(&bob, &[], "Elsewhere", 1).await;
    ctx.send(&other, &bob, "not here", 2).await;
    let mut sent = Vec::new();
    for i in 0..5 {
        let sender = if i % 2 == 0 { &ann } else { &bob };
        sent.push(
            ctx.send(&room, sender, &format!("message {i}"), 10 + i)
                .await,
        );
    }
    sent.reverse();

    let first = PageRequest::parse(Some(1), Some(2)).unwrap();
    let last = PageRequest::parse(Some(3), Some(2)).unwrap();
    let page = ctx.messages.list(room.id, first, UserId(0)).await.unwrap();
    assert_eq!(page.items, sent[..2].to_vec());
    assert_eq!((page.total, page.last_page()), (5, 3));
    let page = ctx.messages.list(room.id, last, UserId(0)).await.unwrap();
    assert_eq!(page.items, sent[4..].to_vec());
    assert_eq!(page.items[0].author, ann.summary());
    let far = PageRequest::parse(Some(i64::MAX), Some(100)).unwrap();
    let page = ctx.messages.list(room.id, far, UserId(0)).await.unwrap();
    assert!(page.items.is_empty());
    assert_eq!(page.total, 5);
}

/// The rule is checked again when the message commits: a removal, ban or close that landed after
/// the use case read the room still refuses the send, with the use case's own errors, and leaves
/// no trace (no message, no number taken, no activity).
async fn append_refuses_a_sender_removed_or_banned_or_a_room_closed_since_it_was_read(
    ctx: TestContext,
) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let cid = ctx.user("Cid").await;
    let room = ctx.group(&ann, &[&bob, &cid], "Room", 1).await;
    ctx.send(&room, &ann, "before", 2).await;
    let append = |sender: UserId| {
        let messages = ctx.messages.clone();
        async move {
            messages
                .append(NewMessage {
                    conversation_id: room.id,
                    sender,
                    body: MessageBody::parse("too late").unwrap(),
                    created_at: at(99),
                    client_id: None,
                    reply_to: None,
                    attachments: Vec::new(),
                    mentions: confab_domain::Mentions::none(),
                    thread_id: None,
                    also_in_room: false,
                })
                .await
        }
    };
    let (a, b, c) = (ann.id, bob.id, cid.id);
    ctx.change(&room, move |room| {
        room.remove(a, b)?;
        room.ban(a, c)
    })
    .await;
    assert_eq!(append(bob.id).await, Err(DomainError::ConversationNotFound));
    assert_eq!(append(cid.id).await, Err(DomainError::ConversationNotFound));
    ctx.change(&room, move |room| room.close(a, at(50))).await;
    assert_eq!(append(ann.id).await, Err(DomainError::ClosedRoomCannotPost));
    let stranger = ctx.user("Dee").await;
    assert_eq!(
        append(stranger.id).await,
        Err(DomainError::ConversationNotFound)
    );

    let page = ctx
        .messages
        .list(room.id, PageRequest::default(), UserId(0))
        .await
        .unwrap();
    assert_eq!(page.total, 1, "nothing stored");
    assert_eq!(
        ctx.messages.newest(room.id).await.unwrap().unwrap().seq,
        1,
        "no number taken"
    );
    assert_eq!(
        ctx.reload(&room).await.updated_at,
        at(2),
        "no activity recorded"
    );
    let missing = confab_domain::ConversationId(9_999_999);
    let nowhere = ctx
        .messages
        .append(NewMessage {
            conversation_id: missing,
            sender: ann.id,
            body: MessageBody::parse("x").unwrap(),
            created_at: at(3),
            client_id: None,
            reply_to: None,
            attachments: Vec::new(),
            mentions: confab_domain::Mentions::none(),
            thread_id: None,
            also_in_room: false,
        })
        .await;
    assert_eq!(nowhere, Err(DomainError::ConversationNotFound));
}

/// Concurrent sends share transactions: forty at once cost far fewer statements than forty
/// sends one by one, and within a batch each send gets its own outcome — the outsiders' are
/// refused, everyone else's stored with dense numbers.
async fn concurrent_sends_are_committed_in_batches_each_with_its_own_outcome(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let outsider = ctx.user("Out").await;
    let room = ctx.group(&ann, &[&bob], "Room", 1).await;
    let (db, count) = ctx.counted_db();
    let messages = confab_persistence::SeaMessageRepository::new(db);
    let mut tasks = Vec::new();
    for i in 0..40 {
        let sender = [ann.id, bob.id, outsider.id][i % 3];
        let messages = messages.clone();
        tasks.push(tokio::spawn(async move {
            let sent = messages
                .append(NewMessage {
                    conversation_id: room.id,
                    sender,
                    body: MessageBody::parse(&format!("m{i}")).unwrap(),
                    created_at: at(10),
                    client_id: None,
                    reply_to: None,
                    attachments: Vec::new(),
                    mentions: confab_domain::Mentions::none(),
                    thread_id: None,
                    also_in_room: false,
                })
                .await;
            (sender, sent)
        }));
    }
    let mut seqs = Vec::new();
    let mut newest_own = std::collections::HashMap::new();
    for task in tasks {
        match task.await.unwrap() {
            (sender, Ok(appended)) => {
                let view = appended.into_new().unwrap();
                assert_ne!(sender, outsider.id);
                seqs.push(view.message.seq);
                let newest = newest_own.entry(sender).or_insert(0);
                *newest = view.message.seq.max(*newest);
            }
            (sender, Err(error)) => {
                assert_eq!(
                    (sender, error),
                    (outsider.id, DomainError::ConversationNotFound)
                );
            }
        }
    }
    seqs.sort_unstable();
    assert_eq!(
        seqs,
        (1..=27).collect::<Vec<u64>>(),
        "27 of 40 are members' sends"
    );
    let statements = count.load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        statements < 40 * 6 / 2,
        "{statements} statements for 40 sends"
    );
    let page = ctx
        .messages
        .list(room.id, PageRequest::default(), UserId(0))
        .await
        .unwrap();
    assert_eq!(page.total, 27);
    // Each sender's read position is their newest message, whichever batch it was in and in
    // whatever order the batches committed.
    let stored = ctx.reload(&room).await;
    for member in [&ann, &bob] {
        assert_eq!(
            stored.participant(member.id).unwrap().read.seq,
            newest_own[&member.id],
            "{}'s read position",
            member.name.as_str()
        );
    }
}

each_backend!(
    concurrent_sends_are_committed_in_batches_each_with_its_own_outcome,
    append_refuses_a_sender_removed_or_banned_or_a_room_closed_since_it_was_read,
    append_returns_the_stored_message_with_its_author,
    append_moves_updated_at_and_the_senders_read_position,
    a_long_unicode_body_round_trips_exactly,
    list_pages_newest_first_with_the_total,
);
