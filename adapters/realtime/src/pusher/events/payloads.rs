//! The JSON of each Pusher event's `data`: one struct per shape, built around the HTTP API's own
//! objects (rendered through `ApiJson`). Which event carries which shape, on which channels, is
//! `events.rs`.

use confab_domain::{ConversationOverview, MessageView, Notification};
use serde::Serialize;
use serde_json::Value;

use crate::api_json::ApiJson;

/// `{"conversation": …}`: what `conversation.created`, `.invited` and `.closed` carry.
#[derive(Serialize)]
pub(super) struct ConversationData {
    pub(super) conversation: Value,
}

impl ConversationData {
    pub(super) fn of(conversation: &ConversationOverview, json: &ApiJson) -> Self {
        Self {
            conversation: (json.conversation)(conversation),
        }
    }
}

#[derive(Serialize)]
pub(super) struct ParticipantsAdded {
    pub(super) conversation_id: i64,
    pub(super) users: Vec<Value>,
}

#[derive(Serialize)]
pub(super) struct ParticipantRemoved {
    pub(super) conversation_id: i64,
    pub(super) user: Value,
}

/// `participant.updated`: a member's new role or timeout.
#[derive(Serialize)]
pub(super) struct ParticipantUpdated {
    pub(super) conversation_id: i64,
    pub(super) participant: Value,
}

#[derive(Serialize)]
pub(super) struct ConversationRemoved {
    pub(super) conversation_id: i64,
    pub(super) banned: bool,
}

/// `typing`: who is typing in which room, and in which thread of it (`null`: the room itself).
#[derive(Serialize)]
pub(super) struct Typing {
    pub(super) conversation_id: i64,
    pub(super) thread_id: Option<i64>,
    pub(super) user: Value,
}

/// `conversation.read`: the reader and the message they have read up to (a read receipt).
#[derive(Serialize)]
pub(super) struct ConversationRead {
    pub(super) conversation_id: i64,
    pub(super) user_id: i64,
    pub(super) last_read_message_id: Option<i64>,
}

/// `notification`: a new message alerts the user whose channel this is (`user_id`), and why.
#[derive(Serialize)]
pub(super) struct NotificationData {
    #[serde(rename = "type")]
    pub(super) kind: &'static str,
    pub(super) conversation_id: i64,
    pub(super) user_id: i64,
    pub(super) message: Value,
}

/// The data of `notification` (and of the `notification.created` webhook).
pub(crate) fn notification_payload(notification: &Notification, json: &ApiJson) -> Value {
    value(&NotificationData {
        kind: notification.kind.as_str(),
        conversation_id: notification.conversation_id.get(),
        user_id: notification.recipient.get(),
        message: (json.message)(&notification.message),
    })
}

/// `thread.updated`: the thread under `root_id` after a reply.
#[derive(Serialize)]
pub(super) struct ThreadUpdated {
    pub(super) conversation_id: i64,
    pub(super) root_id: i64,
    pub(super) thread: Value,
}

#[derive(Serialize)]
pub(super) struct MessageDeleted {
    pub(super) message_id: i64,
    pub(super) conversation_id: i64,
    pub(super) deleted_at: String,
}

#[derive(Serialize)]
pub(super) struct MessageReacted<'a> {
    pub(super) message_id: i64,
    pub(super) emoji: &'a str,
    pub(super) user_id: i64,
    pub(super) action: &'static str,
    pub(super) reactions: Value,
}

/// `user.updated`'s data, `{"user": <the API's user object>}`: a person's public profile as every
/// room shows it (the email is the owner's alone and is never in it).
pub(crate) fn user_updated_payload(
    user: &confab_domain::UserSummary,
    json: &ApiJson,
) -> serde_json::Value {
    serde_json::json!({ "user": (json.user)(user) })
}

/// `{"message": <the API's message object>}`: `message.sent`'s data, and the payload of the
/// envelope protocol's `message` (and of the ack of a sent one).
pub(crate) fn message_payload(view: &MessageView, json: &ApiJson) -> serde_json::Value {
    serde_json::json!({ "message": (json.message)(view) })
}

pub(super) fn value(data: &impl Serialize) -> serde_json::Value {
    serde_json::to_value(data).expect("event payloads are plain data and always serialize")
}

pub(super) fn encode(data: &impl Serialize) -> String {
    serde_json::to_string(data).expect("event payloads are plain data and always serialize")
}
