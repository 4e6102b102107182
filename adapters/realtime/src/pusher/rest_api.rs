//! The Pusher HTTP API, through which server SDKs (the `pusher` packages, Laravel's broadcaster)
//! publish and query. Every request is signed: `auth_key` must be ours, `auth_timestamp` within
//! 600 s of our clock (Reverb skips this check; a captured request must not replay forever),
//! `body_md5` present and right whenever there is a body, and the HMAC compared in constant time
//! (see `auth`). This file holds the endpoints: publishing and the channel queries; `users` the
//! ones about one signed-in user.

mod auth;
mod users;

use poem::error::ResponseError;
use poem::http::StatusCode;
use poem::web::{Data, Json, Path};
use poem::{Body, Request, Response, handler};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use std::sync::Arc;

use crate::apps::Apps;
use crate::hub::{ChannelInfo, Hub};
use crate::protocol::{self, ChannelKind};
use crate::scaling::Nodes;
use auth::{authenticate, signed_body};
pub(crate) use users::{send_to_user, terminate_user_connections};

/// The most a request body may carry: 100 channels × a 10 kB event with room to spare.
const MAX_BODY: usize = 1 << 20;
/// Pusher's limit of channels per publish.
const MAX_CHANNELS: usize = 100;
/// Pusher's limit of events per batch.
const MAX_BATCH: usize = 10;

fn json_response(status: StatusCode, body: &Value) -> Response {
    Response::builder()
        .status(status)
        .content_type("application/json")
        .body(body.to_string())
}

/// A refused request: `{"error": "…"}` with its status. Refusals are the caller's fault (4xx);
/// nothing internal is ever described.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    message: String,
}

fn error(status: StatusCode, message: &str) -> ApiError {
    ApiError {
        status,
        message: message.to_owned(),
    }
}

fn refuse<T>(status: StatusCode, message: &str) -> Result<T, ApiError> {
    Err(error(status, message))
}

/// The app `app_id` names; 404 when there is none (Pusher's and Reverb's answer), before the
/// signature is even looked at: the secret to check it with is the app's.
fn app(apps: &Apps, app_id: &str) -> Result<Nodes, ApiError> {
    apps.by_id(app_id).ok_or_else(|| {
        error(
            StatusCode::NOT_FOUND,
            &format!("No matching application for ID [{app_id}]."),
        )
    })
}

fn ok(body: &Value) -> Result<Response, ApiError> {
    Ok(json_response(StatusCode::OK, body))
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ApiError {}

impl ResponseError for ApiError {
    fn status(&self) -> StatusCode {
        self.status
    }

    fn as_response(&self) -> Response {
        json_response(self.status, &json!({"error": self.message}))
    }
}

/// One event as SDKs send it, to `/events` or inside a batch.
#[derive(Debug, Deserialize)]
struct EventRequest {
    name: Option<Value>,
    data: Option<Value>,
    channel: Option<Value>,
    channels: Option<Value>,
    socket_id: Option<Value>,
    info: Option<Value>,
}

/// An event that passed validation.
struct ValidEvent {
    name: String,
    data: String,
    channels: Vec<String>,
    except: Option<String>,
    info: Option<String>,
}

fn validate(request: EventRequest, max_data: usize) -> Result<ValidEvent, ApiError> {
    let invalid = |message: &str| error(StatusCode::UNPROCESSABLE_ENTITY, message);
    let name = match request.name {
        Some(Value::String(name)) if !name.is_empty() && name.len() <= 200 => name,
        _ => return Err(invalid("The name field is required and must be a string.")),
    };
    let data = match request.data {
        Some(Value::String(data)) => data,
        _ => return Err(invalid("The data field is required and must be a string.")),
    };
    if data.len() > max_data {
        return Err(error(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("The data field must not be greater than {max_data} bytes."),
        ));
    }
    let channels: Vec<String> = match (request.channels, request.channel) {
        (Some(Value::Array(list)), _) => list
            .into_iter()
            .map(|c| match c {
                Value::String(c) => Ok(c),
                _ => Err(invalid("Channel names must be strings.")),
            })
            .collect::<Result<_, _>>()?,
        (None, Some(Value::String(channel))) => vec![channel],
        _ => return Err(invalid("The channels or channel field is required.")),
    };
    if channels.is_empty() || channels.len() > MAX_CHANNELS {
        return Err(invalid("An event goes to between 1 and 100 channels."));
    }
    // `#server-to-user-{id}` is how the server SDKs' `sendToUser` publishes.
    if let Some(bad) = channels
        .iter()
        .find(|c| !protocol::valid_channel_name(c) && protocol::server_to_user_of(c).is_none())
    {
        return Err(invalid(&format!("Invalid channel name [{bad}].")));
    }
    // Pusher's rule: an encrypted event is encrypted with its one channel's key.
    if channels.len() > 1 && channels.iter().any(|c| protocol::is_encrypted_channel(c)) {
        return Err(invalid(
            "Cannot trigger to multiple channels if one of them is encrypted.",
        ));
    }
    let text = |value: Option<Value>| match value {
        Some(Value::String(text)) => Ok(Some(text)),
        None | Some(Value::Null) => Ok(None),
        _ => Err(invalid("socket_id and info must be strings.")),
    };
    Ok(ValidEvent {
        name,
        data,
        channels,
        except: text(request.socket_id)?,
        info: text(request.info)?,
    })
}

/// Publishes `event` on each of its channels; a channel whose subscribers are behind holds the
/// request back until they catch up (see `hub::pressure`), which slows a flooding publisher to
/// what the sockets take.
async fn publish(hub: &Hub, event: &ValidEvent) {
    for channel in &event.channels {
        let frame = protocol::frame(&event.name, Some(channel), &event.data);
        hub.publish_paced(channel, frame, event.except.as_deref())
            .await;
    }
}

/// The attributes `info` asked for, Pusher-style (`user_count` on presence channels only).
fn attributes(channel: &ChannelInfo, info: &str, always_occupied: bool) -> Value {
    let wanted: Vec<&str> = info.split(',').map(str::trim).collect();
    let mut attributes = Map::new();
    if always_occupied {
        attributes.insert("occupied".into(), json!(channel.subscription_count > 0));
    }
    if wanted.contains(&"user_count")
        && let Some(users) = channel.user_count
    {
        attributes.insert("user_count".into(), json!(users));
    }
    if wanted.contains(&"subscription_count") {
        attributes.insert(
            "subscription_count".into(),
            json!(channel.subscription_count),
        );
    }
    Value::Object(attributes)
}

async fn channels_attributes(nodes: &Nodes, event: &ValidEvent) -> Option<Value> {
    let info = event.info.as_deref()?;
    let mut channels = Map::new();
    for name in &event.channels {
        let channel = nodes.channel(name).await;
        channels.insert(name.clone(), attributes(&channel, info, false));
    }
    Some(Value::Object(channels))
}

/// A signed request's body as `T`; a body that is not one gets 400 with `shape`.
async fn signed_json<T: DeserializeOwned>(
    hub: &Hub,
    req: &Request,
    app_id: &str,
    body: Body,
    shape: &str,
) -> Result<T, ApiError> {
    let body = signed_body(hub, req, app_id, body).await?;
    serde_json::from_slice(&body).or_else(|_| refuse(StatusCode::BAD_REQUEST, shape))
}

/// `POST /apps/{app_id}/events`
#[handler]
pub(crate) async fn publish_event(
    req: &Request,
    Path(app_id): Path<String>,
    body: Body,
    Data(apps): Data<&Arc<Apps>>,
) -> Result<Response, ApiError> {
    let nodes = &app(apps, &app_id)?;
    let hub = &nodes.hub;
    let request: EventRequest =
        signed_json(hub, req, &app_id, body, "The body must be a JSON event.").await?;
    let event = validate(request, hub.config().max_message_size)?;
    publish(hub, &event).await;
    match channels_attributes(nodes, &event).await {
        Some(channels) => ok(&json!({"channels": channels})),
        None => ok(&json!({})),
    }
}

#[derive(Debug, Deserialize)]
struct BatchRequest {
    batch: Vec<EventRequest>,
}

/// `POST /apps/{app_id}/batch_events`: all events are validated before any is sent.
#[handler]
pub(crate) async fn publish_batch(
    req: &Request,
    Path(app_id): Path<String>,
    body: Body,
    Data(apps): Data<&Arc<Apps>>,
) -> Result<Response, ApiError> {
    let nodes = &app(apps, &app_id)?;
    let hub = &nodes.hub;
    let shape = "The body must be {\"batch\": [events]}.";
    let request: BatchRequest = signed_json(hub, req, &app_id, body, shape).await?;
    if request.batch.len() > MAX_BATCH {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "A batch holds at most 10 events.",
        );
    }
    let mut valid = Vec::with_capacity(request.batch.len());
    for event in request.batch {
        valid.push(validate(event, hub.config().max_message_size)?);
    }
    for event in &valid {
        publish(hub, event).await;
    }
    if valid.iter().any(|event| event.info.is_some()) {
        let mut batch = Vec::with_capacity(valid.len());
        for event in &valid {
            let info = event.info.as_deref().unwrap_or_default();
            batch.push(match event.channels.first() {
                Some(name) => attributes(&nodes.channel(name).await, info, false),
                None => json!({}),
            });
        }
        return ok(&json!({"batch": batch}));
    }
    ok(&json!({}))
}

#[derive(Debug, Default, Deserialize)]
struct ChannelsQuery {
    filter_by_prefix: Option<String>,
    info: Option<String>,
}

/// `GET /apps/{app_id}/channels`: occupied channels.
#[handler]
pub(crate) async fn list_channels(
    req: &Request,
    Path(app_id): Path<String>,
    Data(apps): Data<&Arc<Apps>>,
) -> Result<Response, ApiError> {
    let nodes = &app(apps, &app_id)?;
    let hub = &nodes.hub;
    authenticate(hub, req, &app_id, &[])?;
    let query: ChannelsQuery = req.params().unwrap_or_default();
    let info = query.info.unwrap_or_default();
    let channels: Map<String, Value> = nodes
        .channels(query.filter_by_prefix.as_deref())
        .await
        .iter()
        .filter(|channel| !protocol::is_internal_channel(&channel.name))
        .map(|channel| (channel.name.clone(), attributes(channel, &info, false)))
        .collect();
    ok(&json!({"channels": channels}))
}

/// `GET /apps/{app_id}/channels/{channel}`
#[handler]
pub(crate) async fn show_channel(
    req: &Request,
    Path((app_id, name)): Path<(String, String)>,
    Data(apps): Data<&Arc<Apps>>,
) -> Result<Response, ApiError> {
    let nodes = &app(apps, &app_id)?;
    let hub = &nodes.hub;
    authenticate(hub, req, &app_id, &[])?;
    let query: ChannelsQuery = req.params().unwrap_or_default();
    let info = query.info.unwrap_or_default();
    let mut shown = attributes(&nodes.channel(&name).await, &info, true);
    if info.split(',').any(|wanted| wanted.trim() == "cache")
        && let Some(cache) = cache_attribute(hub, &name)
    {
        shown["cache"] = cache;
    }
    ok(&shown)
}

/// `info=cache` on a cache channel with an event kept: `{"data", "ttl"}`, the event's data as
/// it was published and the seconds it is still kept (each node keeps what every node
/// published, so this node's copy is the cluster's).
fn cache_attribute(hub: &Hub, name: &str) -> Option<Value> {
    if !protocol::is_cache_channel(name) {
        return None;
    }
    let (frame, left) = hub.cached(name)?;
    let event: Value = serde_json::from_str(&frame).ok()?;
    Some(json!({"data": event.get("data")?, "ttl": left.as_secs()}))
}

/// `GET /apps/{app_id}/channels/{channel}/users`: presence channels only.
#[handler]
pub(crate) async fn list_channel_users(
    req: &Request,
    Path((app_id, name)): Path<(String, String)>,
    Data(apps): Data<&Arc<Apps>>,
) -> Result<Response, ApiError> {
    let nodes = &app(apps, &app_id)?;
    let hub = &nodes.hub;
    authenticate(hub, req, &app_id, &[])?;
    if ChannelKind::of(&name) != ChannelKind::Presence {
        return refuse(
            StatusCode::BAD_REQUEST,
            "Users can only be listed for presence channels.",
        );
    }
    let users: Vec<Value> = nodes
        .channel_users(&name)
        .await
        .into_iter()
        .map(|id| json!({"id": id}))
        .collect();
    ok(&json!({"users": users}))
}

/// `GET /apps/{app_id}/connections`
#[handler]
pub(crate) async fn count_connections(
    req: &Request,
    Path(app_id): Path<String>,
    Data(apps): Data<&Arc<Apps>>,
) -> Result<Response, ApiError> {
    let nodes = &app(apps, &app_id)?;
    let hub = &nodes.hub;
    authenticate(hub, req, &app_id, &[])?;
    ok(&json!({"connections": nodes.connection_count().await}))
}

/// `GET /up`: Reverb's health check.
#[handler]
pub(crate) fn health() -> Json<Value> {
    Json(json!({"health": "OK"}))
}
