use chrono::{TimeZone, Utc};

use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::{
    Conversation, ConversationId, ConversationKind, Participant, ReactionCount, Timestamp,
};

const CREATOR: UserId = UserId(1);
const MEMBER: UserId = UserId(2);
const GUEST: UserId = UserId(3);
const STRANGER: UserId = UserId(9);

fn now() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 2, 19, 14, 30, 0).unwrap()
}

fn room() -> Conversation {
    Conversation {
        id: ConversationId(1),
        kind: ConversationKind::Group,
        name: None,
        created_by: CREATOR,
        settings: Default::default(),
        participants: vec![Participant::owner(CREATOR), Participant::new(MEMBER)],
        banned: vec![],
        closed_at: None,
        created_at: now(),
        updated_at: now(),
        version: 0,
    }
}

fn changed(change: impl FnOnce(&mut Conversation)) -> RoomDifference {
    let before = room();
    let mut after = before.clone();
    change(&mut after);
    RoomDifference::between(&before, &after)
}

#[test]
fn an_invitation_adds_the_new_members_in_the_order_they_joined() {
    let difference = changed(|room| room.invite(CREATOR, &[STRANGER, GUEST]).map(drop).unwrap());
    assert_eq!(difference.added, [STRANGER, GUEST]);
    assert!(difference.removed.is_empty() && !difference.closed);
}

#[test]
fn leaving_and_removal_are_not_bans() {
    assert_eq!(
        changed(|room| room.leave(MEMBER).unwrap()).removed,
        [(MEMBER, false)]
    );
    assert_eq!(
        changed(|room| room.remove(CREATOR, MEMBER).unwrap()).removed,
        [(MEMBER, false)]
    );
}

#[test]
fn a_ban_takes_a_member_out_banned_and_names_an_outsider_banned_too() {
    assert_eq!(
        changed(|room| room.ban(CREATOR, MEMBER).map(drop).unwrap()).removed,
        [(MEMBER, true)]
    );
    assert_eq!(
        changed(|room| room.banned.push(STRANGER)).removed,
        [(STRANGER, true)]
    );
}

#[test]
fn closing_is_told_once_and_nothing_changed_is_empty() {
    let closed = changed(|room| room.close(CREATOR, now()).unwrap());
    assert!(closed.closed && closed.added.is_empty() && closed.removed.is_empty());
    let mut already = room();
    already.closed_at = Some(now());
    assert!(!RoomDifference::between(&already, &already.clone()).closed);
    assert!(changed(|_| ()).is_empty());
}

#[test]
fn users_lists_everyone_named() {
    let mut before = room();
    before.participants.push(Participant::new(GUEST));
    let mut after = before.clone();
    after.participants.retain(|p| p.user_id != GUEST);
    after.participants.push(Participant::new(STRANGER));
    let difference = RoomDifference::between(&before, &after);
    assert_eq!(difference.users().collect::<Vec<_>>(), [STRANGER, GUEST]);
}

fn names() -> BTreeMap<UserId, crate::UserSummary> {
    [
        (CREATOR, "Ada"),
        (MEMBER, "Bob"),
        (GUEST, "Cy"),
        (STRANGER, "Dee"),
    ]
    .into_iter()
    .map(|(id, name)| (id, crate::UserSummary::named(id, name)))
    .collect()
}

fn events_of(change: impl FnOnce(&mut Conversation)) -> Vec<RealtimeEvent> {
    let before = room();
    let mut after = before.clone();
    change(&mut after);
    RoomDifference::between(&before, &after).events(&after, &names())
}

#[test]
fn an_invitation_tells_who_came_with_the_room_as_everyone_sees_it() {
    let events = events_of(|room| room.invite(CREATOR, &[GUEST]).map(drop).unwrap());
    let [
        RealtimeEvent::ParticipantsAdded {
            conversation,
            added,
        },
    ] = events.as_slice()
    else {
        panic!("{events:?}");
    };
    assert_eq!(
        added.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(),
        ["Cy"]
    );
    let people: Vec<&str> = conversation
        .participants
        .iter()
        .map(|u| u.name.as_str())
        .collect();
    assert_eq!(people, ["Ada", "Bob", "Cy"]);
    assert_eq!(conversation.created_by.name, "Ada");
    assert_eq!(
        (
            conversation.unread_count,
            conversation.last_message.is_none()
        ),
        (0, true)
    );
}

#[test]
fn a_ban_and_a_removal_tell_who_went_and_whether_banned() {
    let banned = events_of(|room| room.ban(CREATOR, MEMBER).map(drop).unwrap());
    assert!(
        matches!(banned.as_slice(), [RealtimeEvent::ParticipantRemoved { user, banned: true, .. }] if user.name == "Bob"),
        "{banned:?}"
    );
    let removed = events_of(|room| room.remove(CREATOR, MEMBER).unwrap());
    assert!(
        matches!(
            removed.as_slice(),
            [RealtimeEvent::ParticipantRemoved { banned: false, .. }]
        ),
        "{removed:?}"
    );
}

#[test]
fn a_close_tells_the_closed_room_and_no_change_tells_nothing() {
    let closed = events_of(|room| room.close(CREATOR, now()).unwrap());
    assert!(
        matches!(closed.as_slice(), [RealtimeEvent::ConversationClosed { conversation }] if conversation.closed_at == Some(now())),
        "{closed:?}"
    );
    assert!(events_of(|_| ()).is_empty());
}

#[test]
fn joins_come_before_departures_and_the_close_last() {
    let events = events_of(|room| {
        room.participants.retain(|p| p.user_id != MEMBER);
        room.participants.push(Participant::new(GUEST));
        room.closed_at = Some(now());
    });
    let order: Vec<&str> = events
        .iter()
        .map(|event| match event {
            RealtimeEvent::ParticipantsAdded { .. } => "added",
            RealtimeEvent::ParticipantRemoved { .. } => "removed",
            RealtimeEvent::ConversationClosed { .. } => "closed",
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(order, ["added", "removed", "closed"]);
}

#[test]
fn the_people_to_name_are_the_room_its_creator_and_whoever_went() {
    let before = room();
    let mut after = before.clone();
    after.participants.retain(|p| p.user_id != CREATOR);
    after.participants.retain(|p| p.user_id != MEMBER);
    after.banned.push(STRANGER);
    let people = RoomDifference::between(&before, &after).people(&after);
    assert_eq!(people, BTreeSet::from([CREATOR, MEMBER, STRANGER]));
}

#[test]
fn a_reaction_tells_the_tally_without_anyones_own_mark() {
    let mut message = crate::MessageView::new(
        crate::Message::sent(
            crate::MessageId(7),
            ConversationId(1),
            1,
            MEMBER,
            "hi",
            now(),
        ),
        crate::UserSummary {
            id: MEMBER,
            name: "Bob".into(),
            avatar: None,
        },
    );
    message.reactions = vec![ReactionCount {
        emoji: "👍".into(),
        count: 2,
        me: true,
    }];
    let change = MessageChange::Reacted {
        message: message.clone(),
        emoji: crate::Emoji::parse("👍").unwrap(),
        user_id: MEMBER,
        action: ReactionAction::Added,
    };
    let events = change.events();
    let [
        RealtimeEvent::MessageReacted {
            conversation_id,
            message_id,
            reactions,
            ..
        },
    ] = events.as_slice()
    else {
        panic!("one event");
    };
    assert_eq!((conversation_id.get(), message_id.get()), (1, 7));
    assert_eq!(
        change.into_message(),
        Some(message),
        "the reactor's own view, for their response"
    );
    assert_eq!(
        reactions,
        &[ReactionCount {
            emoji: "👍".into(),
            count: 2,
            me: false
        }]
    );
}

#[test]
fn a_deletion_tells_which_message_went_when() {
    let change = MessageChange::Deleted {
        conversation_id: ConversationId(1),
        message_id: crate::MessageId(7),
        deleted_at: now(),
    };
    assert_eq!(
        change.events(),
        [RealtimeEvent::MessageDeleted {
            conversation_id: ConversationId(1),
            message_id: crate::MessageId(7),
            deleted_at: now(),
        }]
    );
}

#[test]
fn a_new_report_tells_message_reported_and_a_repeat_nothing() {
    let report = crate::Report {
        id: 1,
        conversation_id: ConversationId(1),
        message: crate::MessageView::new(
            crate::Message::sent(
                crate::MessageId(7),
                ConversationId(1),
                1,
                MEMBER,
                "buy now",
                now(),
            ),
            crate::UserSummary {
                id: MEMBER,
                name: "Bob".into(),
                avatar: None,
            },
        ),
        reporter: crate::UserSummary {
            id: CREATOR,
            name: "Ann".into(),
            avatar: None,
        },
        reason: crate::ReportReason::Spam,
        details: None,
        resolution: None,
        resolved_by: None,
        resolved_at: None,
        created_at: now(),
    };
    assert!(matches!(
        report.events(true).as_slice(),
        [RealtimeEvent::MessageReported { report: told }] if told.id == 1
    ));
    assert!(report.events(false).is_empty());
}
