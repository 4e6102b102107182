//! `modify`: changes to one room serialized under its lock, so none fails for having raced
//! another, and a decision that changes nothing writes nothing.

use confab_domain::ports::ConversationRepository;
use confab_domain::{Conversation, ConversationId, DomainError, User};

use crate::helpers::{TestContext, member_ids};

async fn fifty_invites_and_eight_bans_at_once_all_succeed_without_a_conflict(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let mut people: Vec<User> = Vec::new();
    for i in 0..50 {
        people.push(ctx.user(&format!("Person {i}")).await);
    }
    for round in 0..3i64 {
        let room = ctx.group(&ann, &[], &format!("Room {round}"), round).await;
        let mut tasks = Vec::new();
        for (i, person) in people.iter().enumerate() {
            let (repo, actor, user) = (ctx.conversations.clone(), ann.id, person.id);
            tasks.push((
                false,
                tokio::spawn(async move {
                    repo.modify(
                        room.id,
                        room.created_by,
                        Box::new(move |c: &mut Conversation| c.invite(actor, &[user]).map(drop)),
                    )
                    .await
                }),
            ));
            if i < 8 {
                let repo = ctx.conversations.clone();
                tasks.push((
                    true,
                    tokio::spawn(async move {
                        repo.modify(
                            room.id,
                            room.created_by,
                            Box::new(move |c: &mut Conversation| c.ban(actor, user).map(drop)),
                        )
                        .await
                    }),
                ));
            }
        }
        for (is_ban, task) in tasks {
            match (is_ban, task.await.unwrap()) {
                (_, Ok(_)) => {}
                // An invite that came after the ban of the same user: the rule, not a race.
                (false, Err(DomainError::Invalid(_))) => {}
                (_, Err(other)) => panic!("round {round}: {other:?}"),
            }
        }
        let stored = ctx.reload(&room).await;
        for (i, person) in people.iter().enumerate() {
            assert_eq!(
                stored.is_banned(person.id),
                i < 8,
                "round {round}, person {i}"
            );
            assert_eq!(
                stored.is_participant(person.id),
                i >= 8,
                "round {round}, person {i}"
            );
        }
        assert_eq!(member_ids(&stored).len(), 1 + 42);
    }
}

async fn a_decision_that_changes_nothing_writes_nothing(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let room = ctx.group(&ann, &[&bob], "Room", 1).await;
    let (actor, again) = (ann.id, bob.id);
    let stored = ctx
        .conversations
        .modify(
            room.id,
            room.created_by,
            Box::new(move |c: &mut Conversation| c.invite(actor, &[again]).map(drop)),
        )
        .await
        .unwrap();
    assert_eq!(stored.room, room, "as it was");
    assert!(stored.events.is_empty(), "{stored:?}");
    assert_eq!(
        ctx.reload(&room).await.version,
        room.version,
        "no version bump"
    );
}

async fn a_refused_decision_writes_nothing_and_a_missing_room_is_not_found(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let room = ctx.group(&ann, &[&bob], "Room", 1).await;
    let (actor, target) = (bob.id, ann.id);
    let refused = ctx
        .conversations
        .modify(
            room.id,
            room.created_by,
            Box::new(move |c: &mut Conversation| c.remove(actor, target)),
        )
        .await;
    assert_eq!(refused, Err(DomainError::NotTheCreator));
    assert_eq!(ctx.reload(&room).await, room);
    let missing = ctx
        .conversations
        .modify(
            ConversationId(9_999_999),
            confab_domain::UserId(1),
            Box::new(|_: &mut Conversation| Ok(())),
        )
        .await;
    assert_eq!(missing, Err(DomainError::ConversationNotFound));
}

each_backend!(
    fifty_invites_and_eight_bans_at_once_all_succeed_without_a_conflict,
    a_decision_that_changes_nothing_writes_nothing,
    a_refused_decision_writes_nothing_and_a_missing_room_is_not_found,
);
