//! What a reader has read.

use super::*;

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
            avatar: None,
        },
        closed_at: Some(now()),
        participants: vec![UserSummary {
            id: CREATOR,
            name: "John".into(),
            avatar: None,
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
