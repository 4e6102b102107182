//! Roles, ownership, timeouts, unbans and settings. (Closing, inviting, removing, banning and
//! leaving as the seed has them are in `conversation/tests.rs`.)

use chrono::{Duration, TimeZone, Utc};

use super::*;
use crate::SlowMode;
use crate::conversation::{RoomDescription, RoomName, RoomSettings};
use crate::{ConversationId, Timestamp};

const OWNER: UserId = UserId(1);
const ADMIN: UserId = UserId(2);
const MEMBER: UserId = UserId(3);
const OTHER: UserId = UserId(4);
const OUTSIDER: UserId = UserId(9);

fn now() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 2, 19, 14, 30, 0).unwrap()
}

fn member(user: UserId, role: Role) -> Participant {
    let mut member = Participant::new(user);
    member.standing.role = role;
    member
}

/// OWNER owns it, ADMIN is an admin, MEMBER and OTHER are members.
fn room() -> Conversation {
    Conversation {
        id: ConversationId(1),
        kind: ConversationKind::Group,
        name: None,
        created_by: OWNER,
        settings: RoomSettings::default(),
        participants: vec![
            member(OWNER, Role::Owner),
            member(ADMIN, Role::Admin),
            member(MEMBER, Role::Member),
            member(OTHER, Role::Member),
        ],
        banned: vec![],
        closed_at: None,
        created_at: now(),
        updated_at: now(),
        version: 0,
    }
}

fn role_of(room: &Conversation, user: UserId) -> Role {
    room.standing(user).role
}

// --- who may manage ---

#[test]
fn admins_invite_remove_and_ban_members_but_not_each_other_nor_the_owner() {
    let mut room = room();
    assert_eq!(room.invite(ADMIN, &[UserId(5)]), Ok(vec![UserId(5)]));
    assert_eq!(room.remove(ADMIN, MEMBER), Ok(()));
    assert_eq!(room.ban(ADMIN, OTHER), Ok(true));
    let mut second = room.clone();
    second.participants.push(member(UserId(6), Role::Admin));
    assert_eq!(
        second.remove(ADMIN, UserId(6)),
        Err(DomainError::CannotModerate)
    );
    assert_eq!(
        second.ban(ADMIN, UserId(6)),
        Err(DomainError::CannotModerate)
    );
    assert_eq!(
        room.remove(ADMIN, OWNER),
        Err(DomainError::CreatorIsProtected)
    );
    assert_eq!(room.ban(ADMIN, OWNER), Err(DomainError::CreatorIsProtected));
}

#[test]
fn the_owner_removes_and_bans_admins() {
    let mut room = room();
    assert_eq!(room.remove(OWNER, ADMIN), Ok(()));
    let mut again = self::room();
    assert_eq!(again.ban(OWNER, ADMIN), Ok(true));
}

#[test]
fn members_manage_nothing_and_keep_the_seed_refusal() {
    let mut room = room();
    assert_eq!(
        room.invite(MEMBER, &[UserId(5)]),
        Err(DomainError::NotTheCreator)
    );
    assert_eq!(room.remove(MEMBER, OTHER), Err(DomainError::NotTheCreator));
    assert_eq!(room.ban(MEMBER, OTHER), Err(DomainError::NotTheCreator));
    assert_eq!(room.close(MEMBER, now()), Err(DomainError::NotTheCreator));
    assert_eq!(room.unban(MEMBER, OTHER), Err(DomainError::ModeratorsOnly));
    assert_eq!(
        room.time_out(MEMBER, OTHER, Some(now() + Duration::hours(1)), now()),
        Err(DomainError::ModeratorsOnly)
    );
    assert_eq!(
        room.change_settings(MEMBER, SettingsChange::default()),
        Err(DomainError::ModeratorsOnly)
    );
}

#[test]
fn only_the_owner_closes_and_changes_roles() {
    let mut room = room();
    assert_eq!(room.close(ADMIN, now()), Err(DomainError::NotTheCreator));
    assert_eq!(
        room.set_role(ADMIN, MEMBER, Role::Admin),
        Err(DomainError::OwnerOnly)
    );
    assert_eq!(room.transfer(ADMIN, MEMBER), Err(DomainError::OwnerOnly));
    assert_eq!(room.close(OWNER, now()), Ok(()));
}

#[test]
fn outsiders_are_told_the_room_does_not_exist_and_direct_chats_have_no_roles() {
    let mut room = room();
    assert_eq!(
        room.set_role(OUTSIDER, MEMBER, Role::Admin),
        Err(DomainError::ConversationNotFound)
    );
    room.kind = ConversationKind::Direct;
    assert_eq!(
        room.set_role(OWNER, MEMBER, Role::Admin),
        Err(DomainError::DirectChat)
    );
    assert_eq!(
        room.ensure_may(OWNER, Act::Pin),
        Err(DomainError::DirectChat)
    );
}

// --- roles and ownership ---

#[test]
fn the_owner_promotes_and_demotes() {
    let mut room = room();
    assert_eq!(room.set_role(OWNER, MEMBER, Role::Admin), Ok(true));
    assert_eq!(role_of(&room, MEMBER), Role::Admin);
    assert_eq!(room.set_role(OWNER, MEMBER, Role::Admin), Ok(false));
    assert_eq!(room.set_role(OWNER, ADMIN, Role::Member), Ok(true));
    assert_eq!(role_of(&room, ADMIN), Role::Member);
    assert_eq!(room.remove(ADMIN, OTHER), Err(DomainError::NotTheCreator));
}

#[test]
fn roles_are_not_a_way_to_make_or_unmake_an_owner() {
    let mut room = room();
    for (target, role) in [(MEMBER, Role::Owner), (OWNER, Role::Member)] {
        let err = room.set_role(OWNER, target, role).unwrap_err();
        assert!(
            matches!(&err, DomainError::Invalid(e) if e.fields().contains_key("role")),
            "{err:?}"
        );
    }
    assert_eq!(
        room.set_role(OWNER, OUTSIDER, Role::Admin),
        Err(DomainError::NotAParticipant)
    );
    assert_eq!(room.owner(), Some(OWNER));
}

#[test]
fn a_transfer_hands_the_room_over_and_the_former_owner_may_then_leave() {
    let mut room = room();
    room.participants[2].standing.timed_out_until = Some(now() + Duration::hours(1));
    assert_eq!(room.leave(OWNER), Err(DomainError::CreatorCannotLeave));
    assert_eq!(room.transfer(OWNER, MEMBER), Ok(()));
    assert_eq!(room.owner(), Some(MEMBER));
    assert_eq!(role_of(&room, OWNER), Role::Admin);
    assert_eq!(room.standing(MEMBER).timed_out_until, None);
    assert_eq!(
        room.participants
            .iter()
            .filter(|p| p.role() == Role::Owner)
            .count(),
        1
    );
    assert_eq!(room.leave(OWNER), Ok(()));
    assert_eq!(room.remove(MEMBER, ADMIN), Ok(()));
}

#[test]
fn a_transfer_goes_to_another_participant() {
    let mut room = room();
    for target in [OWNER, OUTSIDER] {
        let err = room.transfer(OWNER, target).unwrap_err();
        assert!(
            matches!(&err, DomainError::Invalid(e) if e.fields().contains_key("user_id")),
            "{err:?}"
        );
    }
}

// --- timeouts ---

#[test]
fn a_timeout_keeps_a_member_from_posting_until_it_ends() {
    let mut room = room();
    let until = now() + Duration::minutes(10);
    assert_eq!(room.time_out(ADMIN, MEMBER, Some(until), now()), Ok(()));
    assert_eq!(
        room.ensure_can_post(MEMBER, now()),
        Err(DomainError::TimedOut { until })
    );
    assert_eq!(
        room.ensure_can_take_part(MEMBER, now()),
        Err(DomainError::TimedOut { until })
    );
    assert_eq!(room.ensure_can_post(MEMBER, until), Ok(()));
    assert_eq!(room.time_out(ADMIN, MEMBER, None, now()), Ok(()));
    assert_eq!(room.ensure_can_post(MEMBER, now()), Ok(()));
}

#[test]
fn timeouts_go_downward_only() {
    let mut room = room();
    let until = Some(now() + Duration::minutes(10));
    assert_eq!(room.time_out(OWNER, ADMIN, until, now()), Ok(()));
    assert_eq!(
        room.time_out(ADMIN, OWNER, until, now()),
        Err(DomainError::CannotModerate)
    );
    assert_eq!(
        room.time_out(ADMIN, ADMIN, until, now()),
        Err(DomainError::CannotModerate)
    );
    assert_eq!(
        room.time_out(OWNER, OUTSIDER, until, now()),
        Err(DomainError::NotAParticipant)
    );
}

#[test]
fn a_timeout_ends_in_the_future_within_four_weeks() {
    let mut room = room();
    for until in [
        now(),
        now() - Duration::seconds(1),
        now() + Duration::days(29),
    ] {
        let err = room
            .time_out(OWNER, MEMBER, Some(until), now())
            .unwrap_err();
        assert!(
            matches!(&err, DomainError::Invalid(e) if e.fields().contains_key("until")),
            "{err:?}"
        );
    }
    assert_eq!(
        room.time_out(OWNER, MEMBER, Some(now() + Duration::days(28)), now()),
        Ok(())
    );
}

// --- unban and settings ---

#[test]
fn an_unban_lets_the_user_be_invited_again() {
    let mut room = room();
    room.ban(OWNER, OTHER).unwrap();
    assert!(room.invite(OWNER, &[OTHER]).is_err());
    assert_eq!(room.unban(ADMIN, OTHER), Ok(()));
    assert!(!room.is_participant(OTHER), "an unban brings nobody back");
    assert_eq!(room.unban(ADMIN, OTHER), Err(DomainError::NotBanned(OTHER)));
    assert_eq!(room.invite(ADMIN, &[OTHER]), Ok(vec![OTHER]));
}

#[test]
fn admins_change_the_settings_given_and_keep_the_rest() {
    let mut room = room();
    room.name = RoomName::parse("Alpha").unwrap();
    let change = SettingsChange {
        description: Some(RoomDescription::parse("About").unwrap()),
        slow_mode: Some(SlowMode::parse(30).unwrap()),
        ..SettingsChange::default()
    };
    assert_eq!(room.change_settings(ADMIN, change), Ok(()));
    assert_eq!(room.name.as_ref().map(RoomName::as_str), Some("Alpha"));
    assert_eq!(room.settings.slow_mode.seconds(), 30);
    let cleared = SettingsChange {
        name: Some(None),
        description: Some(None),
        ..SettingsChange::default()
    };
    assert_eq!(room.change_settings(OWNER, cleared), Ok(()));
    assert_eq!(
        (room.name.clone(), room.settings.description.clone()),
        (None, None)
    );
    assert_eq!(room.settings.slow_mode.seconds(), 30);
}
