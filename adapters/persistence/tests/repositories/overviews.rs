//! Conversations as one viewer sees them: names, the last message, unread counts, and the list's
//! bounded query count.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use confab_domain::ports::ConversationRepository;
use confab_domain::{ConversationKind, Message, Participant, UserId};
use confab_persistence::SeaConversationRepository;

use crate::helpers::{TestContext, at};

/// The statements `list_for` runs, whatever the number of conversations and messages.
const LIST_QUERIES: usize = 3;

async fn overview_names_the_creator_the_members_and_the_last_message(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let cid = ctx.user("Cid").await;
    let room = ctx.group(&ann, &[&cid, &bob], "Room", 1).await;
    ctx.send(&room, &ann, "first", 2).await;
    let last = ctx.send(&room, &cid, "second", 3).await;

    let overview = ctx
        .conversations
        .overview(room.id, bob.id)
        .await
        .unwrap()
        .expect("bob is in the room");
    assert_eq!(overview.id, room.id);
    assert_eq!(overview.kind, ConversationKind::Group);
    assert_eq!(overview.name.as_deref(), Some("Room"));
    assert_eq!(overview.created_by, ann.summary());
    assert_eq!(
        overview.participants,
        vec![ann.summary(), cid.summary(), bob.summary()]
    );
    assert_eq!(overview.last_message, Some(last));
    assert_eq!(overview.unread_count, 2);
    assert_eq!(overview.updated_at, at(3));
    assert_eq!(overview.closed_at, None);
}

async fn overview_of_a_room_without_messages_has_no_last_message(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let room = ctx.group(&ann, &[], "Quiet", 4).await;
    let overview = ctx
        .conversations
        .overview(room.id, ann.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(overview.last_message, None);
    assert_eq!(overview.unread_count, 0);
    assert_eq!(overview.updated_at, at(4));
}

async fn overview_is_none_for_someone_outside_the_conversation(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let room = ctx.group(&ann, &[&bob], "Room", 1).await;
    let outsider = ctx.user("Out").await;
    ctx.send(&room, &ann, "secret", 2).await;

    assert_eq!(
        ctx.conversations
            .overview(room.id, outsider.id)
            .await
            .unwrap(),
        None
    );
    let (a, b) = (ann.id, bob.id);
    ctx.change(&room, move |c| c.remove(a, b)).await;
    assert_eq!(
        ctx.conversations.overview(room.id, bob.id).await.unwrap(),
        None
    );
    let missing = confab_domain::ConversationId(room.id.get() + 1_000);
    assert_eq!(
        ctx.conversations.overview(missing, ann.id).await.unwrap(),
        None
    );
}

async fn unread_counts_others_messages_after_the_read_position(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let room = ctx.group(&ann, &[&bob], "Room", 1).await;
    let unread = |viewer: UserId| {
        let repo = ctx.conversations.clone();
        async move {
            repo.overview(room.id, viewer)
                .await
                .unwrap()
                .unwrap()
                .unread_count
        }
    };

    ctx.send(&room, &ann, "a1", 2).await;
    let a2 = ctx.send(&room, &ann, "a2", 3).await;
    ctx.send(&room, &ann, "a3", 4).await;
    assert_eq!(
        unread(bob.id).await,
        3,
        "nothing read yet: everything by others"
    );

    ctx.conversations
        .mark_read(room.id, bob.id, a2.message.seq)
        .await
        .unwrap();
    assert_eq!(unread(bob.id).await, 1);

    ctx.send(&room, &bob, "b1", 5).await;
    assert_eq!(
        unread(bob.id).await,
        0,
        "replying reads everything before the reply"
    );
    assert_eq!(unread(ann.id).await, 1);
}

async fn own_messages_are_never_unread(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let room = ctx.group(&ann, &[&bob], "Room", 1).await;
    let b1 = ctx.send(&room, &bob, "b1", 2).await;
    ctx.send(&room, &ann, "a1", 3).await;
    ctx.send(&room, &ann, "a2", 4).await;
    // Move Ann's read position back before her own messages: they still do not count.
    ctx.conversations
        .mark_read(room.id, ann.id, b1.message.seq)
        .await
        .unwrap();
    let overview = ctx
        .conversations
        .overview(room.id, ann.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(overview.unread_count, 0);
}

async fn unread_counts_agree_with_the_domain_rule(ctx: TestContext) {
    let people = [
        ctx.user("Ann").await,
        ctx.user("Bob").await,
        ctx.user("Cid").await,
    ];
    let room = ctx
        .group(&people[0], &[&people[1], &people[2]], "Room", 1)
        .await;
    let mut sent: Vec<Message> = Vec::new();
    for i in 0..12usize {
        let sender = &people[(i * 7 + i / 3) % 3];
        sent.push(
            ctx.send(&room, sender, &format!("m{i}"), i as i64)
                .await
                .message,
        );
        if i % 4 == 1 {
            let reader = &people[i % 3];
            ctx.conversations
                .mark_read(room.id, reader.id, sent[i / 2].seq)
                .await
                .unwrap();
        }
    }
    let stored = ctx.reload(&room).await;
    for person in &people {
        let participant: &Participant = stored.participant(person.id).unwrap();
        let expected = sent.iter().filter(|m| participant.has_not_read(m)).count() as u64;
        let overview = ctx
            .conversations
            .overview(room.id, person.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            overview.unread_count,
            expected,
            "for {}",
            person.name.as_str()
        );
    }
}

async fn list_for_shows_every_room_newest_activity_first(ctx: TestContext) {
    let me = ctx.user("Me").await;
    let friend = ctx.user("Friend").await;
    let stranger = ctx.user("Stranger").await;
    let _not_mine = ctx.group(&stranger, &[&friend], "Not mine", 500).await;
    let mut rooms = Vec::new();
    for i in 0..50i64 {
        let room = if i % 2 == 0 {
            ctx.group(&me, &[&friend], &format!("Mine {i}"), i).await
        } else {
            ctx.group(&friend, &[&me], &format!("Theirs {i}"), i).await
        };
        rooms.push(room);
    }
    // Activity in every third room, by the friend, moves it ahead of all the quiet ones.
    for (i, room) in rooms.iter().enumerate().filter(|(i, _)| i % 3 == 0) {
        ctx.send(room, &friend, &format!("news {i}"), 100 + i as i64)
            .await;
    }

    let listed = ctx.conversations.list_for(me.id).await.unwrap();
    assert_eq!(listed.len(), 50);
    let mut expected: Vec<(i64, i64)> = rooms
        .iter()
        .enumerate()
        .map(|(i, room)| {
            let activity = if i % 3 == 0 { 100 + i as i64 } else { i as i64 };
            (activity, room.id.get())
        })
        .collect();
    expected.sort_by(|a, b| b.cmp(a));
    let order: Vec<i64> = listed.iter().map(|o| o.id.get()).collect();
    assert_eq!(
        order,
        expected.iter().map(|(_, id)| *id).collect::<Vec<_>>()
    );

    for overview in &listed {
        let i = rooms.iter().position(|r| r.id == overview.id).unwrap();
        let creator = if i % 2 == 0 { &me } else { &friend };
        let other = if i % 2 == 0 { &friend } else { &me };
        assert_eq!(overview.created_by, creator.summary());
        assert_eq!(
            overview.participants,
            vec![creator.summary(), other.summary()]
        );
        if i % 3 == 0 {
            let last = overview.last_message.as_ref().expect("a room with news");
            assert_eq!(last.message.body, format!("news {i}"));
            assert_eq!(last.author, friend.summary());
            assert_eq!(overview.unread_count, 1);
            assert_eq!(overview.updated_at, at(100 + i as i64));
        } else {
            assert_eq!(overview.last_message, None);
            assert_eq!(overview.unread_count, 0);
            assert_eq!(overview.updated_at, at(i as i64));
        }
    }
}

async fn list_for_a_user_without_conversations_is_empty(ctx: TestContext) {
    let loner = ctx.user("Loner").await;
    assert!(
        ctx.conversations
            .list_for(loner.id)
            .await
            .unwrap()
            .is_empty()
    );
}

/// A repository whose connection counts the statements it runs.
pub(crate) fn counting(ctx: &TestContext) -> (SeaConversationRepository, Arc<AtomicUsize>) {
    let (db, count) = ctx.counted_db();
    (SeaConversationRepository::new(db), count)
}

async fn list_for_costs_the_same_few_queries_for_one_room_or_fifty(ctx: TestContext) {
    let me = ctx.user("Me").await;
    let friend = ctx.user("Friend").await;
    let (repo, count) = counting(&ctx);
    for rooms in 1..=50 {
        let room = ctx
            .group(&me, &[&friend], &format!("Room {rooms}"), rooms)
            .await;
        ctx.send(&room, &friend, "hello", 100 + rooms).await;
        if rooms == 1 || rooms == 50 {
            count.store(0, Ordering::SeqCst);
            let listed = repo.list_for(me.id).await.unwrap();
            assert_eq!(listed.len(), rooms as usize);
            assert_eq!(
                count.load(Ordering::SeqCst),
                LIST_QUERIES,
                "with {rooms} rooms"
            );
        }
    }
    count.store(0, Ordering::SeqCst);
    repo.overview(confab_domain::ConversationId(1), me.id)
        .await
        .unwrap();
    assert!(count.load(Ordering::SeqCst) <= LIST_QUERIES);
}

each_backend!(
    overview_names_the_creator_the_members_and_the_last_message,
    overview_of_a_room_without_messages_has_no_last_message,
    overview_is_none_for_someone_outside_the_conversation,
    unread_counts_others_messages_after_the_read_position,
    own_messages_are_never_unread,
    unread_counts_agree_with_the_domain_rule,
    list_for_shows_every_room_newest_activity_first,
    list_for_a_user_without_conversations_is_empty,
    list_for_costs_the_same_few_queries_for_one_room_or_fifty,
);
