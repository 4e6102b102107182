//! Blocks (kept per user; what they change in sends, reads and unread counts) and reports (one per
//! reporter and message; listed open first; resolved once, audited).

use confab_domain::ports::{ConversationRepository, MessageRepository, ModerationRepository};
use confab_domain::{
    AuditAction, AuditEntry, DomainError, NewReport, PageRequest, ReportReason, Resolution,
    Resolving,
};
use confab_persistence::SeaModerationRepository;

use crate::helpers::{TestContext, at};

fn moderation(ctx: &TestContext) -> SeaModerationRepository {
    SeaModerationRepository::new(ctx.db.clone())
}

async fn a_block_is_kept_once_and_lifted(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let cy = ctx.user("Cy").await;
    let store = moderation(&ctx);
    assert!(store.block(ann.id, bob.id, at(1)).await.unwrap());
    assert!(!store.block(ann.id, bob.id, at(2)).await.unwrap());
    assert!(store.block(ann.id, cy.id, at(3)).await.unwrap());
    let blocked: Vec<_> = store
        .blocks_of(ann.id)
        .await
        .unwrap()
        .into_iter()
        .map(|b| (b.user.name, b.blocked_at))
        .collect();
    assert_eq!(
        blocked,
        [("Cy".to_owned(), at(3)), ("Bob".to_owned(), at(1))]
    );
    assert_eq!(
        store
            .blockers_of(bob.id, vec![ann.id, cy.id])
            .await
            .unwrap(),
        [ann.id]
    );
    assert!(store.unblock(ann.id, bob.id).await.unwrap());
    assert!(!store.unblock(ann.id, bob.id).await.unwrap());
    assert!(
        store
            .blockers_of(bob.id, vec![ann.id])
            .await
            .unwrap()
            .is_empty()
    );
}

async fn someone_blocked_cannot_write_in_the_direct_chat_but_still_in_a_shared_room(
    ctx: TestContext,
) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let chat = ctx.direct(&bob, &ann, 1).await;
    let room = ctx.group(&ann, &[&bob], "Room", 1).await;
    moderation(&ctx).block(ann.id, bob.id, at(2)).await.unwrap();
    let mut refused = crate::governance::new_message(&chat, &bob, "hi", 3);
    assert_eq!(
        ctx.messages.append(refused.clone()).await,
        Err(DomainError::CannotMessageUser)
    );
    refused.sender = ann.id;
    ctx.messages.append(refused).await.unwrap();
    ctx.send(&room, &bob, "in the room", 4).await;
}

async fn a_blocked_authors_messages_are_marked_and_not_counted_unread_for_the_blocker(
    ctx: TestContext,
) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let cy = ctx.user("Cy").await;
    let dee = ctx.user("Dee").await;
    let room = ctx.group(&ann, &[&bob, &cy, &dee], "Room", 1).await;
    moderation(&ctx).block(ann.id, bob.id, at(1)).await.unwrap();
    for i in 0..3 {
        ctx.send(&room, &bob, "noise", 2 + i).await;
    }
    ctx.send(&room, &cy, "signal", 9).await;
    let page = ctx
        .messages
        .list(room.id, PageRequest::default(), ann.id)
        .await
        .unwrap();
    let marked: Vec<bool> = page.items.iter().map(|m| m.author_blocked).collect();
    assert_eq!(marked, [false, true, true, true]);
    let as_dee = ctx
        .messages
        .list(room.id, PageRequest::default(), dee.id)
        .await
        .unwrap();
    assert!(
        as_dee.items.iter().all(|m| !m.author_blocked),
        "a block is its owner's alone"
    );
    let overview = |user| ctx.conversations.overview(room.id, user);
    assert_eq!(overview(ann.id).await.unwrap().unwrap().unread_count, 1);
    assert_eq!(overview(dee.id).await.unwrap().unwrap().unread_count, 4);
    let listed = ctx.conversations.list_for(ann.id).await.unwrap();
    assert_eq!(listed[0].unread_count, 1);
    ctx.conversations
        .mark_read(room.id, ann.id, 4)
        .await
        .unwrap();
    assert_eq!(overview(ann.id).await.unwrap().unwrap().unread_count, 0);
}

async fn someone_you_block_neither_mentions_nor_alerts_you(ctx: TestContext) {
    use crate::mentions::{naming, send, unread_mentions};
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let cy = ctx.user("Cy").await;
    let room = ctx.group(&ann, &[&bob, &cy], "Room", 1).await;
    moderation(&ctx).block(ann.id, bob.id, at(2)).await.unwrap();
    let (_, alerted) = send(&ctx, naming(&room, &bob, "@Ann @Cy", &[&ann, &cy], false)).await;
    let alerted: Vec<_> = alerted.into_iter().map(|(user, _)| user).collect();
    assert_eq!(alerted, [cy.id], "Ann blocks Bob");
    let (_, alerted) = send(&ctx, naming(&room, &bob, "@room", &[], true)).await;
    let alerted: Vec<_> = alerted.into_iter().map(|(user, _)| user).collect();
    assert_eq!(alerted, [cy.id]);
    assert_eq!(unread_mentions(&ctx, &room, &ann).await, 0);
    assert_eq!(unread_mentions(&ctx, &room, &cy).await, 2);
    let feed = ctx.messages.mentions_of(ann.id, None, 10).await.unwrap();
    assert!(feed.items.is_empty(), "nothing of Bob's in Ann's feed");
    // Ann still alerts Bob: a block is one way.
    let (_, alerted) = send(&ctx, naming(&room, &ann, "@Bob", &[&bob], false)).await;
    assert_eq!(alerted.len(), 1);
}

async fn a_report_is_stored_once_listed_open_first_and_resolved_once(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let cy = ctx.user("Cy").await;
    let room = ctx.group(&ann, &[&bob, &cy], "Room", 1).await;
    let other = ctx.group(&ann, &[], "Other", 1).await;
    let first = ctx.send(&room, &bob, "spam", 2).await;
    let second = ctx.send(&room, &bob, "more spam", 3).await;
    let store = moderation(&ctx);
    let report = |message: &confab_domain::MessageView, reporter: &confab_domain::User| NewReport {
        conversation_id: room.id,
        message_id: message.message.id,
        reporter: reporter.id,
        reason: ReportReason::Spam,
        details: None,
        created_at: at(5),
    };
    let (one, new) = store.report(report(&first, &cy), ann.id).await.unwrap();
    assert!(new);
    assert_eq!(one.message.message.body, "spam");
    assert_eq!(one.reporter.name, "Cy");
    let (again, new) = store.report(report(&first, &cy), ann.id).await.unwrap();
    assert!(!new);
    assert_eq!(again.id, one.id);
    let (two, _) = store.report(report(&second, &cy), ann.id).await.unwrap();
    let (three, _) = store.report(report(&second, &ann), ann.id).await.unwrap();
    let mut elsewhere = report(&first, &cy);
    elsewhere.conversation_id = other.id;
    assert_eq!(
        store.report(elsewhere, ann.id).await.map(|(r, _)| r.id),
        Err(DomainError::MessageNotFound)
    );

    let resolving = Resolving {
        conversation_id: room.id,
        report_id: two.id,
        resolution: Resolution::Dismissed,
        by: ann.id,
        at: at(9),
    };
    let audit = AuditEntry::new(room.id, ann.id, AuditAction::ReportResolved, Some(bob.id));
    let resolved = store
        .resolve_report(resolving, audit.clone(), ann.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(resolved.resolution, Some(Resolution::Dismissed));
    assert_eq!(resolved.resolved_by.map(|u| u.name), Some("Ann".to_owned()));
    assert_eq!(
        store
            .resolve_report(resolving, audit, ann.id)
            .await
            .unwrap(),
        None
    );

    let (page, more) = store.reports(room.id, None, 2, ann.id).await.unwrap();
    assert!(more);
    let ids: Vec<i64> = page.iter().map(|r| r.id).collect();
    assert_eq!(ids, [three.id, one.id], "open first, newest first");
    let (rest, more) = store
        .reports(room.id, Some(one.id), 2, ann.id)
        .await
        .unwrap();
    assert!(!more);
    assert_eq!(rest.iter().map(|r| r.id).collect::<Vec<_>>(), [two.id]);
    let (log, _) = store.audit_log(room.id, None, 10).await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].action, AuditAction::ReportResolved);
}

each_backend!(
    a_block_is_kept_once_and_lifted,
    someone_blocked_cannot_write_in_the_direct_chat_but_still_in_a_shared_room,
    a_blocked_authors_messages_are_marked_and_not_counted_unread_for_the_blocker,
    someone_you_block_neither_mentions_nor_alerts_you,
    a_report_is_stored_once_listed_open_first_and_resolved_once,
);
