//! The HTTP API's endpoints about one user: send them an event (every socket signed in as them,
//! on every node) and close their connections.

use std::sync::Arc;

use poem::web::{Data, Path};
use poem::{Body, Request, Response, handler};
use serde_json::{Value, json};

use super::{ApiError, EventRequest, app, ok, publish, signed_body, signed_json, validate};
use crate::apps::Apps;
use crate::protocol::{self, SERVER_TO_USER_PREFIX};

/// `POST /apps/{app_id}/users/{user_id}/events` `{"name", "data", "socket_id"?}`: the event on
/// `#server-to-user-{user_id}`, the channel every socket signed in as that user listens on —
/// the same channel the server SDKs' `sendToUser` publishes to through `/events`.
#[handler]
pub(crate) async fn send_to_user(
    req: &Request,
    Path((app_id, user_id)): Path<(String, String)>,
    body: Body,
    Data(apps): Data<&Arc<Apps>>,
) -> Result<Response, ApiError> {
    let nodes = &app(apps, &app_id)?;
    let hub = &nodes.hub;
    let mut request: EventRequest =
        signed_json(hub, req, &app_id, body, "The body must be a JSON event.").await?;
    if !protocol::valid_user_id(&user_id) {
        return Err(super::error(
            poem::http::StatusCode::UNPROCESSABLE_ENTITY,
            "Invalid user id.",
        ));
    }
    request.channels = None;
    request.channel = Some(Value::String(format!("{SERVER_TO_USER_PREFIX}{user_id}")));
    let event = validate(request, hub.config().max_message_size)?;
    publish(hub, &event).await;
    ok(&json!({}))
}

/// `POST /apps/{app_id}/users/{user_id}/terminate_connections`: closes every socket of that user
/// — signed in as them, present as them on a presence channel, or signed for them by the chat
/// app — on every node, with 4009, so pusher-js does not reconnect on its own.
#[handler]
pub(crate) async fn terminate_user_connections(
    req: &Request,
    Path((app_id, user_id)): Path<(String, String)>,
    body: Body,
    Data(apps): Data<&Arc<Apps>>,
) -> Result<Response, ApiError> {
    let nodes = &app(apps, &app_id)?;
    let hub = &nodes.hub;
    signed_body(hub, req, &app_id, body).await?;
    let closed = hub.terminate_user(&user_id);
    tracing::info!(user_id, closed, "terminated connections");
    ok(&json!({}))
}
