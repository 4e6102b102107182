//! What happens to a message after it is sent — edits, tombstones, reactions — and what a send
//! may carry besides its text: a client id (a repeat stores nothing) and the message it answers.

use confab_domain::ports::{ConversationRepository, MessageRepository};
use confab_domain::{
    Appended, ClientId, DomainError, Emoji, MessageBody, MessageChange, MessageId, MessageView,
    NewMessage, PageRequest, ReactionAction, UserId,
};

use crate::helpers::{TestContext, at};

fn draft(room: &confab_domain::Conversation, sender: UserId, body: &str) -> NewMessage {
    NewMessage {
        conversation_id: room.id,
        sender,
        body: MessageBody::parse(body).unwrap(),
        created_at: at(10),
        client_id: None,
        reply_to: None,
        attachments: Vec::new(),
        mentions: confab_domain::Mentions::none(),
        thread_id: None,
        also_in_room: false,
    }
}

async fn find(ctx: &TestContext, view: &MessageView, viewer: UserId) -> MessageView {
    ctx.messages
        .find(view.message.conversation_id, view.message.id, viewer)
        .await
        .unwrap()
        .expect("the message is there")
}

async fn react(
    ctx: &TestContext,
    view: &MessageView,
    user: UserId,
    emoji: &str,
    add: bool,
) -> Result<bool, DomainError> {
    let action = if add {
        ReactionAction::Added
    } else {
        ReactionAction::Removed
    };
    ctx.messages
        .react(
            view.message.id,
            user,
            &Emoji::parse(emoji).unwrap(),
            action,
            at(20),
        )
        .await
        .map(|change| change.is_some())
}

async fn an_edit_replaces_the_body_and_stamps_edited_at_unless_deleted_or_closed(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let room = ctx.group(&ann, &[], "Room", 1).await;
    let sent = ctx.send(&room, &ann, "helo", 2).await;
    ctx.messages
        .edit(
            sent.message.id,
            &MessageBody::parse("hello").unwrap(),
            None,
            at(3),
        )
        .await
        .unwrap();
    let edited = find(&ctx, &sent, ann.id).await;
    assert_eq!(
        (edited.message.body.as_str(), edited.message.edited_at),
        ("hello", Some(at(3)))
    );
    assert_eq!(edited.message.seq, sent.message.seq);

    let other = ctx.send(&room, &ann, "bye", 4).await;
    let a = ann.id;
    ctx.change(&room, move |room| room.close(a, at(5))).await;
    let closed = ctx
        .messages
        .edit(
            other.message.id,
            &MessageBody::parse("x").unwrap(),
            None,
            at(6),
        )
        .await;
    assert_eq!(closed, Err(DomainError::ClosedRoomIsReadOnly));
    assert_eq!(
        react(&ctx, &other, ann.id, "👍", true).await,
        Err(DomainError::ClosedRoomIsReadOnly),
        "a reaction reads the same facts under the lock"
    );
    ctx.messages
        .delete(sent.message.id, at(7), None)
        .await
        .unwrap();
    let deleted = ctx
        .messages
        .edit(
            sent.message.id,
            &MessageBody::parse("x").unwrap(),
            None,
            at(8),
        )
        .await;
    assert_eq!(deleted, Err(DomainError::MessageDeleted));
}

async fn a_deleted_message_keeps_its_place_as_a_tombstone_without_reactions(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let room = ctx.group(&ann, &[&bob], "Room", 1).await;
    let first = ctx.send(&room, &ann, "first", 2).await;
    let doomed = ctx.send(&room, &bob, "regret", 3).await;
    react(&ctx, &doomed, ann.id, "👍", true).await.unwrap();

    assert_eq!(
        ctx.messages.delete(doomed.message.id, at(4), None).await,
        Ok(Some(MessageChange::Deleted {
            conversation_id: room.id,
            message_id: doomed.message.id,
            deleted_at: at(4)
        }))
    );
    assert_eq!(
        ctx.messages.delete(doomed.message.id, at(5), None).await,
        Ok(None),
        "once"
    );
    let page = ctx
        .messages
        .list(room.id, PageRequest::default(), ann.id)
        .await
        .unwrap();
    assert_eq!(page.total, 2);
    let ids: Vec<MessageId> = page.items.iter().map(|v| v.message.id).collect();
    assert_eq!(ids, [doomed.message.id, first.message.id]);
    let tombstone = &page.items[0];
    assert_eq!(tombstone.message.body, "");
    assert_eq!(tombstone.message.deleted_at, Some(at(4)));
    assert!(tombstone.reactions.is_empty());
    let overview = ctx
        .conversations
        .overview(room.id, ann.id)
        .await
        .unwrap()
        .unwrap();
    let last = overview.last_message.unwrap();
    assert_eq!(
        (last.message.id, last.message.body.as_str()),
        (doomed.message.id, "")
    );
    assert_eq!(last.message.deleted_at, Some(at(4)));
    assert_eq!(
        overview.unread_count, 1,
        "Bob's message still counts for Ann"
    );
    assert_eq!(
        react(&ctx, &doomed, ann.id, "👍", true).await,
        Err(DomainError::MessageDeleted)
    );
}

async fn reactions_count_once_per_user_in_order_of_first_use_up_to_twenty(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let room = ctx.group(&ann, &[&bob], "Room", 1).await;
    let sent = ctx.send(&room, &ann, "vote", 2).await;
    assert_eq!(react(&ctx, &sent, bob.id, "🎉", true).await, Ok(true));
    assert_eq!(react(&ctx, &sent, ann.id, "👍", true).await, Ok(true));
    assert_eq!(react(&ctx, &sent, bob.id, "👍", true).await, Ok(true));
    assert_eq!(
        react(&ctx, &sent, bob.id, "👍", true).await,
        Ok(false),
        "idempotent"
    );
    let seen = find(&ctx, &sent, ann.id).await.reactions;
    let tally: Vec<(&str, u64, bool)> = seen
        .iter()
        .map(|r| (r.emoji.as_str(), r.count, r.me))
        .collect();
    assert_eq!(tally, [("🎉", 1, false), ("👍", 2, true)]);
    assert_eq!(react(&ctx, &sent, ann.id, "👍", false).await, Ok(true));
    assert_eq!(react(&ctx, &sent, ann.id, "👍", false).await, Ok(false));
    assert_eq!(find(&ctx, &sent, ann.id).await.reactions[1].count, 1);

    let emoji: Vec<String> = (0..18)
        .map(|i| char::from_u32(0x1F600 + i).unwrap().to_string())
        .collect();
    for e in &emoji {
        assert_eq!(react(&ctx, &sent, ann.id, e, true).await, Ok(true));
    }
    assert_eq!(
        react(&ctx, &sent, bob.id, "🚀", true).await,
        Err(DomainError::TooManyReactions)
    );
    assert_eq!(
        react(&ctx, &sent, bob.id, &emoji[0], true).await,
        Ok(true),
        "a present emoji is fine"
    );
    assert_eq!(find(&ctx, &sent, bob.id).await.reactions.len(), 20);
}

async fn a_repeated_client_id_stores_once_also_when_the_repeats_race(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let room = ctx.group(&ann, &[&bob], "Room", 1).await;
    let keyed = |sender: UserId, key: &str| NewMessage {
        client_id: Some(ClientId::parse(key).unwrap()),
        ..draft(&room, sender, "retry me")
    };
    let first = ctx
        .messages
        .append(keyed(ann.id, "k1"))
        .await
        .unwrap()
        .into_new()
        .unwrap();
    assert_eq!(
        first.message.client_id.as_ref().map(ClientId::as_str),
        Some("k1")
    );
    assert_eq!(
        ctx.messages.append(keyed(ann.id, "k1")).await,
        Ok(Appended::Repeat(first.message.id))
    );
    // Another sender may use the same key: keys are per sender.
    assert!(matches!(
        ctx.messages.append(keyed(bob.id, "k1")).await,
        Ok(Appended::New { .. })
    ));

    let tasks: Vec<_> = (0..12)
        .map(|_| {
            let messages = ctx.messages.clone();
            let message = keyed(bob.id, "race");
            tokio::spawn(async move { messages.append(message).await.unwrap() })
        })
        .collect();
    let mut new = Vec::new();
    let mut repeats = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            Appended::New { message: view, .. } => new.push(view.message.id),
            Appended::Repeat(id) => repeats.push(id),
        }
    }
    assert_eq!(new.len(), 1, "stored once");
    assert!(repeats.iter().all(|id| *id == new[0]));
    let page = ctx
        .messages
        .list(room.id, PageRequest::default(), ann.id)
        .await
        .unwrap();
    assert_eq!(page.total, 3);
}

async fn a_reply_carries_its_parents_preview_and_must_answer_a_live_message_here(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let room = ctx.group(&ann, &[&bob], "Room", 1).await;
    let elsewhere = ctx.group(&ann, &[], "Elsewhere", 1).await;
    let parent = ctx.send(&room, &ann, "question?", 2).await;
    let foreign = ctx.send(&elsewhere, &ann, "not here", 2).await;
    let reply = NewMessage {
        reply_to: Some(parent.message.id),
        attachments: Vec::new(),
        mentions: confab_domain::Mentions::none(),
        thread_id: None,
        also_in_room: false,
        ..draft(&room, bob.id, "answer")
    };
    let answer = ctx
        .messages
        .append(reply)
        .await
        .unwrap()
        .into_new()
        .unwrap();
    let preview = answer.reply_to.clone().unwrap();
    assert_eq!(
        (preview.id, preview.body.as_str(), preview.author.id),
        (parent.message.id, "question?", ann.id)
    );
    assert_eq!(find(&ctx, &answer, ann.id).await.reply_to, Some(preview));

    for bad in [foreign.message.id, MessageId(9_999_999)] {
        let refused = ctx
            .messages
            .append(NewMessage {
                reply_to: Some(bad),
                attachments: Vec::new(),
                mentions: confab_domain::Mentions::none(),
                thread_id: None,
                also_in_room: false,
                ..draft(&room, bob.id, "x")
            })
            .await;
        assert!(
            matches!(refused, Err(DomainError::Invalid(e)) if e.fields().contains_key("reply_to"))
        );
    }
    ctx.messages
        .delete(parent.message.id, at(5), None)
        .await
        .unwrap();
    assert_eq!(
        find(&ctx, &answer, ann.id).await.reply_to.unwrap().body,
        "",
        "a tombstone's preview"
    );
    let late = ctx
        .messages
        .append(NewMessage {
            reply_to: Some(parent.message.id),
            attachments: Vec::new(),
            mentions: confab_domain::Mentions::none(),
            thread_id: None,
            also_in_room: false,
            ..draft(&room, bob.id, "x")
        })
        .await;
    assert!(matches!(late, Err(DomainError::Invalid(_))));
}

async fn participants_read_receipts_name_the_message_read_up_to(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let room = ctx.group(&ann, &[&bob], "Room", 1).await;
    let sent = ctx.send(&room, &ann, "hi", 2).await;
    let overview = ctx
        .conversations
        .overview(room.id, bob.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(overview.last_read.get(&ann.id), Some(&sent.message.id));
    assert_eq!(
        overview.last_read.get(&bob.id),
        None,
        "Bob has read nothing"
    );
    ctx.conversations
        .mark_read(room.id, bob.id, sent.message.seq)
        .await
        .unwrap();
    let listed = ctx.conversations.list_for(bob.id).await.unwrap();
    assert_eq!(listed[0].last_read.get(&bob.id), Some(&sent.message.id));
}

async fn finding_searching_and_keyed_replies_cost_a_fixed_number_of_statements(ctx: TestContext) {
    use std::sync::atomic::Ordering;
    let ann = ctx.user("Ann").await;
    let room = ctx.group(&ann, &[], "Room", 1).await;
    let mut last = ctx.send(&room, &ann, "word 0", 2).await;
    for i in 1..40 {
        last = ctx.send(&room, &ann, &format!("word {i}"), 2 + i).await;
        react(&ctx, &last, ann.id, "👍", true).await.unwrap();
    }
    let (db, count) = ctx.counted_db();
    let messages = confab_persistence::SeaMessageRepository::new(db);
    let take = || count.swap(0, Ordering::SeqCst);
    take();
    messages
        .find(room.id, last.message.id, ann.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        take(),
        3,
        "the row with its reply preview, then its reactions, then its files"
    );
    let query = confab_domain::SearchQuery::parse("word").unwrap();
    let scope = confab_domain::SearchScope::Conversation(room.id);
    let found = messages
        .search(scope, &query, PageRequest::default(), ann.id)
        .await
        .unwrap();
    assert_eq!((found.total, found.items.len()), (40, 20));
    assert_eq!(
        take(),
        4,
        "the count, the page, the page's reactions, the page's files"
    );
    // Twice: the first send of a new repository also looks its author's name up.
    for _ in 0..2 {
        take();
        messages
            .append(draft(&room, ann.id, "plain"))
            .await
            .unwrap();
    }
    let plain = take();
    let keyed_reply = NewMessage {
        client_id: Some(ClientId::parse("k").unwrap()),
        reply_to: Some(last.message.id),
        attachments: Vec::new(),
        mentions: confab_domain::Mentions::none(),
        thread_id: None,
        also_in_room: false,
        ..draft(&room, ann.id, "keyed reply")
    };
    messages.append(keyed_reply).await.unwrap();
    assert_eq!(
        take(),
        plain + 2,
        "one lookup for client ids, one for replied-to messages"
    );
}

each_backend!(
    finding_searching_and_keyed_replies_cost_a_fixed_number_of_statements,
    an_edit_replaces_the_body_and_stamps_edited_at_unless_deleted_or_closed,
    a_deleted_message_keeps_its_place_as_a_tombstone_without_reactions,
    reactions_count_once_per_user_in_order_of_first_use_up_to_twenty,
    a_repeated_client_id_stores_once_also_when_the_repeats_race,
    a_reply_carries_its_parents_preview_and_must_answer_a_live_message_here,
    participants_read_receipts_name_the_message_read_up_to,
);
