//! Managing a room: closing, inviting, removing, banning and leaving.

use super::*;

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
