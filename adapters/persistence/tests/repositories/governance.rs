//! Running a room in storage: roles, ownership, settings and timeouts kept by `modify` with their
//! audit entries; slow mode, timeouts and blocks decided in the send's own batch; pins and the
//! audit log.

use chrono::{Duration, SubsecRound, Utc};
use confab_domain::ports::{ConversationRepository, MessageRepository, ModerationRepository};
use confab_domain::{
    AuditAction, AuditEntry, ClientId, Conversation, DomainError, MessageBody, NewMessage, Pin,
    Role, SettingsChange, SlowMode, User,
};
use confab_persistence::SeaModerationRepository;

use crate::helpers::{TestContext, at};

fn moderation(ctx: &TestContext) -> SeaModerationRepository {
    SeaModerationRepository::new(ctx.db.clone())
}

/// A send of `body` by `sender` at `at(seconds)`, as the use case hands it over.
pub(crate) fn new_message(
    room: &Conversation,
    sender: &User,
    body: &str,
    seconds: i64,
) -> NewMessage {
    NewMessage {
        conversation_id: room.id,
        sender: sender.id,
        body: MessageBody::parse(body).unwrap(),
        created_at: at(seconds),
        client_id: None,
        reply_to: None,
        attachments: Vec::new(),
        mentions: confab_domain::Mentions::none(),
        thread_id: None,
        also_in_room: false,
    }
}

async fn roles_timeouts_and_settings_are_stored_and_read_back(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let cy = ctx.user("Cy").await;
    let room = ctx.group(&ann, &[&bob, &cy], "Room", 1).await;
    assert_eq!(room.owner(), Some(ann.id));
    // Whole microseconds, as both databases keep them.
    let until = (Utc::now() + Duration::hours(1)).trunc_subsecs(6);
    let (a, b, c) = (ann.id, bob.id, cy.id);
    let stored = ctx
        .change(&room, move |room| {
            room.set_role(a, b, Role::Admin)?;
            room.time_out(a, c, Some(until), Utc::now())?;
            room.change_settings(
                a,
                SettingsChange {
                    description: Some(confab_domain::RoomDescription::parse("About").unwrap()),
                    slow_mode: Some(SlowMode::parse(30).unwrap()),
                    ..SettingsChange::default()
                },
            )
        })
        .await;
    let reloaded = ctx.reload(&room).await;
    assert_eq!(reloaded, stored);
    assert_eq!(reloaded.standing(bob.id).role, Role::Admin);
    assert_eq!(
        reloaded
            .standing(cy.id)
            .timed_out_until
            .map(|t| t.timestamp_micros()),
        Some(until.timestamp_micros())
    );
    assert_eq!(reloaded.settings.slow_mode.seconds(), 30);
    let overview = ctx
        .conversations
        .overview(room.id, cy.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(overview.role_of(ann.id), Some(Role::Owner));
    assert_eq!(overview.role_of(bob.id), Some(Role::Admin));
    assert!(overview.timed_out_until(cy.id).is_some());
    assert_eq!(overview.description.as_deref(), Some("About"));
    assert_eq!(overview.slow_mode.seconds(), 30);
    assert!(overview.is_creator(ann.id) && !overview.is_creator(bob.id));
}

async fn a_transfer_moves_ownership_and_both_changes_are_audited_once(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let room = ctx.group(&ann, &[&bob], "Room", 1).await;
    let (a, b) = (ann.id, bob.id);
    ctx.change(&room, move |room| room.transfer(a, b)).await;
    let reloaded = ctx.reload(&room).await;
    assert_eq!(reloaded.owner(), Some(bob.id));
    assert_eq!(reloaded.standing(ann.id).role, Role::Admin);
    let (log, more) = moderation(&ctx).audit_log(room.id, None, 10).await.unwrap();
    assert!(!more);
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0].action, AuditAction::OwnershipTransferred);
    assert_eq!(log[0].actor.name, "Ann");
    assert_eq!(log[0].target_user.as_ref().map(|u| u.id), Some(bob.id));
    // The former owner may now leave.
    ctx.change(&reloaded, move |room| room.leave(a)).await;
    assert!(!ctx.reload(&room).await.is_participant(ann.id));
}

async fn the_audit_log_pages_newest_first(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let room = ctx.group(&ann, &[&bob], "Room", 1).await;
    let (a, b) = (ann.id, bob.id);
    for _ in 0..3 {
        ctx.change(&room, move |room| room.set_role(a, b, Role::Admin))
            .await;
        ctx.change(&room, move |room| room.set_role(a, b, Role::Member))
            .await;
    }
    let store = moderation(&ctx);
    let (first, more) = store.audit_log(room.id, None, 4).await.unwrap();
    assert!(more);
    assert_eq!(first.len(), 4);
    assert!(first.windows(2).all(|pair| pair[0].id > pair[1].id));
    assert_eq!(
        first[0].details.get("role").map(String::as_str),
        Some("member")
    );
    let (rest, more) = store
        .audit_log(room.id, Some(first[3].id), 4)
        .await
        .unwrap();
    assert!(!more);
    assert_eq!(rest.len(), 2);
    assert!(rest[0].id < first[3].id);
}

async fn a_timed_out_member_is_refused_at_commit(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let room = ctx.group(&ann, &[&bob], "Room", 1).await;
    let (a, b) = (ann.id, bob.id);
    ctx.change(&room, move |room| room.time_out(a, b, Some(at(100)), at(2)))
        .await;
    let refused = ctx
        .messages
        .append(new_message(&room, &bob, "hi", 50))
        .await;
    assert_eq!(refused, Err(DomainError::TimedOut { until: at(100) }));
    // Once it has run out, the member writes again.
    ctx.messages
        .append(new_message(&room, &bob, "back", 101))
        .await
        .unwrap();
}

async fn slow_mode_lets_a_member_send_once_per_interval_and_never_slows_a_retry(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let room = ctx.group(&ann, &[&bob], "Room", 1).await;
    let a = ann.id;
    ctx.change(&room, move |room| {
        room.change_settings(
            a,
            SettingsChange {
                slow_mode: Some(SlowMode::parse(60).unwrap()),
                ..SettingsChange::default()
            },
        )
    })
    .await;
    let mut first = new_message(&room, &bob, "one", 10);
    first.client_id = Some(ClientId::parse("c-1").unwrap());
    let stored = ctx.messages.append(first.clone()).await.unwrap();
    let again = ctx.messages.append(first).await.unwrap();
    assert_eq!(
        again,
        confab_domain::Appended::Repeat(stored.into_new().unwrap().message.id),
        "a retry is answered with what it stored"
    );
    assert_eq!(
        ctx.messages
            .append(new_message(&room, &bob, "two", 40))
            .await,
        Err(DomainError::SlowMode {
            retry_after_secs: 30
        })
    );
    // The owner is not slowed; the member may send once the interval has passed.
    for seconds in [41, 42] {
        ctx.messages
            .append(new_message(&room, &ann, "owner", seconds))
            .await
            .unwrap();
    }
    ctx.messages
        .append(new_message(&room, &bob, "three", 70))
        .await
        .unwrap();
}

async fn sends_racing_under_slow_mode_let_one_through(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let room = ctx.group(&ann, &[&bob], "Room", 1).await;
    let a = ann.id;
    ctx.change(&room, move |room| {
        room.change_settings(
            a,
            SettingsChange {
                slow_mode: Some(SlowMode::parse(60).unwrap()),
                ..SettingsChange::default()
            },
        )
    })
    .await;
    let mut tasks = Vec::new();
    for i in 0..16 {
        let (messages, message) = (
            ctx.messages.clone(),
            new_message(&room, &bob, "race", 10 + i % 2),
        );
        tasks.push(tokio::spawn(async move { messages.append(message).await }));
    }
    let mut accepted = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => accepted += 1,
            Err(DomainError::SlowMode { .. }) => {}
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(accepted, 1);
}

async fn pins_are_kept_listed_newest_first_capped_and_gone_with_the_message(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let room = ctx.group(&ann, &[], "Room", 1).await;
    let store = moderation(&ctx);
    let audit = |message| {
        AuditEntry::new(room.id, ann.id, AuditAction::MessagePinned, None).on_message(message)
    };
    let mut sent = Vec::new();
    for i in 0..51 {
        sent.push(
            ctx.send(&room, &ann, &format!("m{i}"), 2 + i)
                .await
                .message
                .id,
        );
    }
    for (i, id) in sent.iter().take(50).enumerate() {
        let pin = Pin {
            at: at(100 + i as i64),
            by: ann.id,
        };
        let change = store
            .pin(room.id, *id, Some(pin), audit(*id), ann.id)
            .await
            .unwrap();
        assert!(change.is_some());
    }
    let again = Pin {
        at: at(500),
        by: ann.id,
    };
    assert_eq!(
        store
            .pin(room.id, sent[0], Some(again), audit(sent[0]), ann.id)
            .await,
        Ok(None),
        "pinning what is pinned changes nothing"
    );
    assert_eq!(
        store
            .pin(room.id, sent[50], Some(again), audit(sent[50]), ann.id)
            .await,
        Err(DomainError::TooManyPins(50))
    );
    let pins = store.pins(room.id, ann.id).await.unwrap();
    assert_eq!(pins.len(), 50);
    assert_eq!(pins[0].message.id, sent[49], "newest pin first");
    assert_eq!(pins[0].message.pinned.map(|p| p.by), Some(ann.id));
    // Deleting a message unpins it, and a tombstone cannot be pinned.
    ctx.messages.delete(sent[49], at(600), None).await.unwrap();
    assert_eq!(store.pins(room.id, ann.id).await.unwrap().len(), 49);
    assert_eq!(
        store
            .pin(room.id, sent[49], Some(again), audit(sent[49]), ann.id)
            .await,
        Err(DomainError::MessageDeleted)
    );
    let (log, _) = store.audit_log(room.id, None, 100).await.unwrap();
    assert_eq!(log.len(), 50, "one entry per pin that changed something");
}

async fn a_transfer_racing_the_removal_of_the_heir_ends_one_way(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let cy = ctx.user("Cy").await;
    for round in 0..5 {
        let room = ctx
            .group(&ann, &[&bob, &cy], &format!("Room {round}"), round)
            .await;
        let (a, b) = (ann.id, bob.id);
        let (one, two) = (ctx.conversations.clone(), ctx.conversations.clone());
        let transfer = tokio::spawn(async move {
            one.modify(
                room.id,
                a,
                Box::new(move |c: &mut Conversation| c.transfer(a, b)),
            )
            .await
        });
        let removal = tokio::spawn(async move {
            two.modify(
                room.id,
                a,
                Box::new(move |c: &mut Conversation| c.remove(a, b)),
            )
            .await
        });
        let (transfer, removal) = (transfer.await.unwrap(), removal.await.unwrap());
        let stored = ctx.reload(&room).await;
        let owners = stored
            .participants
            .iter()
            .filter(|p| p.role() == Role::Owner)
            .count();
        assert_eq!(owners, 1, "round {round}: {stored:?}");
        match (transfer, removal) {
            // The transfer first: Bob owns the room and Ann, now an admin, cannot remove him.
            (Ok(_), Err(DomainError::CreatorIsProtected | DomainError::OwnerOnly)) => {
                assert_eq!(stored.owner(), Some(bob.id));
            }
            // The removal first: Bob is gone and cannot be handed the room.
            (Err(DomainError::Invalid(_)), Ok(_)) => {
                assert_eq!(stored.owner(), Some(ann.id));
                assert!(!stored.is_participant(bob.id));
            }
            other => panic!("round {round}: {other:?}"),
        }
    }
}

async fn a_ban_racing_a_role_change_ends_consistent(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    for round in 0..5 {
        let room = ctx
            .group(&ann, &[&bob], &format!("Room {round}"), round)
            .await;
        let (a, b) = (ann.id, bob.id);
        let (one, two) = (ctx.conversations.clone(), ctx.conversations.clone());
        let promote = tokio::spawn(async move {
            one.modify(
                room.id,
                a,
                Box::new(move |c: &mut Conversation| c.set_role(a, b, Role::Admin).map(drop)),
            )
            .await
        });
        let ban = tokio::spawn(async move {
            two.modify(
                room.id,
                a,
                Box::new(move |c: &mut Conversation| c.ban(a, b).map(drop)),
            )
            .await
        });
        let (promote, ban) = (promote.await.unwrap(), ban.await.unwrap());
        assert!(ban.is_ok(), "the owner outranks an admin: {ban:?}");
        let stored = ctx.reload(&room).await;
        assert!(stored.is_banned(bob.id) && !stored.is_participant(bob.id));
        match promote {
            Ok(_) | Err(DomainError::NotAParticipant) => {}
            other => panic!("round {round}: {other:?}"),
        }
    }
}

each_backend!(
    roles_timeouts_and_settings_are_stored_and_read_back,
    a_transfer_moves_ownership_and_both_changes_are_audited_once,
    the_audit_log_pages_newest_first,
    a_timed_out_member_is_refused_at_commit,
    slow_mode_lets_a_member_send_once_per_interval_and_never_slows_a_retry,
    sends_racing_under_slow_mode_let_one_through,
    pins_are_kept_listed_newest_first_capped_and_gone_with_the_message,
    a_transfer_racing_the_removal_of_the_heir_ends_one_way,
    a_ban_racing_a_role_change_ends_consistent,
);
