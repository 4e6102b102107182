use std::time::Duration;

use chrono::{TimeZone, Utc};

use super::*;
use crate::{ConversationId, ConversationKind, Participant, Timestamp};

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
        participants: vec![Participant::new(CREATOR), Participant::new(MEMBER)],
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
fn retries_double_from_a_second_up_to_five_minutes() {
    let waits: Vec<u64> = (1..=11)
        .map(|n| retry_delay(n, LAST_RETRY).as_secs())
        .collect();
    assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
    assert_eq!(retry_delay(u32::MAX, LAST_RETRY), LAST_RETRY);
    assert_eq!(retry_delay(0, LAST_RETRY), FIRST_RETRY);
    let capped = Duration::from_secs(3);
    assert_eq!(
        retry_delay(5, capped),
        capped,
        "an operator's shorter longest wait"
    );
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

#[test]
fn a_lease_outlasts_three_posts() {
    assert_eq!(lease_for(Duration::from_secs(10)), Duration::from_secs(30));
    assert_eq!(
        lease_for(Duration::from_millis(100)),
        Duration::from_secs(3)
    );
}
