//! The Pusher v7 wire format: the frames the server sends, the error codes, and what a channel
//! name says about its kind. Every server→client frame is `{"event", "channel"?, "data"}` with
//! `data` a JSON-encoded *string* (pusher-js parses it a second time).
//!
//! A leaf, below the hub: the hub's channels are Pusher's, and it renders their frames itself
//! (subscription answers, presence, the 4100 goodbye); the sockets of both wire formats share the
//! close codes. The Pusher doors that use all this are in `pusher`.

use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

/// A frame ready to write, shared by every socket it goes to (serialized once per publish).
pub(crate) type Frame = Arc<str>;

/// `pusher:error` codes, as pusher-js interprets them: 4000–4099 do not reconnect, 4100–4199
/// reconnect with back-off, 4200–4299 reconnect at once.
pub(crate) mod codes {
    /// Unknown app key.
    pub const APP_NOT_FOUND: u16 = 4001;
    /// More sockets than `max_connections`.
    pub const OVER_QUOTA: u16 = 4004;
    /// Bad signature, revoked subscription, foreign origin, whisper where it is not allowed.
    pub const UNAUTHORIZED: u16 = 4009;
    /// The socket read too slowly and fell `outbound_queue` frames behind.
    pub const OVER_CAPACITY: u16 = 4100;
    /// Generic "reconnect": bad frame (socket stays open) or server shutting down (closed).
    pub const RECONNECT: u16 = 4200;
    /// No reply to our `pusher:ping` in time.
    pub const PONG_TIMEOUT: u16 = 4201;
    /// Whispers over the per-socket rate.
    pub const CLIENT_EVENT_RATE: u16 = 4301;
    /// WebSocket close code for a frame over `max_message_size` (what Reverb's Ratchet sends).
    pub const MESSAGE_TOO_BIG: u16 = 1009;
}

/// What a channel name makes a channel: who may join and what joining proves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChannelKind {
    Public,
    Private,
    Presence,
}

impl ChannelKind {
    pub(crate) fn of(name: &str) -> Self {
        if name.starts_with("presence-") {
            Self::Presence
        } else if name.starts_with("private-") {
            Self::Private
        } else {
            Self::Public
        }
    }

    /// Private and presence channels need a signature, and only they accept whispers.
    pub(crate) fn is_authenticated(self) -> bool {
        !matches!(self, Self::Public)
    }
}

/// `private-encrypted-…`: the events are end-to-end encrypted for the subscribers, who got the
/// key with their authorization; the server relays ciphertext it cannot read.
pub(crate) fn is_encrypted_channel(name: &str) -> bool {
    name.starts_with("private-encrypted-")
}

/// The channel pusher-js subscribes a signed-in socket to, and the server SDKs' `sendToUser`
/// publishes on: `#server-to-user-{user id}`. Only a socket signed in as that user may join it.
pub(crate) const SERVER_TO_USER_PREFIX: &str = "#server-to-user-";

/// Who is signed in (`pusher:signin`), kept as a presence channel no client can name (`#` is
/// outside Pusher's channel alphabet): its members are the signed-in users, so the presence
/// machinery — one count per user over every socket and node, dead nodes, outages — decides
/// who is online for the watchlists. Its members are told as watchlist events, never as
/// presence events (see `hub::state::online`).
pub(crate) const ONLINE_CHANNEL: &str = "#online";

/// The channels the server keeps for itself (`#…`): left out of channel lists and webhooks.
pub(crate) fn is_internal_channel(name: &str) -> bool {
    name.starts_with('#')
}

/// `#server-to-user-{id}` for an id Pusher accepts (see [`valid_user_id`]), or `None`.
pub(crate) fn server_to_user_of(name: &str) -> Option<&str> {
    name.strip_prefix(SERVER_TO_USER_PREFIX)
        .filter(|id| valid_user_id(id))
}

/// A signed-in user's id: 1–200 characters, none of them a control character.
pub(crate) fn valid_user_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 200 && !id.chars().any(char::is_control)
}

/// `cache-…`, `private-cache-…`, `presence-cache-…`: a subscriber is sent the last event at once.
pub(crate) fn is_cache_channel(name: &str) -> bool {
    name.starts_with("cache-")
        || name.starts_with("private-cache-")
        || name.starts_with("presence-cache-")
}

/// Pusher's channel-name rule: 1–200 characters from `[A-Za-z0-9_\-=@,.;]`.
pub(crate) fn valid_channel_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 200
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-=@,.;".contains(&b))
}

#[derive(Serialize)]
struct Outgoing<'a> {
    event: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    channel: Option<&'a str>,
    data: &'a str,
}

/// A frame whose `data` is already a JSON string.
pub(crate) fn frame(event: &str, channel: Option<&str>, data: &str) -> Frame {
    serde_json::to_string(&Outgoing {
        event,
        channel,
        data,
    })
    .expect("a struct of strings always serializes")
    .into()
}

/// A frame whose `data` is a value to encode as a string first.
pub(crate) fn frame_with(event: &str, channel: Option<&str>, data: &Value) -> Frame {
    frame(event, channel, &data.to_string())
}

pub(crate) fn connection_established(socket_id: &str, activity_timeout_secs: u64) -> Frame {
    frame_with(
        "pusher:connection_established",
        None,
        &serde_json::json!({"socket_id": socket_id, "activity_timeout": activity_timeout_secs}),
    )
}

pub(crate) fn error(code: u16, message: &str) -> Frame {
    frame_with(
        "pusher:error",
        None,
        &serde_json::json!({"code": code, "message": message}),
    )
}

pub(crate) fn pong() -> Frame {
    frame("pusher:pong", None, "{}")
}

pub(crate) fn ping() -> Frame {
    frame("pusher:ping", None, "{}")
}

pub(crate) fn subscription_succeeded(channel: &str, data: &Value) -> Frame {
    frame_with(
        "pusher_internal:subscription_succeeded",
        Some(channel),
        data,
    )
}

/// The answer to a `pusher:signin` whose signature held: the `user_data` exactly as signed.
pub(crate) fn signin_success(user_data: &str) -> Frame {
    frame_with(
        "pusher:signin_success",
        None,
        &serde_json::json!({"user_data": user_data}),
    )
}

/// `pusher_internal:watchlist_events`: which watched users are `online` and which `offline`
/// (either list left out when empty).
pub(crate) fn watchlist_events(online: &[&Value], offline: &[&Value]) -> Frame {
    let mut events = Vec::new();
    for (name, user_ids) in [("online", online), ("offline", offline)] {
        if !user_ids.is_empty() {
            events.push(serde_json::json!({"name": name, "user_ids": user_ids}));
        }
    }
    frame_with(
        "pusher_internal:watchlist_events",
        None,
        &serde_json::json!({"events": events}),
    )
}

pub(crate) fn cache_miss(channel: &str) -> Frame {
    frame("pusher:cache_miss", Some(channel), "{}")
}

pub(crate) fn member_added(channel: &str, user_id: &Value, user_info: &Value) -> Frame {
    frame_with(
        "pusher_internal:member_added",
        Some(channel),
        &serde_json::json!({"user_id": user_id, "user_info": user_info}),
    )
}

pub(crate) fn member_removed(channel: &str, user_id: &Value) -> Frame {
    frame_with(
        "pusher_internal:member_removed",
        Some(channel),
        &serde_json::json!({"user_id": user_id}),
    )
}

/// A whisper as the other subscribers see it: the sender's `data` untouched (pusher-js accepts an
/// object or a string) and, on presence channels, the sender's `user_id`, as Pusher adds it.
pub(crate) fn client_event(
    event: &str,
    channel: &str,
    data: &Value,
    user_id: Option<&Value>,
) -> Frame {
    let mut object = serde_json::Map::new();
    object.insert("event".into(), event.into());
    object.insert("channel".into(), channel.into());
    object.insert("data".into(), data.clone());
    if let Some(user_id) = user_id {
        object.insert("user_id".into(), user_id.clone());
    }
    Value::Object(object).to_string().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_is_sent_as_a_json_string() {
        let frame = connection_established("1.2", 30);
        let outer: Value = serde_json::from_str(&frame).unwrap();
        assert_eq!(outer["event"], "pusher:connection_established");
        let inner: Value = serde_json::from_str(outer["data"].as_str().unwrap()).unwrap();
        assert_eq!(
            inner,
            serde_json::json!({"socket_id": "1.2", "activity_timeout": 30})
        );
    }

    #[test]
    fn channel_kind_follows_the_name_prefix() {
        assert_eq!(ChannelKind::of("presence-room"), ChannelKind::Presence);
        assert_eq!(ChannelKind::of("private-room"), ChannelKind::Private);
        assert_eq!(ChannelKind::of("private-cache-room"), ChannelKind::Private);
        assert_eq!(ChannelKind::of("cache-room"), ChannelKind::Public);
        assert!(is_cache_channel("presence-cache-x"));
        assert!(!is_cache_channel("private-x"));
    }

    #[test]
    fn only_a_valid_user_id_makes_a_server_to_user_channel() {
        assert_eq!(server_to_user_of("#server-to-user-42"), Some("42"));
        assert_eq!(server_to_user_of("#server-to-user-a@b.c"), Some("a@b.c"));
        assert_eq!(server_to_user_of("#server-to-user-"), None);
        assert_eq!(server_to_user_of("#server-to-user-a\nb"), None);
        assert_eq!(server_to_user_of("private-user.1"), None);
        assert!(is_internal_channel(ONLINE_CHANNEL));
        assert!(!valid_channel_name(ONLINE_CHANNEL));
    }

    #[test]
    fn watchlist_events_leave_out_an_empty_list() {
        let one = Value::from("1");
        let frame = watchlist_events(&[&one], &[]);
        let outer: Value = serde_json::from_str(&frame).unwrap();
        let inner: Value = serde_json::from_str(outer["data"].as_str().unwrap()).unwrap();
        assert_eq!(
            inner,
            serde_json::json!({"events": [{"name": "online", "user_ids": ["1"]}]})
        );
    }

    #[test]
    fn channel_names_outside_pushers_alphabet_are_invalid() {
        assert!(valid_channel_name("private-conversation.1"));
        assert!(!valid_channel_name(""));
        assert!(!valid_channel_name("a b"));
        assert!(!valid_channel_name(&"a".repeat(201)));
    }
}
