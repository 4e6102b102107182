//! The learning README's HTTP endpoints, kept as aliases of the API: `POST /api/login` and
//! `POST /api/messages`, which takes the same envelope the plain WebSocket speaks.

use confab_application::Confab;
use confab_application::use_cases::login::LoginRequest;
use confab_domain::{MessageView, Timestamp, UserId};
use poem::Request;
use poem::web::Data;
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::types::ToJSON;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use serde_json::{Value, json};

use super::ApiTags;
use crate::dto::{LoginBody, MessageDto, SessionDto, StrictString, UserProfileDto};
use crate::error::{ApiError, ApiResult};
use crate::security::{BearerAuth, caller_of};

/// The envelope's JSON Schema, served so clients and tools validate against the server's own copy.
pub const ENVELOPE_SCHEMA: &str = include_str!("../../../../schemas/envelope.schema.json");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum EnvelopeType {
    Ping,
    Message,
    Ack,
    Join,
    Leave,
    Error,
}

/// `{id, type, from, to, ts, payload}` — see `/schemas/envelope.schema.json`. `from` and `ts` are
/// set by the server; a client's values are ignored.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct Envelope {
    /// Chosen by the client and echoed in the answer; assigned when absent.
    pub id: Option<StrictString>,
    #[oai(rename = "type")]
    pub kind: EnvelopeType,
    /// `user:{id}` or `server`; set by the server.
    pub from: Option<StrictString>,
    /// `conversation:{id}`, `user:{id}` or `channel:global`.
    pub to: Option<StrictString>,
    /// Unix seconds; set by the server.
    #[oai(validator(minimum(value = "0")))]
    pub ts: Option<i64>,
    /// For a message: `{"text": "…"}`. For an ack: `{"ack": id, "message"?: …}`.
    pub payload: Option<Value>,
}

impl poem_openapi::types::Example for Envelope {
    fn example() -> Self {
        Self {
            id: Some(StrictString("1".into())),
            kind: EnvelopeType::Ping,
            from: None,
            to: Some(StrictString("channel:global".into())),
            ts: None,
            payload: Some(json!({})),
        }
    }
}

/// `{token, token_type, expires_in, user}`, flat, as the learning README's login returns it.
#[derive(ApiResponse)]
enum LegacyLogin {
    #[oai(status = 200)]
    Ok(Json<SessionDto>),
}

#[derive(ApiResponse)]
enum Answered {
    /// A ping's ack.
    #[oai(status = 200)]
    Ack(Json<Envelope>),
    /// A message was stored (and broadcast to Pusher and envelope clients); the ack carries it.
    #[oai(status = 201)]
    Stored(Json<Envelope>),
}

#[derive(ApiResponse)]
enum Schema {
    #[oai(status = 200, content_type = "application/schema+json")]
    Ok(PlainText<&'static str>),
}

fn ack(id: String, to: UserId, now: Timestamp, message: Option<&MessageView>) -> Envelope {
    let mut payload = json!({ "ack": id });
    if let Some(message) = message {
        payload["message"] = MessageDto::from(message).to_json().unwrap_or(Value::Null);
    }
    Envelope {
        id: Some(StrictString(id)),
        kind: EnvelopeType::Ack,
        from: Some(StrictString("server".into())),
        to: Some(StrictString(format!("user:{to}"))),
        ts: Some(now.timestamp()),
        payload: Some(payload),
    }
}

pub struct EnvelopesApi;

#[OpenApi(tag = "ApiTags::Envelopes")]
impl EnvelopesApi {
    /// Log in (learning README)
    ///
    /// The same as `POST /api/v1/user/login`, answering `{token, token_type, expires_in, user}`.
    #[oai(path = "/api/login", method = "post", operation_id = "legacyLogin")]
    async fn login(&self, app: Data<&Confab>, body: Json<LoginBody>) -> ApiResult<LegacyLogin> {
        let Json(body) = body;
        let session = app
            .login(LoginRequest {
                email: body.email,
                password: body.password,
            })
            .await?;
        Ok(LegacyLogin::Ok(Json(SessionDto {
            token: session.token.token,
            token_type: "Bearer".into(),
            expires_in: session.token.expires_in,
            user: UserProfileDto::from(&session.user),
        })))
    }

    /// Send an envelope over HTTP
    ///
    /// The plain-WebSocket envelope (`/schemas/envelope.schema.json`) over HTTP: a `ping` is
    /// acked (and forwarded to `to`'s other members when given); a `message` to
    /// `conversation:{id}` or `user:{id}` is stored under the API's rules and broadcast to Pusher
    /// and envelope clients alike. `join` and `leave` need a WebSocket.
    #[oai(path = "/api/messages", method = "post", operation_id = "sendEnvelope")]
    async fn envelope(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        body: Json<Envelope>,
    ) -> ApiResult<Answered> {
        let caller = caller_of(&auth, request);
        let Json(envelope) = body;
        let id = match envelope.id {
            Some(StrictString(id)) => {
                confab_domain::EnvelopeId::parse(&id).map_err(|reason| invalid("id", &reason))?;
                id
            }
            None => uuid::Uuid::new_v4().to_string(),
        };
        let payload = envelope.payload.clone().unwrap_or_else(|| json!({}));
        if !payload.is_object() {
            return Err(invalid("payload", "The payload field must be an object."));
        }
        let now = chrono::Utc::now();
        match envelope.kind {
            EnvelopeType::Ping => {
                if let Some(StrictString(to)) = &envelope.to {
                    app.ping(&caller, &id, to, payload.to_string()).await?;
                }
                Ok(Answered::Ack(Json(ack(id, caller.user, now, None))))
            }
            EnvelopeType::Message => {
                let to = envelope
                    .to
                    .as_ref()
                    .map(|to| to.0.as_str())
                    .ok_or_else(|| invalid("to", "The to field is required for a message."))?;
                let text = payload
                    .get("text")
                    .or_else(|| payload.get("body"))
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let message = app.send_to_address(&caller, to, text).await?;
                Ok(Answered::Stored(Json(ack(
                    id,
                    caller.user,
                    message.message.created_at,
                    Some(&message),
                ))))
            }
            EnvelopeType::Join | EnvelopeType::Leave => Err(invalid(
                "type",
                "join and leave need the WebSocket (/ws); over HTTP send ping or message.",
            )),
            EnvelopeType::Ack | EnvelopeType::Error => Err(invalid(
                "type",
                "ack and error are sent by the server; send ping or message.",
            )),
        }
    }

    /// Envelope JSON Schema
    ///
    /// The schema of the envelope that `/ws`, the realtime listener's plain WebSocket and
    /// `POST /api/messages` speak.
    #[oai(
        path = "/schemas/envelope.schema.json",
        method = "get",
        operation_id = "envelopeSchema"
    )]
    async fn schema(&self) -> Schema {
        Schema::Ok(PlainText(ENVELOPE_SCHEMA))
    }
}

fn invalid(field: &str, reason: &str) -> ApiError {
    ApiError::from(confab_domain::DomainError::invalid(field, reason))
}
