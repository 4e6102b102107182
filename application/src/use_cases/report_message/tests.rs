use confab_domain::{MessageChange, Report, UserId, UserSummary};

use super::*;
use crate::test_support::{
    Mocks, decided, expect_departure, group_room, group_room_and_people, message_by, now, overview,
    room_with_message_by,
};

fn stored(resolution: Option<Resolution>) -> Report {
    Report {
        id: 7,
        conversation_id: ConversationId(1),
        message: message_by(2),
        reporter: UserSummary {
            id: UserId(3),
            name: "Cy".into(),
            avatar: None,
        },
        reason: ReportReason::Spam,
        details: None,
        resolution,
        resolved_by: None,
        resolved_at: None,
        created_at: now(),
    }
}

#[tokio::test]
async fn a_member_reports_another_members_message() {
    let mut mocks = Mocks::new();
    room_with_message_by(&mut mocks, 2);
    mocks
        .moderation
        .expect_report()
        .withf(|report, viewer| {
            report.message_id == MessageId(16)
                && report.reporter == UserId(1)
                && report.reason == ReportReason::Abuse
                && report.details.as_ref().map(ReportDetails::as_str) == Some("rude")
                && *viewer == UserId(1)
        })
        .times(1)
        .returning(|_, _| Ok((stored(None), true)));
    let (_, new) = mocks
        .build()
        .report_message(
            &Caller::new(UserId(1)),
            ConversationId(1),
            MessageId(16),
            "abuse",
            Some(" rude "),
        )
        .await
        .unwrap();
    assert!(new);
}

#[tokio::test]
async fn a_bad_reason_and_ones_own_message_are_refused_before_storing() {
    let mut mocks = Mocks::new();
    room_with_message_by(&mut mocks, 1);
    mocks.moderation.expect_report().never();
    let app = mocks.build();
    let me = Caller::new(UserId(1));
    let err = app
        .report_message(&me, ConversationId(1), MessageId(16), "boring", None)
        .await
        .unwrap_err();
    assert!(matches!(err, DomainError::Invalid(e) if e.fields().contains_key("reason")));
    let err = app
        .report_message(&me, ConversationId(1), MessageId(16), "spam", None)
        .await
        .unwrap_err();
    assert!(matches!(err, DomainError::Invalid(e) if e.fields().contains_key("message")));
}

#[tokio::test]
async fn resolving_with_a_ban_bans_the_author_then_records_the_resolution() {
    let mut mocks = Mocks::new();
    group_room_and_people(&mut mocks);
    mocks
        .moderation
        .expect_find_report()
        .returning(|_, _, _| Ok(Some(stored(None))));
    mocks
        .conversations
        .expect_modify()
        .times(1)
        .returning(|_, _, decide| {
            let change = decided(group_room(), decide)?;
            assert!(change.room.is_banned(UserId(2)));
            Ok(change)
        });
    expect_departure(&mut mocks, UserId(2), true);
    mocks
        .conversations
        .expect_overview()
        .returning(|id, _| Ok(Some(overview(id.get()))));
    mocks
        .moderation
        .expect_resolve_report()
        .withf(|resolving, audit, _| {
            resolving.resolution == Resolution::UserBanned
                && resolving.report_id == 7
                && audit.action == AuditAction::ReportResolved
                && audit.details.get("resolution").map(String::as_str) == Some("user_banned")
        })
        .times(1)
        .returning(|_, _, _| Ok(Some(stored(Some(Resolution::UserBanned)))));
    let report = mocks
        .build()
        .resolve_report(&Caller::new(UserId(1)), ConversationId(1), 7, "user_banned")
        .await
        .unwrap();
    assert_eq!(report.resolution, Some(Resolution::UserBanned));
}

#[tokio::test]
async fn a_resolved_report_is_not_resolved_again_and_members_may_not_resolve() {
    let mut mocks = Mocks::new();
    mocks
        .conversations
        .expect_find()
        .returning(|_| Ok(Some(group_room())));
    mocks
        .moderation
        .expect_find_report()
        .returning(|_, _, _| Ok(Some(stored(Some(Resolution::Dismissed)))));
    mocks.moderation.expect_resolve_report().never();
    mocks.messages.expect_delete().never();
    let app = mocks.build();
    let err = app
        .resolve_report(
            &Caller::new(UserId(1)),
            ConversationId(1),
            7,
            "message_deleted",
        )
        .await
        .unwrap_err();
    assert!(matches!(err, DomainError::Invalid(e) if e.fields().contains_key("action")));
    let err = app
        .resolve_report(&Caller::new(UserId(2)), ConversationId(1), 7, "dismissed")
        .await;
    assert_eq!(err.unwrap_err(), DomainError::ModeratorsOnly);
}

#[tokio::test]
async fn deleting_the_reported_message_is_a_moderators_deletion() {
    let mut mocks = Mocks::new();
    room_with_message_by(&mut mocks, 2);
    mocks
        .moderation
        .expect_find_report()
        .returning(|_, _, _| Ok(Some(stored(None))));
    mocks
        .messages
        .expect_delete()
        .withf(|id, _, audit| *id == MessageId(16) && audit.is_some())
        .times(1)
        .returning(|id, at, _| {
            Ok(Some(MessageChange::Deleted {
                conversation_id: ConversationId(1),
                message_id: id,
                deleted_at: at,
            }))
        });
    mocks.broadcaster.expect_publish().returning(|_, _| ());
    mocks
        .moderation
        .expect_resolve_report()
        .times(1)
        .returning(|_, _, _| Ok(Some(stored(Some(Resolution::MessageDeleted)))));
    mocks
        .build()
        .resolve_report(
            &Caller::new(UserId(1)),
            ConversationId(1),
            7,
            "message_deleted",
        )
        .await
        .unwrap();
}
