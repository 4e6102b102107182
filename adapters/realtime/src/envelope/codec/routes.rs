//! Domain events as envelopes: which envelopes an event becomes, and where in the hub each goes.

use confab_domain::{Address, Channel, MessageView, RealtimeEvent, UserId};
use serde_json::{Map, Value, json};

use super::{GLOBAL_CHANNEL, SERVER, encode, new_id, now};
use crate::api_json::ApiJson;
use crate::protocol::Frame;
use crate::pusher::events;

/// A stored message as envelope sockets are sent it: `{id: uuid, type: "message",
/// from: "user:{sender}", to: "conversation:{id}", ts: created_at, payload: {message: …}}`.
pub(crate) fn message(view: &MessageView, json: &ApiJson) -> Frame {
    let message = &view.message;
    encode(
        &new_id(),
        "message",
        &Address::User(message.sender).to_string(),
        &Address::Conversation(message.conversation_id).to_string(),
        message.created_at.timestamp(),
        &with_event("message.sent", events::message_payload(view, json)),
    )
}

/// Where an envelope goes in the hub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    /// Every subscriber of a hub channel (envelope sockets join `private-conversation.{id}`, the
    /// channel Pusher clients of the room are on, or [`GLOBAL_CHANNEL`]).
    Channel(String),
    /// Every socket of a user.
    User(UserId),
}

/// The hub channel an envelope `join` of `address` subscribes to; users are not joinable.
pub(crate) fn channel_of(address: Address) -> Option<String> {
    match address {
        Address::Conversation(id) => Some(Channel::Conversation(id).name()),
        Address::Global => Some(GLOBAL_CHANNEL.to_owned()),
        Address::User(_) => None,
    }
}

/// Every envelope a domain event becomes. A new message is a `message` envelope from its author
/// with `payload: {event: "message.sent", message}`; the other events about a room's messages
/// and reads (`message.updated`, `message.deleted`, `message.reacted`, `message.pinned`,
/// `message.unpinned`, `conversation.read`, `thread.updated`), its settings and members' standing
/// (`conversation.updated`, `participant.updated`, `participant.unbanned`) and `typing` are
/// `message` envelopes from `server` to the room, `payload: {event, ...the Pusher event's data}`
/// — one shape for every room event, so an envelope client switches on `payload.event`. A
/// `notification` is the same kind of envelope addressed to its recipient (`to: "user:{id}"`, every
/// socket of theirs). A member's new name (`user.updated`) is one such envelope to each of
/// their rooms. Room membership events stay Pusher-only (an envelope socket joins rooms
/// itself).
pub(crate) fn translate(event: &RealtimeEvent, json: &ApiJson) -> Vec<(Route, Frame)> {
    match event {
        RealtimeEvent::MessageSent { message: view } => vec![(
            Route::Channel(Channel::Conversation(view.message.conversation_id).name()),
            message(view, json),
        )],
        RealtimeEvent::MessageUpdated { .. }
        | RealtimeEvent::MessageDeleted { .. }
        | RealtimeEvent::MessageReacted { .. }
        | RealtimeEvent::ConversationRead { .. }
        | RealtimeEvent::ThreadUpdated { .. }
        | RealtimeEvent::MessagePinned { .. }
        | RealtimeEvent::MessageUnpinned { .. }
        | RealtimeEvent::ParticipantUpdated { .. }
        | RealtimeEvent::ParticipantUnbanned { .. }
        | RealtimeEvent::ConversationUpdated { .. }
        | RealtimeEvent::Typing { .. } => events::message_event(event, json)
            .map(|(room, name, data)| {
                let frame = encode(
                    &new_id(),
                    "message",
                    SERVER,
                    &Address::Conversation(room).to_string(),
                    now(),
                    &with_event(name, data),
                );
                vec![(Route::Channel(Channel::Conversation(room).name()), frame)]
            })
            .unwrap_or_default(),
        RealtimeEvent::Notification { notification } => {
            let user = notification.recipient;
            let frame = encode(
                &new_id(),
                "message",
                SERVER,
                &Address::User(user).to_string(),
                now(),
                &with_event(
                    "notification",
                    events::notification_payload(notification, json),
                ),
            );
            vec![(Route::User(user), frame)]
        }
        RealtimeEvent::UserUpdated {
            user,
            conversations,
        } => {
            let data = with_event("user.updated", events::user_updated_payload(user, json));
            conversations
                .iter()
                .map(|room| {
                    let frame = encode(
                        &new_id(),
                        "message",
                        SERVER,
                        &Address::Conversation(*room).to_string(),
                        now(),
                        &data,
                    );
                    (Route::Channel(Channel::Conversation(*room).name()), frame)
                })
                .collect()
        }
        RealtimeEvent::ConversationClosed { .. }
        | RealtimeEvent::ConversationCreated { .. }
        | RealtimeEvent::ParticipantsAdded { .. }
        | RealtimeEvent::ParticipantRemoved { .. }
        | RealtimeEvent::MessageReported { .. } => Vec::new(),
        RealtimeEvent::Ping {
            id,
            from,
            to,
            payload,
            at,
        } => {
            // The application passes on the client's payload object as text.
            let payload = serde_json::from_str::<Value>(payload)
                .ok()
                .filter(Value::is_object)
                .unwrap_or_else(|| json!({}));
            let frame = encode(
                id.as_str(),
                "ping",
                &Address::User(*from).to_string(),
                &to.to_string(),
                at.timestamp(),
                &payload,
            );
            let route = match *to {
                Address::User(user) => Route::User(user),
                other => Route::Channel(channel_of(other).expect("not a user address")),
            };
            vec![(route, frame)]
        }
    }
}

/// `{event: name, ...data}`: a room event as an envelope payload.
fn with_event(name: &str, data: Value) -> Value {
    let mut payload = Map::new();
    payload.insert("event".into(), name.into());
    if let Value::Object(fields) = data {
        payload.extend(fields);
    }
    Value::Object(payload)
}
