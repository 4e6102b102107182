//! The plain-WebSocket envelope over HTTP (`POST /api/messages`), as the OpenAPI document shows it:
//! a client sends a `ping` or a `message` (each its own schema, so the document says which fields
//! each needs) and is answered with an `ack`.
//!
//! The server parses requests more leniently than this ([`ClientEnvelope`]): any field a client
//! gets wrong is answered with a 422 naming it, as on the WebSocket, instead of a generic "does
//! not match any variant".

use std::borrow::Cow;
use std::collections::BTreeMap;

use poem_openapi::registry::{MetaSchemaRef, Registry};
use poem_openapi::types::{ParseError, ParseFromJSON, ParseResult, Type};
use poem_openapi::{Enum, Object, Union};
use serde::Deserialize;
use serde_json::Value;

use super::{
    EnvelopeAddress, EnvelopeIdText, MessageDto, MessageText, NullAllowed, PingAddress, Ruled,
    UnixTime,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum PingType {
    Ping,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum MessageType {
    Message,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum AckType {
    Ack,
}

/// The fields every envelope a client sends may carry, whatever its type.
#[derive(Debug, Clone, Object)]
pub struct EnvelopeCommon {
    /// Chosen by you and echoed in the ack; assigned when absent.
    pub id: Ruled<Option<String>, (EnvelopeIdText, NullAllowed)>,
    /// Set by the server; a value sent here is ignored.
    #[oai(skip_serializing_if_is_none)]
    pub from: Ruled<Option<String>, NullAllowed>,
    /// Set by the server (Unix seconds); a value sent here is ignored.
    #[oai(skip_serializing_if_is_none)]
    pub ts: Ruled<Option<i64>, (UnixTime, NullAllowed)>,
}

impl EnvelopeCommon {
    fn with_id(id: &str) -> Self {
        Self {
            id: Some(id.to_owned()).into(),
            from: None.into(),
            ts: None.into(),
        }
    }
}

/// A ping: acked, and forwarded as is to `to`'s other members when `to` is given.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct EnvelopePing {
    #[oai(flatten)]
    pub common: EnvelopeCommon,
    #[oai(rename = "type")]
    pub kind: PingType,
    /// `conversation:{id}`, `user:{id}` or `channel:global`.
    pub to: Ruled<Option<String>, (PingAddress, NullAllowed)>,
    /// Any object; forwarded as is.
    pub payload: Ruled<Option<BTreeMap<String, Value>>, NullAllowed>,
}

impl poem_openapi::types::Example for EnvelopePing {
    fn example() -> Self {
        Self {
            common: EnvelopeCommon::with_id("1"),
            kind: PingType::Ping,
            to: Some(String::from("channel:global")).into(),
            payload: Some(BTreeMap::new()).into(),
        }
    }
}

/// A message's text.
#[derive(Debug, Clone, Object)]
pub struct EnvelopeText {
    pub text: Ruled<String, MessageText>,
}

/// A message to a conversation (`conversation:{id}`) or a person (`user:{id}`, your direct chat
/// with them): stored under the API's rules and broadcast to Pusher and envelope clients alike.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct EnvelopeMessage {
    #[oai(flatten)]
    pub common: EnvelopeCommon,
    #[oai(rename = "type")]
    pub kind: MessageType,
    pub to: Ruled<String, EnvelopeAddress>,
    pub payload: EnvelopeText,
}

impl poem_openapi::types::Example for EnvelopeMessage {
    fn example() -> Self {
        Self {
            common: EnvelopeCommon::with_id("2"),
            kind: MessageType::Message,
            to: String::from("conversation:1").into(),
            payload: EnvelopeText {
                text: String::from("Hello!").into(),
            },
        }
    }
}

/// What a client sends over HTTP (`join` and `leave` need the WebSocket). `from` and `ts` are set
/// by the server; a client's values are ignored.
#[derive(Debug, Clone, Union)]
#[oai(one_of)]
pub enum Envelope {
    Ping(EnvelopePing),
    Message(EnvelopeMessage),
}

/// An ack's payload: the id it answers, and the stored message when a message was sent.
#[derive(Debug, Clone, Object)]
pub struct AckPayload {
    pub ack: String,
    #[oai(skip_serializing_if_is_none)]
    pub message: Option<MessageDto>,
}

/// The server's answer to an envelope.
#[derive(Debug, Clone, Object)]
pub struct EnvelopeAck {
    /// The id of the envelope answered.
    pub id: String,
    #[oai(rename = "type")]
    pub kind: AckType,
    /// Always `server`.
    pub from: String,
    /// `user:{id}`: you.
    pub to: String,
    /// Unix seconds.
    #[oai(validator(minimum(value = "0")))]
    pub ts: i64,
    pub payload: AckPayload,
}

/// What the server reads from `POST /api/messages`: every field optional and checked by the
/// handler, so each mistake gets its own field-named 422. Documented as [`Envelope`].
#[derive(Debug, Clone, Deserialize)]
pub struct ClientEnvelope {
    pub id: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    pub to: Option<String>,
    pub payload: Option<Value>,
    /// Ignored, but must be what the schema says: a string, and a time that is not negative.
    pub from: Option<String>,
    pub ts: Option<i64>,
}

impl Type for ClientEnvelope {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        Envelope::name()
    }

    fn schema_ref() -> MetaSchemaRef {
        Envelope::schema_ref()
    }

    fn register(registry: &mut Registry) {
        Envelope::register(registry);
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }

    fn raw_element_iter<'a>(
        &'a self,
    ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(std::iter::once(self))
    }
}

impl ParseFromJSON for ClientEnvelope {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        let value = value.unwrap_or_default();
        let envelope: Self =
            serde_json::from_value(value).map_err(|error| ParseError::custom(error.to_string()))?;
        if envelope.ts.is_some_and(i64::is_negative) {
            return Err(ParseError::custom("ts must not be negative"));
        }
        Ok(envelope)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_lenient_reader_takes_what_the_document_shows_and_refuses_non_strings() {
        let ping = ClientEnvelope::parse_from_json(Some(json!({"type": "ping"}))).unwrap();
        assert_eq!(ping.kind, "ping");
        let message = ClientEnvelope::parse_from_json(Some(
            json!({"type": "message", "to": "user:2", "payload": {"text": "hi"}}),
        ))
        .unwrap();
        assert_eq!(message.to.as_deref(), Some("user:2"));
        assert!(ClientEnvelope::parse_from_json(Some(json!({"type": 7}))).is_err());
        assert!(ClientEnvelope::parse_from_json(Some(json!({"type": "ping", "id": 7}))).is_err());
        assert!(ClientEnvelope::parse_from_json(Some(json!([]))).is_err());
        for bad in [
            json!({"type": "ping", "ts": -1}),
            json!({"type": "ping", "ts": "soon"}),
        ] {
            assert!(ClientEnvelope::parse_from_json(Some(bad)).is_err());
        }
        assert!(ClientEnvelope::parse_from_json(Some(json!({"type": "ping", "from": 1}))).is_err());
    }
}
