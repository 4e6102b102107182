//! Differences, events and audit entries of the governance changes. (Joins, departures and the
//! close are in `change_events/tests.rs`.)

use chrono::{Duration, TimeZone, Utc};

use super::*;
use crate::{
    ConversationId, ConversationKind, Participant, RoomSettings, SettingsChange, SlowMode,
};

const OWNER: UserId = UserId(1);
const ADMIN: UserId = UserId(2);
const MEMBER: UserId = UserId(3);

fn now() -> crate::Timestamp {
    Utc.with_ymd_and_hms(2026, 2, 19, 14, 30, 0).unwrap()
}

fn room() -> Conversation {
    let mut admin = Participant::new(ADMIN);
    admin.standing.role = Role::Admin;
    Conversation {
        id: ConversationId(1),
        kind: ConversationKind::Group,
        name: None,
        created_by: OWNER,
        settings: RoomSettings::default(),
        participants: vec![Participant::owner(OWNER), admin, Participant::new(MEMBER)],
        banned: vec![UserId(8)],
        closed_at: None,
        created_at: now(),
        updated_at: now(),
        version: 0,
    }
}

fn change(act: impl FnOnce(&mut Conversation)) -> (Conversation, Conversation, RoomDifference) {
    let before = room();
    let mut after = before.clone();
    act(&mut after);
    let difference = RoomDifference::between(&before, &after);
    (before, after, difference)
}

fn actions(entries: &[AuditEntry]) -> Vec<(AuditAction, Option<UserId>)> {
    entries.iter().map(|e| (e.action, e.target_user)).collect()
}

#[test]
fn a_transfer_is_two_standings_one_event_each_and_one_audit_entry() {
    let (before, after, difference) = change(|room| room.transfer(OWNER, MEMBER).unwrap());
    assert_eq!(
        difference.restanded,
        [
            (
                OWNER,
                Standing {
                    role: Role::Admin,
                    timed_out_until: None
                }
            ),
            (MEMBER, Standing::owner())
        ]
    );
    let events = difference.events(&after, &BTreeMap::new());
    assert_eq!(events.len(), 2);
    assert!(matches!(
        &events[1],
        RealtimeEvent::ParticipantUpdated { user, standing, .. }
            if user.id == MEMBER && standing.role == Role::Owner
    ));
    let audit = difference.audit(&before, &after, OWNER);
    assert_eq!(
        actions(&audit),
        [(AuditAction::OwnershipTransferred, Some(MEMBER))]
    );
}

#[test]
fn a_role_change_and_a_timeout_are_audited_with_their_details() {
    let until = now() + Duration::minutes(5);
    let (before, after, difference) = change(|room| {
        room.set_role(OWNER, MEMBER, Role::Admin).unwrap();
        room.time_out(OWNER, ADMIN, Some(until), now()).unwrap();
    });
    let audit = difference.audit(&before, &after, OWNER);
    assert_eq!(
        actions(&audit),
        [
            (AuditAction::TimedOut, Some(ADMIN)),
            (AuditAction::RoleChanged, Some(MEMBER))
        ]
    );
    assert_eq!(audit[0].details["until"], crate::text::rfc3339(until));
    assert_eq!(audit[1].details["role"], "admin");
}

#[test]
fn an_unban_and_a_settings_change_tell_and_are_audited() {
    let (before, after, difference) = change(|room| {
        room.unban(ADMIN, UserId(8)).unwrap();
        room.change_settings(
            ADMIN,
            SettingsChange {
                slow_mode: Some(SlowMode::parse(10).unwrap()),
                ..SettingsChange::default()
            },
        )
        .unwrap();
    });
    let events = difference.events(&after, &BTreeMap::new());
    assert!(
        matches!(&events[0], RealtimeEvent::ParticipantUnbanned { user, .. } if user.id == UserId(8))
    );
    assert!(matches!(
        &events[1],
        RealtimeEvent::ConversationUpdated { conversation }
            if conversation.slow_mode.seconds() == 10
                && conversation.role_of(ADMIN) == Some(Role::Admin)
    ));
    let audit = difference.audit(&before, &after, ADMIN);
    assert_eq!(
        actions(&audit),
        [
            (AuditAction::ParticipantUnbanned, Some(UserId(8))),
            (AuditAction::SettingsChanged, None)
        ]
    );
    assert_eq!(
        audit[1].details.keys().collect::<Vec<_>>(),
        ["slow_mode_seconds"]
    );
}

#[test]
fn leaving_is_not_moderation_but_a_removal_a_ban_and_a_close_are() {
    let (before, after, difference) = change(|room| room.leave(MEMBER).unwrap());
    assert!(difference.audit(&before, &after, MEMBER).is_empty());
    let (before, after, difference) = change(|room| {
        room.remove(OWNER, MEMBER).unwrap();
        room.ban(OWNER, ADMIN).unwrap();
        room.close(OWNER, now()).unwrap();
    });
    assert_eq!(
        actions(&difference.audit(&before, &after, OWNER)),
        [
            (AuditAction::ParticipantBanned, Some(ADMIN)),
            (AuditAction::ParticipantRemoved, Some(MEMBER)),
            (AuditAction::RoomClosed, None)
        ]
    );
}

#[test]
fn nothing_changed_tells_nothing() {
    let (before, after, difference) = change(|room| {
        room.set_role(OWNER, ADMIN, Role::Admin).unwrap();
    });
    assert!(difference.is_empty());
    assert!(difference.events(&after, &BTreeMap::new()).is_empty());
    assert!(difference.audit(&before, &after, OWNER).is_empty());
}
