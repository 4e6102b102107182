//! One envelope-protocol connection: the token check, admission, and this wire format's part of
//! the read loop (`connection::Protocol`); what each envelope asks for is in `requests`, a `join`
//! with `since` in `catch_up`. The read loop, the writer and the hub are the Pusher sockets' own
//! (see `connection`, `hub`).
//!
//! The socket is a hub subscriber like any other, tagged with its user (so `terminate_connections`
//! and live revocation reach it), with its own bounded queue (so the slow-consumer rule holds).
//! `join conversation:{id}` subscribes it to `private-conversation.{id}`, the room's channel, so a
//! message sent from anywhere reaches Pusher and envelope sockets in one publish.

use std::sync::Arc;

use confab_application::{Caller, Confab, DomainError};
use confab_domain::ports::SocketId;
use futures_util::StreamExt;
use futures_util::stream::{SplitSink, SplitStream};
use poem::http::StatusCode;
use poem::web::Data;
use poem::web::websocket::{Message, WebSocket, WebSocketStream};
use poem::{IntoResponse, Request, Response, handler};
use serde::Deserialize;
use serde_json::{Map, Value};
use tokio::sync::mpsc;

use super::codec::{self, Kind, Rejection};
use crate::api_json::ApiJson;
use crate::connection::{self, LiveTask, Next, Parts, Protocol, RateWindow};
use crate::hub::{Hub, Kill, KillSwitch, Wire};
use crate::protocol::Frame;

mod catch_up;
mod requests;

/// WebSocket close codes of the envelope protocol (RFC 6455 §7.4.1). A frame over the hard cap
/// closes with 1009, as a Pusher socket does (`Kill::too_big`, in the shared read loop).
mod close {
    /// No token, a bad token, or a browser from an origin not allowed.
    pub const POLICY_VIOLATION: u16 = 1008;
    /// The token could not be checked (the database is down).
    pub const INTERNAL_ERROR: u16 = 1011;
}

/// What the endpoint needs: the hub it shares with the Pusher sockets, and the application.
#[derive(Clone)]
pub(crate) struct Door {
    pub hub: Arc<Hub>,
    pub app: Confab,
    pub messages: Arc<ApiJson>,
}

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

/// `?token=…`, else `Authorization: Bearer …`. Never logged.
fn token_of(req: &Request) -> Option<String> {
    let from_query = req
        .params::<TokenQuery>()
        .ok()
        .and_then(|query| query.token)
        .filter(|token| !token.is_empty());
    from_query.or_else(|| {
        let header = req.header("authorization")?;
        let (scheme, token) = header.trim().split_once(' ')?;
        let token = token.trim();
        (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
    })
}

/// Every upgrade is accepted; a missing or bad token is told over the socket (close 1008 with a
/// reason), which is the only refusal a browser's `WebSocket` lets a page read. A request that is
/// not a WebSocket upgrade gets 426.
#[handler]
pub(crate) fn upgrade(ws: Option<WebSocket>, req: &Request, Data(door): Data<&Door>) -> Response {
    let Some(ws) = ws else {
        return (
            StatusCode::UPGRADE_REQUIRED,
            "A WebSocket endpoint of the envelope protocol: connect with ?token=<your API token>.",
        )
            .with_header("Upgrade", "websocket")
            .into_response();
    };
    let door = door.clone();
    let token = token_of(req);
    let origin_allowed = door.hub.config().origin_allowed(req.header("origin"));
    ws.config(connection::websocket_config(&door.hub))
        .on_upgrade(move |stream| serve(stream, door, token, origin_allowed))
        .into_response()
}

/// Closes a socket that was never admitted, with a reason its `onclose` can read.
async fn refuse(
    sink: &mut SplitSink<WebSocketStream, Message>,
    incoming: &mut SplitStream<WebSocketStream>,
    code: u16,
    reason: &str,
) {
    tracing::debug!(code, reason, "envelope socket refused");
    connection::refuse_with(sink, incoming, kill(code, reason)).await;
}

fn kill(close_code: u16, reason: &str) -> Kill {
    Kill {
        error: None,
        close_code,
        reason: reason.to_owned(),
    }
}

async fn serve(stream: WebSocketStream, door: Door, token: Option<String>, origin_allowed: bool) {
    let Door { hub, app, messages } = door;
    let _live = LiveTask::new(&hub);
    let (mut sink, mut incoming) = stream.split();
    if !origin_allowed {
        return refuse(
            &mut sink,
            &mut incoming,
            close::POLICY_VIOLATION,
            "origin not allowed",
        )
        .await;
    }
    let signed_in = match token {
        None => Err(DomainError::Unauthenticated),
        Some(token) => app.authenticate(&token).await,
    };
    let signed_in = match signed_in {
        Ok(signed_in) => signed_in,
        Err(DomainError::Internal(cause) | DomainError::Unavailable(cause)) => {
            tracing::error!(%cause, "could not check an envelope socket's token");
            return refuse(
                &mut sink,
                &mut incoming,
                close::INTERNAL_ERROR,
                "server error",
            )
            .await;
        }
        Err(_) => {
            return refuse(
                &mut sink,
                &mut incoming,
                close::POLICY_VIOLATION,
                "invalid or missing token",
            )
            .await;
        }
    };

    let connection::Admitted {
        socket_id,
        outbox,
        queue,
        kill: kill_switch,
        killed,
    } = match connection::admit(&hub, Wire::Envelope, Some(signed_in.user.id)) {
        Ok(admitted) => admitted,
        Err(refusal) => {
            let (code, reason) = connection::refused(refusal);
            return refuse(&mut sink, &mut incoming, code, reason).await;
        }
    };
    // Logging out (or a password change) ends the session, and closes this socket with it.
    hub.tag_session(&socket_id, signed_in.bearer.session.as_str());
    tracing::debug!(socket_id, user_id = %signed_in.user.id, "envelope socket connected");

    let (pings, ping_requests) = mpsc::channel(1);
    let mut writer = tokio::spawn(connection::write_loop(
        sink,
        queue,
        killed,
        Wire::Envelope,
        Some(ping_requests),
    ));
    let mut connection = Connection {
        forwarded_pings: RateWindow::new(hub.config().client_events_per_second),
        caller: signed_in
            .caller()
            .with_socket(Some(SocketId(socket_id.clone()))),
        hub,
        app,
        messages,
        socket_id,
        kill: kill_switch,
        pings,
        outbox: outbox.clone(),
        catching_up: None,
    };
    let writer_done = connection::read_loop(&mut connection, &mut incoming, &mut writer).await;
    connection.hub.unregister(&connection.socket_id);
    drop(outbox);
    drop(connection.outbox);
    drop(connection.pings);
    connection::let_writer_finish(&mut writer, writer_done).await;
    tracing::debug!(socket_id = connection.socket_id, "envelope socket closed");
}

struct Connection {
    hub: Arc<Hub>,
    app: Confab,
    /// Renders the message object of acks and catch-up (see `api_json`).
    messages: Arc<ApiJson>,
    socket_id: String,
    /// The socket's user, and the socket itself: the events its own requests cause skip it (the
    /// ack already carries the result).
    caller: Caller,
    kill: Arc<KillSwitch>,
    /// Asks the writer for a WebSocket ping (browsers answer them by themselves).
    pings: mpsc::Sender<()>,
    /// Pings forwarded to others, limited like a Pusher socket's whispers.
    forwarded_pings: RateWindow,
    /// The socket's own queue, for history that must wait for room rather than overflow it.
    outbox: mpsc::Sender<Frame>,
    /// A `join` with `since` whose held live messages are released after its ack.
    catching_up: Option<catch_up::CatchingUp>,
}

impl Protocol for Connection {
    fn parts(&self) -> Parts<'_> {
        (&self.hub, &self.kill, &self.outbox)
    }

    /// A WebSocket ping, which browsers answer by themselves.
    fn ping_idle(&mut self) {
        let _ = self.pings.try_send(());
    }

    fn not_utf8(&mut self) -> Next {
        self.reject(&Rejection::new(
            None,
            400,
            "An envelope is one JSON object in a UTF-8 frame.",
        ));
        Next::Read
    }

    /// Told with an `error` envelope; the socket stays open.
    fn oversized(&mut self) -> Next {
        let max = self.hub.config().max_message_size;
        self.reject(&Rejection::new(
            None,
            413,
            format!("Maximum message size exceeded: an envelope may be {max} bytes."),
        ));
        Next::Read
    }

    async fn handle(&mut self, text: &str) {
        let incoming = match codec::decode(text) {
            Ok(incoming) => incoming,
            Err(rejection) => return self.reject(&rejection),
        };
        tracing::debug!(
            socket_id = self.socket_id,
            user_id = %self.caller.user,
            r#type = incoming.kind.as_str(),
            to = incoming.to.as_deref().unwrap_or("-"),
            id = incoming.id,
            "envelope received"
        );
        let outcome = match incoming.kind {
            Kind::Ping => self.ping(&incoming).await,
            Kind::Join => self.join(&incoming).await,
            Kind::Leave => self.leave(&incoming),
            Kind::Message => self.message(&incoming).await,
        };
        match outcome {
            Ok(more) => self.ack(&incoming.id, more),
            Err(rejection) => self.reject(&rejection),
        }
        self.finish_catch_up();
    }
}

impl Connection {
    fn send(&self, frame: Frame) {
        self.hub
            .send_to(&self.socket_id, crate::hub::Outbound::envelope(frame));
    }

    fn reject(&self, rejection: &Rejection) {
        tracing::debug!(
            socket_id = self.socket_id,
            user_id = %self.caller.user,
            status = rejection.status,
            reason = rejection.reason,
            "envelope refused"
        );
        self.send(codec::error(rejection, self.caller.user));
    }

    fn ack(&self, id: &str, more: Map<String, Value>) {
        self.send(codec::ack(id, self.caller.user, more));
    }
}
