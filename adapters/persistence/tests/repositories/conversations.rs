//! The conversation aggregate: creating, finding and changing rooms, and read positions. (Changes
//! racing each other: `room_lock`.)

use confab_domain::ports::ConversationRepository;
use confab_domain::{
    ConversationId, ConversationKind, DomainError, NewConversation, Participant, UserId,
};

use crate::helpers::{TestContext, at, member_ids};

async fn a_created_group_is_found_with_its_members_in_join_order(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let cid = ctx.user("Cid").await;
    let created = ctx.group(&ann, &[&cid, &bob], "Planning", 7).await;

    assert_eq!(created.kind, ConversationKind::Group);
    assert_eq!(created.version, 0);
    assert_eq!(created.created_at, at(7));
    assert_eq!(created.updated_at, at(7));
    let found = ctx.reload(&created).await;
    assert_eq!(found, created);
    assert_eq!(member_ids(&found), vec![ann.id, cid.id, bob.id]);
    assert_eq!(found.name.as_ref().map(|n| n.as_str()), Some("Planning"));
    assert!(found.banned.is_empty() && found.closed_at.is_none());
}

async fn a_missing_conversation_is_none(ctx: TestContext) {
    assert_eq!(
        ctx.conversations.find(ConversationId(404)).await.unwrap(),
        None
    );
}

async fn a_direct_chat_is_found_between_its_users_whichever_way_round(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let cid = ctx.user("Cid").await;
    let chat = ctx.direct(&bob, &ann, 1).await;
    let _room = ctx.group(&ann, &[&bob], "Not direct", 2).await;

    assert_eq!(chat.kind, ConversationKind::Direct);
    assert_eq!(chat.name, None);
    let found = |a: UserId, b: UserId| ctx.conversations.find_direct_between(a, b);
    assert_eq!(found(ann.id, bob.id).await.unwrap(), Some(chat.id));
    assert_eq!(found(bob.id, ann.id).await.unwrap(), Some(chat.id));
    assert_eq!(found(ann.id, cid.id).await.unwrap(), None);
}

async fn direct_partners_are_the_other_people_of_direct_chats_most_recent_first(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let cid = ctx.user("Cid").await;
    let dee = ctx.user("Dee").await;
    let with_bob = ctx.direct(&ann, &bob, 1).await;
    let _with_cid = ctx.direct(&cid, &ann, 2).await;
    let _room = ctx.group(&ann, &[&dee], "Not direct", 3).await;
    let _others = ctx.direct(&bob, &dee, 4).await;
    ctx.send(&with_bob, &bob, "newest", 5).await;

    let partners = |limit| ctx.conversations.direct_partners(ann.id, limit);
    assert_eq!(partners(100).await.unwrap(), vec![bob.id, cid.id]);
    assert_eq!(partners(1).await.unwrap(), vec![bob.id]);
    assert_eq!(
        ctx.conversations
            .direct_partners(dee.id, 100)
            .await
            .unwrap(),
        vec![bob.id]
    );
}

async fn a_second_direct_chat_between_one_pair_is_refused_by_the_unique_key(ctx: TestContext) {
    // What the loser of a creation race sees: both passed the "do we have one?" check. The use
    // case then answers with the chat `find_direct_between` finds.
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let first = ctx.direct(&ann, &bob, 1).await;
    let plan = NewConversation::plan(bob.id, None, None, &[ann.id], at(2)).unwrap();
    let error = ctx.conversations.create(plan).await.unwrap_err();
    assert!(matches!(error, DomainError::Internal(_)), "{error:?}");
    let found = ctx
        .conversations
        .find_direct_between(bob.id, ann.id)
        .await
        .unwrap();
    assert_eq!(found, Some(first.id));
    assert_eq!(ctx.conversations.list_for(bob.id).await.unwrap().len(), 1);
}

async fn of_simultaneous_direct_chats_between_one_pair_a_single_one_is_created(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let tasks: Vec<_> = (0..6)
        .map(|i| {
            let repo = ctx.conversations.clone();
            let (from, to) = if i % 2 == 0 {
                (ann.id, bob.id)
            } else {
                (bob.id, ann.id)
            };
            tokio::spawn(async move {
                let plan = NewConversation::plan(from, None, None, &[to], at(i)).unwrap();
                repo.create(plan).await
            })
        })
        .collect();
    let mut created = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            Ok(conversation) => created.push(conversation.id),
            Err(error) => assert!(matches!(error, DomainError::Internal(_)), "{error:?}"),
        }
    }
    assert_eq!(created.len(), 1, "exactly one creation wins");
    let found = ctx
        .conversations
        .find_direct_between(ann.id, bob.id)
        .await
        .unwrap();
    assert_eq!(found, Some(created[0]));
    assert_eq!(ctx.conversations.list_for(ann.id).await.unwrap().len(), 1);
}

async fn modify_persists_invites_removals_bans_and_closing(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let cid = ctx.user("Cid").await;
    let dan = ctx.user("Dan").await;
    let eve = ctx.user("Eve").await;
    let room = ctx.group(&ann, &[&bob, &cid], "Room", 1).await;

    let (a, b, c, d, e) = (ann.id, bob.id, cid.id, dan.id, eve.id);
    let returned = ctx
        .change(&room, move |room| {
            room.invite(a, &[d, e])?;
            room.remove(a, b)?;
            room.ban(a, c)?;
            room.ban(a, e)?;
            room.close(a, at(99))
        })
        .await;

    let stored = ctx.reload(&room).await;
    assert_eq!(returned, stored, "modify returns what it stored");
    assert_eq!(member_ids(&stored), vec![ann.id, dan.id]);
    assert_eq!(stored.banned, vec![cid.id, eve.id]);
    assert_eq!(stored.closed_at, Some(at(99)));
    assert_eq!(stored.version, room.version + 1);
    assert_eq!(
        stored.updated_at, room.updated_at,
        "membership is not activity"
    );
}

async fn a_removed_user_can_be_invited_back_and_joins_at_the_end(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let cid = ctx.user("Cid").await;
    let room = ctx.group(&ann, &[&bob, &cid], "Room", 1).await;
    let (a, b) = (ann.id, bob.id);
    ctx.change(&room, move |c| c.remove(a, b)).await;
    ctx.change(&room, move |c| c.invite(a, &[b])).await;

    assert_eq!(
        member_ids(&ctx.reload(&room).await),
        vec![ann.id, cid.id, bob.id]
    );
}

async fn modify_keeps_the_read_positions_of_members_who_stay(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let cid = ctx.user("Cid").await;
    let room = ctx.group(&ann, &[&bob], "Room", 1).await;
    ctx.send(&room, &ann, "one", 2).await;
    let second = ctx.send(&room, &bob, "two", 3).await;
    ctx.conversations
        .mark_read(room.id, ann.id, second.message.seq)
        .await
        .unwrap();

    let (a, c) = (ann.id, cid.id);
    ctx.change(&room, move |room| room.invite(a, &[c])).await;

    let stored = ctx.reload(&room).await;
    let read = |user: UserId| stored.participant(user).unwrap().read.seq;
    assert_eq!(read(ann.id), second.message.seq);
    assert_eq!(read(bob.id), second.message.seq);
    assert_eq!(read(cid.id), 0);
}

async fn mark_read_moves_forward_and_never_backward(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let room = ctx.group(&ann, &[&bob], "Room", 1).await;
    let first = ctx.send(&room, &ann, "one", 2).await.message.seq;
    let second = ctx.send(&room, &ann, "two", 3).await.message.seq;
    let bob_read = |c: &confab_domain::Conversation| c.participant(bob.id).unwrap().read.seq;

    ctx.conversations
        .mark_read(room.id, bob.id, second)
        .await
        .unwrap();
    assert_eq!(bob_read(&ctx.reload(&room).await), second);
    ctx.conversations
        .mark_read(room.id, bob.id, first)
        .await
        .unwrap();
    assert_eq!(bob_read(&ctx.reload(&room).await), second);
}

async fn mark_read_by_a_non_participant_is_ignored(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let room = ctx.group(&ann, &[], "Room", 1).await;
    ctx.conversations
        .mark_read(room.id, bob.id, 1)
        .await
        .unwrap();
    assert_eq!(
        ctx.reload(&room).await.participants,
        vec![Participant::owner(ann.id)]
    );
}

each_backend!(
    a_created_group_is_found_with_its_members_in_join_order,
    a_missing_conversation_is_none,
    a_direct_chat_is_found_between_its_users_whichever_way_round,
    direct_partners_are_the_other_people_of_direct_chats_most_recent_first,
    a_second_direct_chat_between_one_pair_is_refused_by_the_unique_key,
    of_simultaneous_direct_chats_between_one_pair_a_single_one_is_created,
    modify_persists_invites_removals_bans_and_closing,
    a_removed_user_can_be_invited_back_and_joins_at_the_end,
    modify_keeps_the_read_positions_of_members_who_stay,
    mark_read_moves_forward_and_never_backward,
    mark_read_by_a_non_participant_is_ignored,
);
