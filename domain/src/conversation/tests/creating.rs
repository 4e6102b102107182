//! Creating a room, who sees it, and who may post in it.

use super::*;

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
