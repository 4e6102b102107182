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

mod creating;
mod managing;
mod reading;
