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
//! Encoding: every envelope the server sends has all six members, in the README's order. Which
//! envelopes a domain event becomes, and where in the hub they go: [`routes`].

use confab_domain::{Address, DomainError, UserId};
use serde::Serialize;
use serde_json::{Map, Value, json};

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
        let status = confab_application::status_of(&error);
        let mut extra = Vec::new();
        if let Some(errors) = error.field_errors() {
            extra.push(("errors", json!(errors.fields())));
        }
        if let Some(retry_after_secs) = error.retry_after_secs() {
            extra.push(("retry_after", json!(retry_after_secs)));
        }
        match error {
            DomainError::Unavailable(cause) => {
                tracing::warn!(%cause, "envelope request: database unavailable");
                extra.push((
                    "retry_after",
                    json!(confab_application::RETRY_UNAVAILABLE_SECS),
                ));
            }
            DomainError::Internal(cause) => {
                tracing::error!(%cause, "envelope request failed");
                return Self::new(Some(id), 500, "Server error.");
            }
            _ => {}
        }
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

mod routes;

pub(crate) use routes::{Route, channel_of, message, translate};

#[cfg(test)]
mod tests;
