//! The learning README's HTTP endpoints, kept as aliases of the API: `POST /api/login` and
//! `POST /api/messages`, which takes the same envelope the plain WebSocket speaks.

use confab_application::Confab;
use confab_domain::{MessageView, Timestamp, UserId};
use poem::Request;
use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use serde_json::{Value, json};

use super::ApiTags;
use super::accounts::log_in;
use crate::dto::{
    AckPayload, AckType, ClientEnvelope, EnvelopeAck, LoginBody, MessageDto, SessionDto,
};
use crate::error::{ApiError, ApiResult};
use crate::security::{BearerAuth, caller_of};

/// The envelope's JSON Schema, served so clients and tools validate against the server's own copy.
pub const ENVELOPE_SCHEMA: &str = include_str!("../../../../schemas/envelope.schema.json");

fn envelope_schema() -> &'static Value {
    static PARSED: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    PARSED.get_or_init(|| {
        serde_json::from_str(ENVELOPE_SCHEMA).expect("schemas/envelope.schema.json is JSON")
    })
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
    Ack(Json<EnvelopeAck>),
    /// A message was stored (and broadcast to Pusher and envelope clients); the ack carries it.
    #[oai(status = 201)]
    Stored(Json<EnvelopeAck>),
}

#[derive(ApiResponse)]
enum Schema {
    /// The JSON Schema (draft 2020-12) of the envelope.
    #[oai(status = 200, content_type = "application/schema+json")]
    Ok(Json<Value>),
}

fn ack(id: String, to: UserId, now: Timestamp, message: Option<&MessageView>) -> EnvelopeAck {
    EnvelopeAck {
        payload: AckPayload {
            ack: id.clone(),
            message: message.map(MessageDto::from),
        },
        id,
        kind: AckType::Ack,
        from: "server".into(),
        to: format!("user:{to}"),
        ts: now.timestamp(),
    }
}

#[derive(Default)]
pub struct EnvelopesApi;

#[OpenApi(tag = "ApiTags::Envelopes")]
impl EnvelopesApi {
    /// Log in (learning README)
    ///
    /// The same as `POST /api/v1/user/login`, answering `{token, token_type, expires_in, user}`.
    #[oai(path = "/api/login", method = "post", operation_id = "legacyLogin")]
    async fn login(
        &self,
        app: Data<&Confab>,
        request: &Request,
        body: Json<LoginBody>,
    ) -> ApiResult<LegacyLogin> {
        let session = log_in(&app, request, body.0).await?;
        Ok(LegacyLogin::Ok(Json(SessionDto::from(&session))))
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
        body: Json<ClientEnvelope>,
    ) -> ApiResult<Answered> {
        let caller = caller_of(&auth, request);
        let Json(envelope) = body;
        let id = match envelope.id {
            Some(id) => {
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
        match envelope.kind.as_str() {
            "ping" => {
                if let Some(to) = &envelope.to {
                    app.ping(&caller, &id, to, payload.to_string()).await?;
                }
                Ok(Answered::Ack(Json(ack(id, caller.user, now, None))))
            }
            "message" => {
                let to = envelope
                    .to
                    .as_deref()
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
            "join" | "leave" => Err(invalid(
                "type",
                "join and leave need the WebSocket (/ws); over HTTP send ping or message.",
            )),
            "ack" | "error" => Err(invalid(
                "type",
                "ack and error are sent by the server; send ping or message.",
            )),
            _ => Err(invalid(
                "type",
                "The type field must be ping or message (join and leave need the WebSocket).",
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
        Schema::Ok(Json(envelope_schema().clone()))
    }
}

fn invalid(field: &str, reason: &str) -> ApiError {
    ApiError::from(confab_domain::DomainError::invalid(field, reason))
}
