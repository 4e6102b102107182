use chrono::{TimeZone, Utc};

use super::*;
use crate::{Message, MessageId, UserSummary};

const CREATOR: UserId = UserId(1);
const MEMBER: UserId = UserId(2);
const OUTSIDER: UserId = UserId(9);

fn now() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 2, 19, 14, 30, 0).unwrap()
}

/// A room CREATOR started with MEMBER; in a group, CREATOR owns it.
fn room(kind: ConversationKind) -> Conversation {
    let creator = match kind {
        ConversationKind::Group => Participant::owner(CREATOR),
        ConversationKind::Direct => Participant::new(CREATOR),
    };
    Conversation {
        id: ConversationId(1),
        kind,
        name: None,
        created_by: CREATOR,
        settings: RoomSettings::default(),
        participants: vec![creator, Participant::new(MEMBER)],
        banned: vec![],
        closed_at: None,
        created_at: now(),
        updated_at: now(),
        version: 0,
    }
}

fn group() -> Conversation {
    room(ConversationKind::Group)
}

fn direct() -> Conversation {
    room(ConversationKind::Direct)
}

/// The `seq`th message of the room; its id differs on purpose, as the unread rule reads `seq`.
fn message(seq: u64, sender: UserId) -> Message {
    Message {
        id: MessageId(seq as i64 + 100),
        conversation_id: ConversationId(1),
        seq,
        sender,
        body: "hi".into(),
        created_at: now(),
        edited_at: None,
        deleted_at: None,
        client_id: None,
        reply_to: None,
        mention_room: false,
        thread_id: None,
        pinned: None,
    }
}

fn room_name(raw: &str) -> Option<RoomName> {
    RoomName::parse(raw).unwrap()
}

// --- creating ---

#[test]
fn one_other_user_without_a_type_makes_a_direct_chat() {
    let plan = NewConversation::plan(CREATOR, None, None, &[MEMBER], now()).unwrap();
    assert_eq!(plan.kind, ConversationKind::Direct);
    assert_eq!(plan.participants, vec![CREATOR, MEMBER]);
    assert_eq!(plan.direct_partner(), Some(MEMBER));
}

#[test]
fn no_other_users_or_several_make_a_group_by_default() {
    let empty = NewConversation::plan(CREATOR, None, None, &[], now()).unwrap();
    assert_eq!(empty.kind, ConversationKind::Group);
    assert_eq!(empty.participants, vec![CREATOR]);
    let many = NewConversation::plan(CREATOR, None, None, &[UserId(3), UserId(4)], now()).unwrap();
    assert_eq!(many.kind, ConversationKind::Group);
    assert_eq!(many.direct_partner(), None);
}

#[test]
fn a_name_with_one_other_user_makes_a_group() {
    let plan = NewConversation::plan(CREATOR, None, room_name("Pair"), &[MEMBER], now()).unwrap();
    assert_eq!(plan.kind, ConversationKind::Group);
}

#[test]
fn direct_chat_needs_exactly_one_other_user() {
    for others in [&[][..], &[UserId(3), UserId(4)][..]] {
        let err =
            NewConversation::plan(CREATOR, Some(ConversationKind::Direct), None, others, now())
                .unwrap_err();
        assert!(matches!(err, DomainError::Invalid(e) if e.fields().contains_key("user_ids")));
    }
}

#[test]
fn direct_chat_with_yourself_is_refused() {
    let err = NewConversation::plan(
        CREATOR,
        Some(ConversationKind::Direct),
        None,
        &[CREATOR],
        now(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("yourself"));
}

#[test]
fn direct_chat_drops_a_name() {
    let plan = NewConversation::plan(
        CREATOR,
        Some(ConversationKind::Direct),
        room_name("x"),
        &[MEMBER],
        now(),
    )
    .unwrap();
    assert_eq!(plan.name, None);
}

#[test]
fn group_may_start_with_only_its_creator_and_ignores_the_creator_among_others() {
    let plan = NewConversation::plan(
        CREATOR,
        Some(ConversationKind::Group),
        room_name("Alpha"),
        &[CREATOR, MEMBER],
        now(),
    )
    .unwrap();
    assert_eq!(plan.participants, vec![CREATOR, MEMBER]);
    assert_eq!(plan.name.unwrap().as_str(), "Alpha");
}

#[test]
fn duplicate_user_ids_are_refused_and_named() {
    let err = NewConversation::plan(
        CREATOR,
        None,
        None,
        &[UserId(3), UserId(3), UserId(4)],
        now(),
    )
    .unwrap_err();
    assert!(err.to_string().contains('3'), "{err}");
}

#[test]
fn kind_parses_direct_and_group_only() {
    assert_eq!(
        ConversationKind::parse("direct"),
        Ok(ConversationKind::Direct)
    );
    assert_eq!(
        ConversationKind::parse("group"),
        Ok(ConversationKind::Group)
    );
    assert!(ConversationKind::parse("channel").is_err());
}

#[test]
fn room_name_is_trimmed_blank_is_none_and_long_is_refused() {
    assert_eq!(
        RoomName::parse("  Alpha ").unwrap().unwrap().as_str(),
        "Alpha"
    );
    assert_eq!(RoomName::parse("   ").unwrap(), None);
    assert!(RoomName::parse(&"n".repeat(256)).is_err());
}

// --- visibility and posting ---

#[test]
fn outsiders_are_told_the_conversation_does_not_exist() {
    assert_eq!(
        group().ensure_visible_to(OUTSIDER),
        Err(DomainError::ConversationNotFound)
    );
    assert!(group().ensure_visible_to(MEMBER).is_ok());
}

#[test]
fn participants_may_post_in_an_open_room() {
    assert!(group().ensure_can_post(MEMBER, now()).is_ok());
    assert!(direct().ensure_can_post(CREATOR, now()).is_ok());
}

#[test]
fn nobody_may_post_in_a_closed_room() {
    let mut room = group();
    room.close(CREATOR, now()).unwrap();
    assert_eq!(
        room.ensure_can_post(CREATOR, now()),
        Err(DomainError::ClosedRoomCannotPost)
    );
}

#[test]
fn outsiders_cannot_post() {
    assert_eq!(
        group().ensure_can_post(OUTSIDER, now()),
        Err(DomainError::ConversationNotFound)
    );
}

// --- closing ---

#[test]
fn creator_closes_a_group_room() {
    let mut room = group();
    room.close(CREATOR, now()).unwrap();
    assert_eq!(room.closed_at, Some(now()));
    assert!(room.is_closed());
}

#[test]
fn only_the_creator_may_close() {
    assert_eq!(
        group().close(MEMBER, now()),
        Err(DomainError::NotTheCreator)
    );
}

#[test]
fn a_direct_chat_cannot_be_closed() {
    assert_eq!(direct().close(CREATOR, now()), Err(DomainError::DirectChat));
}

#[test]
fn closing_twice_is_refused_and_keeps_the_first_time() {
    let mut room = group();
    room.close(CREATOR, now()).unwrap();
    let later = now() + chrono::Duration::minutes(5);
    assert_eq!(room.close(CREATOR, later), Err(DomainError::AlreadyClosed));
    assert_eq!(room.closed_at, Some(now()));
}

#[test]
fn outsiders_managing_a_room_get_not_found_before_forbidden() {
    assert_eq!(
        group().close(OUTSIDER, now()),
        Err(DomainError::ConversationNotFound)
    );
    assert_eq!(
        group().invite(OUTSIDER, &[UserId(5)]),
        Err(DomainError::ConversationNotFound)
    );
}

// --- inviting ---

#[test]
fn creator_invites_and_learns_who_was_added() {
    let mut room = group();
    let added = room
        .invite(CREATOR, &[UserId(5), MEMBER, UserId(6)])
        .unwrap();
    assert_eq!(added, vec![UserId(5), UserId(6)]);
    assert!(room.is_participant(UserId(5)) && room.is_participant(UserId(6)));
    assert_eq!(room.participants.len(), 4);
}

#[test]
fn only_the_creator_may_invite() {
    assert_eq!(
        group().invite(MEMBER, &[UserId(5)]),
        Err(DomainError::NotTheCreator)
    );
}

#[test]
fn nobody_can_be_invited_to_a_direct_chat() {
    assert_eq!(
        direct().invite(CREATOR, &[UserId(5)]),
        Err(DomainError::DirectChat)
    );
}

#[test]
fn nobody_can_be_invited_to_a_closed_room() {
    let mut room = group();
    room.close(CREATOR, now()).unwrap();
    assert_eq!(
        room.invite(CREATOR, &[UserId(5)]),
        Err(DomainError::ClosedRoomCannotInvite)
    );
}

#[test]
fn inviting_nobody_is_a_validation_error() {
    assert!(matches!(
        group().invite(CREATOR, &[]),
        Err(DomainError::Invalid(_))
    ));
}

#[test]
fn inviting_someone_twice_in_one_request_is_refused() {
    let err = group()
        .invite(CREATOR, &[UserId(5), UserId(5)])
        .unwrap_err();
    assert!(err.to_string().contains('5'));
}

#[test]
fn banned_user_cannot_be_reinvited_and_nobody_else_is_added() {
    let mut room = group();
    room.ban(CREATOR, MEMBER).unwrap();
    let err = room.invite(CREATOR, &[UserId(5), MEMBER]).unwrap_err();
    assert!(matches!(&err, DomainError::Invalid(e) if e.fields().contains_key("user_ids")));
    assert!(err.to_string().contains(&MEMBER.to_string()));
    assert!(!room.is_participant(UserId(5)));
}

#[test]
fn removed_user_can_be_reinvited() {
    let mut room = group();
    room.remove(CREATOR, MEMBER).unwrap();
    assert_eq!(room.invite(CREATOR, &[MEMBER]).unwrap(), vec![MEMBER]);
}

// --- removing ---

#[test]
fn creator_removes_a_participant() {
    let mut room = group();
    room.remove(CREATOR, MEMBER).unwrap();
    assert!(!room.is_participant(MEMBER));
    assert!(!room.is_banned(MEMBER));
}

#[test]
fn only_the_creator_may_remove() {
    let mut room = group();
    room.invite(CREATOR, &[UserId(5)]).unwrap();
    assert_eq!(
        room.remove(MEMBER, UserId(5)),
        Err(DomainError::NotTheCreator)
    );
}

#[test]
fn creator_cannot_remove_themself() {
    assert_eq!(
        group().remove(CREATOR, CREATOR),
        Err(DomainError::CreatorIsProtected)
    );
}

#[test]
fn removing_someone_not_in_the_room_is_not_found() {
    assert_eq!(
        group().remove(CREATOR, OUTSIDER),
        Err(DomainError::NotAParticipant)
    );
}

#[test]
fn nobody_can_be_removed_from_a_direct_chat() {
    assert_eq!(
        direct().remove(CREATOR, MEMBER),
        Err(DomainError::DirectChat)
    );
}

// --- banning ---

#[test]
fn ban_removes_the_user_and_remembers_the_ban() {
    let mut room = group();
    assert_eq!(room.ban(CREATOR, MEMBER), Ok(true));
    assert!(!room.is_participant(MEMBER));
    assert!(room.is_banned(MEMBER));
}

#[test]
fn a_user_who_is_not_inside_can_still_be_banned() {
    assert_eq!(group().ban(CREATOR, OUTSIDER), Ok(false));
}

#[test]
fn banning_twice_is_refused() {
    let mut room = group();
    room.ban(CREATOR, MEMBER).unwrap();
    assert_eq!(
        room.ban(CREATOR, MEMBER),
        Err(DomainError::AlreadyBanned(MEMBER))
    );
}

#[test]
fn only_the_creator_may_ban_and_not_themself_nor_in_a_direct_chat() {
    assert_eq!(
        group().ban(MEMBER, CREATOR),
        Err(DomainError::NotTheCreator)
    );
    assert_eq!(
        group().ban(CREATOR, CREATOR),
        Err(DomainError::CreatorIsProtected)
    );
    assert_eq!(direct().ban(CREATOR, MEMBER), Err(DomainError::DirectChat));
}

#[test]
fn a_closed_room_can_still_be_moderated() {
    let mut room = group();
    room.close(CREATOR, now()).unwrap();
    assert!(room.ban(CREATOR, MEMBER).is_ok());
}

// --- leaving ---

#[test]
fn a_participant_may_leave_a_group() {
    let mut room = group();
    room.leave(MEMBER).unwrap();
    assert!(!room.is_participant(MEMBER));
}

#[test]
fn the_creator_cannot_leave() {
    assert_eq!(group().leave(CREATOR), Err(DomainError::CreatorCannotLeave));
}

#[test]
fn nobody_leaves_a_direct_chat_and_outsiders_cannot_leave() {
    assert_eq!(direct().leave(MEMBER), Err(DomainError::DirectChat));
    assert_eq!(
        group().leave(OUTSIDER),
        Err(DomainError::ConversationNotFound)
    );
}

// --- reading ---

#[test]
fn messages_by_others_after_my_read_position_are_unread() {
    let mut me = Participant::new(MEMBER);
    assert!(me.has_not_read(&message(1, CREATOR)));
    me.read.advance(5);
    assert!(!me.has_not_read(&message(5, CREATOR)));
    assert!(me.has_not_read(&message(6, CREATOR)));
}

#[test]
fn my_own_messages_are_never_unread() {
    assert!(!Participant::new(MEMBER).has_not_read(&message(1, MEMBER)));
}

#[test]
fn overview_knows_its_creator_and_state() {
    let overview = ConversationOverview {
        id: ConversationId(1),
        kind: ConversationKind::Group,
        name: None,
        description: None,
        slow_mode: crate::SlowMode::default(),
        created_by: UserSummary {
            id: CREATOR,
            name: "John".into(),
        },
        closed_at: Some(now()),
        participants: vec![UserSummary {
            id: CREATOR,
            name: "John".into(),
        }],
        standings: [(CREATOR, crate::Standing::owner())].into(),
        last_message: None,
        unread_count: 0,
        unread_mentions: 0,
        notifications: Default::default(),
        updated_at: now(),
        last_read: Default::default(),
    };
    assert!(overview.is_creator(CREATOR));
    assert!(!overview.is_creator(MEMBER));
    assert!(overview.is_closed());
    assert_eq!(overview.participant_ids(), vec![CREATOR]);
}

#[test]
fn at_most_a_thousand_users_are_named_at_once() {
    let many: Vec<UserId> = (10..=1_010).map(UserId).collect();
    assert!(matches!(
        group().invite(CREATOR, &many),
        Err(DomainError::Invalid(e)) if e.fields().contains_key("user_ids")
    ));
    assert!(group().invite(CREATOR, &many[..1_000]).is_ok());
}

#[test]
fn a_room_name_with_a_nul_is_refused() {
    assert!(RoomName::parse("a\0b").unwrap_err().contains("NUL"));
}
