//! The scenario's part about running the room, through the generated client: Bob, made an
//! admin, pins his message, describes the room and times Carol out (her send is a 422 naming
//! `until`) and back; Carol reports Bob's message and Alice dismisses it; the audit log lists each
//! act; Alice blocks Dave and unblocks him.

use confab_client::Client;
use confab_client::types::{
    AuditEntryDtoAction, ConversationDtoMyRole, ParticipantDtoRole, ReportBody, ReportBodyReason,
    ResolveBody, ResolveBodyAction, RoleBody, RoleBodyRole, RoleDto, TimeoutBody,
    UpdateConversationBody,
};

/// The people of a room where Bob wrote a message.
pub struct Room<'a> {
    pub id: i64,
    pub alice: &'a Client,
    pub bob: (i64, &'a Client),
    pub carol: (i64, &'a Client),
    pub dave: i64,
}

pub async fn run_the_room(room: Room<'_>, bobs_message: i64) {
    let (alice, (bob_id, bob), (carol_id, carol)) = (room.alice, room.bob, room.carol);
    let promoted = alice
        .change_role(
            room.id,
            bob_id,
            &RoleBody {
                role: RoleBodyRole::Admin,
            },
        )
        .await
        .unwrap()
        .into_inner()
        .data;
    let bobs = promoted.participants.iter().find(|p| p.id == bob_id);
    assert!(
        matches!(
            bobs.map(|p| &p.role),
            Some(ParticipantDtoRole::Variant0(RoleDto::Admin))
        ),
        "{bobs:?}"
    );

    let pinned = bob
        .pin_message(room.id, bobs_message)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(pinned.data.pinned_by, Some(bob_id));
    let pins = carol.list_pins(room.id).await.unwrap().into_inner().data;
    assert_eq!(
        pins.iter().map(|m| m.id).collect::<Vec<_>>(),
        [bobs_message]
    );

    let described = bob
        .update_conversation(
            room.id,
            &UpdateConversationBody {
                description: Some("Planning".parse().unwrap()),
                name: None,
                slow_mode_seconds: None,
            },
        )
        .await
        .unwrap()
        .into_inner()
        .data;
    assert_eq!(described.description.as_deref(), Some("Planning"));
    assert!(matches!(
        described.my_role,
        ConversationDtoMyRole::Variant0(RoleDto::Admin)
    ));

    let until = chrono::Utc::now() + chrono::Duration::hours(1);
    let timed_out = bob
        .time_out_participant(room.id, carol_id, &TimeoutBody { until })
        .await
        .unwrap()
        .into_inner()
        .data;
    let carols = timed_out.participants.iter().find(|p| p.id == carol_id);
    assert!(carols.is_some_and(|p| p.timed_out_until.is_some()));
    let muted = carol
        .send_message(room.id, None, &super::alerts::text("hi"))
        .await;
    let error = super::refused(muted, 422);
    assert!(error.errors.contains_key("until"), "{error:?}");
    bob.lift_timeout(room.id, carol_id).await.unwrap();

    let body = ReportBody {
        reason: ReportBodyReason::Spam,
        details: None,
    };
    let report = carol
        .report_message(room.id, bobs_message, &body)
        .await
        .unwrap();
    assert_eq!(report.status().as_u16(), 201);
    let report = report.into_inner().data;
    let action = ResolveBody {
        action: ResolveBodyAction::Dismissed,
    };
    let dismissed = alice
        .resolve_report(room.id, report.id, &action)
        .await
        .unwrap()
        .into_inner()
        .data;
    assert_eq!(dismissed.status, "resolved");

    let audit = alice
        .read_audit_log(room.id, None, std::num::NonZeroU64::new(10))
        .await
        .unwrap()
        .into_inner()
        .data;
    let actions: Vec<AuditEntryDtoAction> = audit.into_iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        [
            AuditEntryDtoAction::ReportResolved,
            AuditEntryDtoAction::TimeoutLifted,
            AuditEntryDtoAction::TimedOut,
            AuditEntryDtoAction::SettingsChanged,
            AuditEntryDtoAction::MessagePinned,
            AuditEntryDtoAction::RoleChanged,
        ]
    );

    alice.block_user(room.dave).await.unwrap();
    let blocked = alice.list_blocks().await.unwrap().into_inner().data;
    assert_eq!(
        blocked.iter().map(|b| b.id).collect::<Vec<_>>(),
        [room.dave]
    );
    alice.unblock_user(room.dave).await.unwrap();
}
