//! The envelope wire format of the learning README: one JSON object per frame,
//! `{id, type, from, to, ts, payload}`, as `schemas/envelope.schema.json` describes it.
//!
//! Decoding follows the schema: an object; `id` 1–128 characters without C0 controls or DEL;
//! `type` one of ping | message | ack | join | leave | error; `from` `user:{n}` or `server`; `to`
//! `conversation:{n}`, `user:{n}` or `channel:global`, required for message, join and leave; `ts`
//! a non-negative integer; `payload` an object. Other members are ignored. What the schema
//! accepts but a client may not send (`ack`, `error`) is refused afterwards, with its own reason.
//! A client's `from` and `ts` are checked for shape and then ignored: the server sets both.
//!
//! Encoding: every envelope the server sends has all six members, in the README's order.

use confab_domain::{Address, Channel, DomainError, MessageView, RealtimeEvent, UserId};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::events;
use crate::protocol::Frame;

/// The hub channel of `channel:global`. Its `:` is outside Pusher's channel-name alphabet, so no
/// Pusher client can subscribe to it or publish on it.
pub(crate) const GLOBAL_CHANNEL: &str = "channel:global";

/// `from` of the envelopes the server itself answers with.
const SERVER: &str = "server";

/// What a client may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Ping,
    Message,
    Join,
    Leave,
}

impl Kind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Ping => "ping",
            Self::Message => "message",
            Self::Join => "join",
            Self::Leave => "leave",
        }
    }
}

/// A client's envelope, decoded and checked against the schema.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Incoming {
    /// The client's id, or a UUID v4 when it sent none.
    pub id: String,
    pub kind: Kind,
    /// Matches the schema's pattern (the application parses it into an [`Address`]).
    pub to: Option<String>,
    pub payload: Map<String, Value>,
}

/// Why a frame was not acted on: an `error` envelope's content.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Rejection {
    /// The client's id when it could be read, echoed as `id` and `payload.ack`.
    pub id: Option<String>,
    pub status: u16,
    pub reason: String,
    /// More members for `payload` (`errors` for a validation failure, `retry_after`).
    pub extra: Vec<(&'static str, Value)>,
}

impl Rejection {
    pub(crate) fn new(id: Option<&str>, status: u16, reason: impl Into<String>) -> Self {
        Self {
            id: id.map(str::to_owned),
            status,
            reason: reason.into(),
            extra: Vec::new(),
        }
    }

    /// A refusal of the application, with the HTTP API's status for it. Internal causes go to
    /// the log, never to the client.
    pub(crate) fn of(id: &str, error: DomainError) -> Self {
        let reason = error.to_string();
        let mut extra = Vec::new();
        let status = match error {
            DomainError::Invalid(errors) => {
                extra.push(("errors", json!(errors.fields())));
                422
            }
            DomainError::ConversationNotFound
            | DomainError::UserNotFound
            | DomainError::NotAParticipant => 404,
            DomainError::NotTheCreator | DomainError::ChannelForbidden => 403,
            DomainError::DirectChat
            | DomainError::ClosedRoomCannotPost
            | DomainError::ClosedRoomCannotInvite
            | DomainError::AlreadyClosed
            | DomainError::CreatorIsProtected
            | DomainError::CreatorCannotLeave
            | DomainError::AlreadyBanned(_) => 422,
            DomainError::InvalidCredentials | DomainError::Unauthenticated => 401,
            DomainError::RateLimited { retry_after_secs } => {
                extra.push(("retry_after", json!(retry_after_secs)));
                429
            }
            DomainError::Unavailable(cause) => {
                tracing::warn!(%cause, "envelope request: database unavailable");
                extra.push(("retry_after", json!(2)));
                503
            }
            DomainError::Internal(cause) => {
                tracing::error!(%cause, "envelope request failed");
                return Self::new(Some(id), 500, "Server error.");
            }
        };
        Self {
            id: Some(id.to_owned()),
            status,
            reason,
            extra,
        }
    }
}

/// A fresh UUID v4, for server-originated envelopes and client envelopes sent without an id.
pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The schema's `id` rule: 1–128 characters, none of U+0000–U+001F or U+007F.
fn valid_id(id: &str) -> bool {
    let count = id.chars().count();
    (1..=128).contains(&count) && !id.chars().any(|c| c <= '\u{1f}' || c == '\u{7f}')
}

/// The schema's `from` rule: `user:{digits}` or `server`.
fn valid_from(from: &str) -> bool {
    from == SERVER
        || from
            .strip_prefix("user:")
            .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
}

/// The schema's `to` rule: `conversation:{digits}`, `user:{digits}` or `channel:global`. (An id
/// too large for the database is the application's 422, not the decoder's.)
fn valid_to(to: &str) -> bool {
    let digits = |rest: &str| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit());
    to == GLOBAL_CHANNEL
        || to.strip_prefix("conversation:").is_some_and(digits)
        || to.strip_prefix("user:").is_some_and(digits)
}

/// Decodes one client frame. The `id` is read first, so that every later refusal can name it.
pub(crate) fn decode(text: &str) -> Result<Incoming, Rejection> {
    let value: Value = serde_json::from_str(text)
        .map_err(|_| Rejection::new(None, 400, "The frame is not valid JSON."))?;
    let Value::Object(mut envelope) = value else {
        return Err(Rejection::new(
            None,
            400,
            "An envelope must be a JSON object.",
        ));
    };
    let id = match envelope.get("id") {
        None => None,
        Some(Value::String(id)) if valid_id(id) => Some(id.clone()),
        Some(_) => {
            return Err(Rejection::new(
                None,
                422,
                "The id field must be a string of 1 to 128 printable characters.",
            ));
        }
    };
    let refuse = |reason: &str| Rejection::new(id.as_deref(), 422, reason);
    let kind = match envelope.get("type") {
        None => return Err(refuse("The type field is required.")),
        Some(Value::String(kind)) => match kind.as_str() {
            "ping" => Ok(Kind::Ping),
            "message" => Ok(Kind::Message),
            "join" => Ok(Kind::Join),
            "leave" => Ok(Kind::Leave),
            // Valid envelopes, but only the server sends them.
            "ack" | "error" => Err(format!(
                "The server sends {kind} envelopes; a client sends ping, message, join or leave."
            )),
            _ => {
                Err("Unknown type: the type field must be ping, message, join or leave.".to_owned())
            }
        },
        Some(_) => Err("The type field must be a string: ping, message, join or leave.".into()),
    };
    // Shape checks of the members the server overrides come before the type's own refusal, so
    // that whatever the schema rejects is rejected as a schema violation.
    match envelope.get("from") {
        None => {}
        Some(Value::String(from)) if valid_from(from) => {}
        Some(_) => return Err(refuse("The from field must be user:{id} or server.")),
    }
    match envelope.get("ts") {
        None => {}
        // JSON Schema's integer: 5 and 5.0 alike.
        Some(Value::Number(ts))
            if ts.is_u64() || ts.as_f64().is_some_and(|t| t >= 0.0 && t.fract() == 0.0) => {}
        Some(_) => return Err(refuse("The ts field must be a non-negative integer.")),
    }
    let to = match envelope.get("to") {
        None => None,
        Some(Value::String(to)) if valid_to(to) => Some(to.clone()),
        Some(Value::String(to)) => {
            return Err(refuse(&format!(
                "The to field must be conversation:{{id}}, user:{{id}} or channel:global; got {to:?}."
            )));
        }
        Some(_) => {
            return Err(refuse(
                "The to field must be conversation:{id}, user:{id} or channel:global.",
            ));
        }
    };
    let payload = match envelope.remove("payload") {
        None => Map::new(),
        Some(Value::Object(payload)) => payload,
        Some(_) => return Err(refuse("The payload field must be an object.")),
    };
    let kind = kind.map_err(|reason| refuse(&reason))?;
    if to.is_none() && kind != Kind::Ping {
        return Err(refuse(&format!(
            "The to field is required for {}.",
            kind.as_str()
        )));
    }
    Ok(Incoming {
        id: id.unwrap_or_else(new_id),
        kind,
        to,
        payload,
    })
}

#[derive(Serialize)]
struct Outgoing<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    from: &'a str,
    to: &'a str,
    ts: i64,
    payload: &'a Value,
}

fn encode(id: &str, kind: &str, from: &str, to: &str, ts: i64, payload: &Value) -> Frame {
    serde_json::to_string(&Outgoing {
        id,
        kind,
        from,
        to,
        ts,
        payload,
    })
    .expect("an envelope is plain data and always serializes")
    .into()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// `{id, type: "ack", from: "server", to: "user:{me}", ts, payload: {ack: id, …more}}`.
pub(crate) fn ack(id: &str, me: UserId, more: Map<String, Value>) -> Frame {
    let mut payload = Map::new();
    payload.insert("ack".into(), id.into());
    payload.extend(more);
    encode(
        id,
        "ack",
        SERVER,
        &Address::User(me).to_string(),
        now(),
        &Value::Object(payload),
    )
}

/// `{id, type: "error", from: "server", to: "user:{me}", ts, payload: {ack?, reason, status, …}}`.
/// Without the client's id the envelope gets a fresh one and `payload` no `ack`.
pub(crate) fn error(rejection: &Rejection, me: UserId) -> Frame {
    let mut payload = Map::new();
    if let Some(id) = &rejection.id {
        payload.insert("ack".into(), id.as_str().into());
    }
    payload.insert("reason".into(), rejection.reason.as_str().into());
    payload.insert("status".into(), rejection.status.into());
    for (key, value) in &rejection.extra {
        payload.insert((*key).to_owned(), value.clone());
    }
    let id = rejection.id.clone().unwrap_or_else(new_id);
    encode(
        &id,
        "error",
        SERVER,
        &Address::User(me).to_string(),
        now(),
        &Value::Object(payload),
    )
}

/// A stored message as envelope sockets are sent it: `{id: uuid, type: "message",
/// from: "user:{sender}", to: "conversation:{id}", ts: created_at, payload: {message: …}}`.
pub(crate) fn message(view: &MessageView) -> Frame {
    let message = &view.message;
    encode(
        &new_id(),
        "message",
        &Address::User(message.sender).to_string(),
        &Address::Conversation(message.conversation_id).to_string(),
        message.created_at.timestamp(),
        &events::message_payload(view),
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

/// Every envelope a domain event becomes. Only sent messages and pings have one; the other
/// events are Pusher-only.
pub(crate) fn translate(event: &RealtimeEvent) -> Vec<(Route, Frame)> {
    match event {
        RealtimeEvent::MessageSent { message: view } => vec![(
            Route::Channel(Channel::Conversation(view.message.conversation_id).name()),
            message(view),
        )],
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
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected(text: &str) -> Rejection {
        decode(text).expect_err(text)
    }

    #[test]
    fn the_readme_ping_decodes_and_its_from_and_ts_are_dropped() {
        let incoming = decode(
            r#"{"id":"1","type":"ping","from":"user:1","to":"channel:global","ts":1690000000,"payload":{}}"#,
        )
        .unwrap();
        assert_eq!(incoming.id, "1");
        assert_eq!(incoming.kind, Kind::Ping);
        assert_eq!(incoming.to.as_deref(), Some("channel:global"));
        assert!(decode(r#"{"type":"ping","ts":5.0,"from":"server","extra":1}"#).is_ok());
    }

    #[test]
    fn a_missing_id_is_assigned_a_uuid() {
        let incoming = decode(r#"{"type":"ping"}"#).unwrap();
        assert!(
            uuid::Uuid::parse_str(&incoming.id).is_ok(),
            "{}",
            incoming.id
        );
    }

    #[test]
    fn what_the_schema_rejects_is_rejected() {
        for (text, status) in [
            ("nope", 400),
            ("[1]", 400),
            (r#"{"id":"1"}"#, 422),
            (r#"{"type":"shout"}"#, 422),
            (r#"{"type":"ping","id":""}"#, 422),
            (r#"{"type":"ping","id":"a\nb"}"#, 422),
            (r#"{"type":"ping","id":7}"#, 422),
            (r#"{"type":"ping","from":"bob"}"#, 422),
            (r#"{"type":"ping","ts":-1}"#, 422),
            (r#"{"type":"ping","ts":1.5}"#, 422),
            (r#"{"type":"ping","ts":"1"}"#, 422),
            (r#"{"type":"ping","to":"room:1"}"#, 422),
            (r#"{"type":"ping","payload":"hi"}"#, 422),
            (r#"{"type":"message","payload":{"text":"hi"}}"#, 422),
            (r#"{"type":"join"}"#, 422),
        ] {
            assert_eq!(rejected(text).status, status, "{text}");
        }
        assert_eq!(
            decode(&format!(r#"{{"type":"ping","id":"{}"}}"#, "é".repeat(128)))
                .unwrap()
                .id
                .chars()
                .count(),
            128
        );
        assert!(decode(&format!(r#"{{"type":"ping","id":"{}"}}"#, "x".repeat(129))).is_err());
    }

    #[test]
    fn server_only_types_are_refused_naming_the_id() {
        let rejection = rejected(r#"{"id":"a1","type":"ack","payload":{"ack":"x"}}"#);
        assert_eq!(rejection.id.as_deref(), Some("a1"));
        assert_eq!(rejection.status, 422);
        assert!(
            rejection.reason.contains("server sends ack"),
            "{rejection:?}"
        );
    }

    #[test]
    fn an_ack_has_every_member_in_the_readme_order() {
        let frame = ack("7", UserId(3), Map::new());
        assert!(
            frame.starts_with(r#"{"id":"7","type":"ack","from":"server","to":"user:3","ts":"#),
            "{frame}"
        );
        assert!(frame.ends_with(r#","payload":{"ack":"7"}}"#), "{frame}");
    }

    #[test]
    fn an_error_without_an_id_gets_one_and_no_ack() {
        let frame = error(&Rejection::new(None, 400, "bad"), UserId(3));
        let value: Value = serde_json::from_str(&frame).unwrap();
        assert_eq!(value["type"], "error");
        assert_eq!(value["payload"], json!({"reason": "bad", "status": 400}));
        assert!(uuid::Uuid::parse_str(value["id"].as_str().unwrap()).is_ok());
    }
}
