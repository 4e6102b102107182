//! One Pusher-protocol WebSocket connection: admission, and what Pusher frames mean (subscribe,
//! unsubscribe, ping, client events) as this wire format's part of the read loop
//! (`connection::Protocol`). The read loop itself (idle pings, pong timeout, the size limits),
//! the writer task and the rest both wire formats share are in `connection`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use futures_util::stream::{SplitSink, SplitStream};
use poem::web::websocket::{Message, WebSocket, WebSocketStream};
use poem::web::{Data, Path};
use poem::{IntoResponse, Request, handler};
use serde_json::Value;
use tokio::sync::mpsc;

use crate::apps::Apps;
use crate::connection::{
    Admitted, LiveTask, Next, Parts, Protocol, RateWindow, admit, let_writer_finish, read_loop,
    refuse_with, refused, websocket_config, write_loop,
};
use crate::hub::{Hub, Kill, KillSwitch, Member, SubscribeError, WhisperRefused, Wire};
use crate::protocol::{self, ChannelKind, Frame, codes};
use crate::pusher::signature;

mod sign_in;

/// Scaling: how long a subscribe refused for a revocation waits for a grant from another node.
const GRANT_WAIT: Duration = Duration::from_millis(500);

/// What the upgrade request already decided about the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Admission {
    Welcome,
    UnknownApp,
    ForbiddenOrigin,
}

/// `GET {prefix}/app/{key}`: upgrades every request, because pusher-js only understands a refusal
/// told over the WebSocket (`pusher:error` then close), never an HTTP status.
#[handler]
pub(crate) fn upgrade(
    Path(key): Path<String>,
    ws: WebSocket,
    req: &Request,
    Data(apps): Data<&Arc<Apps>>,
) -> impl IntoResponse {
    let (hub, admission) = match apps.by_key(&key) {
        None => (apps.chat_hub().clone(), Admission::UnknownApp),
        Some(hub) if !hub.config().origin_allowed(req.header("origin")) => {
            (hub, Admission::ForbiddenOrigin)
        }
        Some(hub) => (hub, Admission::Welcome),
    };
    ws.config(websocket_config(&hub))
        .on_upgrade(move |stream| serve(stream, hub, admission))
}

async fn serve(stream: WebSocketStream, hub: Arc<Hub>, admission: Admission) {
    let _live = LiveTask::new(&hub);
    let (mut sink, mut incoming) = stream.split();
    match admission {
        Admission::Welcome => {}
        Admission::UnknownApp => {
            return refuse(
                &mut sink,
                &mut incoming,
                codes::APP_NOT_FOUND,
                "Application does not exist",
            )
            .await;
        }
        Admission::ForbiddenOrigin => {
            return refuse(
                &mut sink,
                &mut incoming,
                codes::UNAUTHORIZED,
                "Origin not allowed",
            )
            .await;
        }
    }
    let Admitted {
        socket_id,
        outbox,
        queue,
        kill,
        killed,
    } = match admit(&hub, Wire::Pusher, None) {
        Ok(admitted) => admitted,
        Err(refusal) => {
            let (code, message) = refused(refusal);
            return refuse(&mut sink, &mut incoming, code, message).await;
        }
    };
    let activity_timeout = hub.config().activity_timeout.as_secs();
    hub.send_to(
        &socket_id,
        protocol::connection_established(&socket_id, activity_timeout),
    );
    tracing::debug!(socket_id, "connection established");

    let mut writer = tokio::spawn(write_loop(sink, queue, killed, Wire::Pusher, None));
    let mut connection = Connection {
        whispers: RateWindow::new(hub.config().client_events_per_second),
        hub,
        socket_id,
        kill,
        outbox: outbox.clone(),
    };
    let writer_done = read_loop(&mut connection, &mut incoming, &mut writer).await;
    connection.hub.unregister(&connection.socket_id);
    // With the hub's sender gone and ours dropped, the writer drains what is queued and closes.
    drop(outbox);
    drop(connection.outbox);
    let_writer_finish(&mut writer, writer_done).await;
    tracing::debug!(socket_id = connection.socket_id, "connection closed");
}

/// Tells a client why it may not connect, then closes with the same code.
async fn refuse(
    sink: &mut SplitSink<WebSocketStream, Message>,
    incoming: &mut SplitStream<WebSocketStream>,
    code: u16,
    message: &str,
) {
    refuse_with(sink, incoming, Kill::with_error(code, message)).await;
}

struct Connection {
    hub: Arc<Hub>,
    socket_id: String,
    kill: Arc<KillSwitch>,
    whispers: RateWindow,
    /// The socket's own queue: a request waits for room in it (see `connection::reader`).
    outbox: mpsc::Sender<Frame>,
}

impl Protocol for Connection {
    fn parts(&self) -> Parts<'_> {
        (&self.hub, &self.kill, &self.outbox)
    }

    fn ping_idle(&mut self) {
        self.reply(protocol::ping());
    }

    fn not_utf8(&mut self) -> Next {
        self.invalid();
        Next::Read
    }

    /// Reverb closes the socket (1009).
    fn oversized(&mut self) -> Next {
        self.kill.trigger(Kill::too_big());
        Next::Stop
    }

    async fn handle(&mut self, text: &str) {
        let Ok(message) = serde_json::from_str::<Value>(text) else {
            return self.invalid();
        };
        let Some(event) = message.get("event").and_then(Value::as_str) else {
            return self.invalid();
        };
        match event {
            "pusher:ping" => self.reply(protocol::pong()),
            "pusher:pong" => {}
            "pusher:subscribe" => self.subscribe(&payload(&message)).await,
            "pusher:unsubscribe" => {
                match payload(&message).get("channel").and_then(Value::as_str) {
                    // A socket signs out by closing, not by naming the server's own channel.
                    Some(protocol::ONLINE_CHANNEL) => {}
                    Some(channel) => self.hub.unsubscribe(&self.socket_id, channel),
                    None => self.invalid(),
                }
            }
            "pusher:signin" => self.sign_in(&payload(&message)).await,
            client if client.starts_with("client-") => self.whisper(client, &message),
            _ => self.invalid(),
        }
    }
}

impl Connection {
    fn reply(&self, frame: Frame) {
        self.hub.send_to(&self.socket_id, frame);
    }

    /// A `pusher:error` that leaves the socket open.
    fn error(&self, code: u16, message: &str) {
        self.reply(protocol::error(code, message));
    }

    fn invalid(&self) {
        // Reverb's answer to anything it cannot act on.
        self.error(codes::RECONNECT, "Invalid message format");
    }

    async fn subscribe(&self, data: &Value) {
        if let Some(channel) = data.get("channel").and_then(Value::as_str)
            && let Some(user) = protocol::server_to_user_of(channel)
        {
            return self.subscribe_to_user_events(channel, user);
        }
        let Some(channel) = data
            .get("channel")
            .and_then(Value::as_str)
            .filter(|name| protocol::valid_channel_name(name))
        else {
            return self.invalid();
        };
        let kind = ChannelKind::of(channel);
        let mut identity = None;
        if kind.is_authenticated() {
            let channel_data = data.get("channel_data").and_then(Value::as_str);
            let auth = data.get("auth").and_then(Value::as_str).unwrap_or_default();
            let config = self.hub.config();
            if !signature::verify_channel_auth(
                &config.key,
                &config.secret,
                auth,
                &self.socket_id,
                channel,
                channel_data,
            ) {
                return self.error(codes::UNAUTHORIZED, "Connection is unauthorized");
            }
            if kind == ChannelKind::Presence {
                match channel_data.and_then(presence_member) {
                    Some(member) => identity = Some(member),
                    None => return self.error(codes::RECONNECT, "Invalid presence channel data"),
                }
            }
        }
        let mut outcome = self.join(channel, identity.clone()).await;
        // Scaling: the signature may have been issued by another node, whose grant (which lifts
        // an earlier revocation) travels through Redis and can arrive just after the subscribe.
        if outcome == Err(SubscribeError::Revoked) && self.hub.replica().is_some() {
            let deadline = Instant::now() + GRANT_WAIT;
            while Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(20)).await;
                if !self.hub.is_revoked(&self.socket_id, channel) {
                    outcome = self.join(channel, identity).await;
                    break;
                }
            }
        }
        match outcome {
            Ok(()) | Err(SubscribeError::UnknownSocket) => {}
            Err(SubscribeError::Revoked) => {
                self.error(codes::UNAUTHORIZED, "Connection is unauthorized");
            }
        }
    }

    /// Presence with scaling on asks the cluster (see `hub::presence`); everything else is local.
    async fn join(&self, channel: &str, identity: Option<Member>) -> Result<(), SubscribeError> {
        match identity {
            Some(member) => {
                self.hub
                    .join_presence(&self.socket_id, channel, member)
                    .await
            }
            None => self.hub.subscribe(&self.socket_id, channel, None),
        }
    }

    fn whisper(&mut self, event: &str, message: &Value) {
        let Some(channel) = message.get("channel").and_then(Value::as_str) else {
            return self.invalid();
        };
        if !self.hub.config().client_events {
            return self.error(
                codes::UNAUTHORIZED,
                "Client events are not enabled for this app.",
            );
        }
        if !ChannelKind::of(channel).is_authenticated() {
            return self.error(
                codes::UNAUTHORIZED,
                "Client events are only accepted on private and presence channels.",
            );
        }
        // A client's event would go out in clear on a channel whose subscribers expect ciphertext
        // (pusher-js refuses to send them too).
        if protocol::is_encrypted_channel(channel) {
            return self.error(
                codes::UNAUTHORIZED,
                "Client events are not supported on encrypted channels.",
            );
        }
        if !self.whispers.allow() {
            let limit = self.whispers.limit;
            return self.error(
                codes::CLIENT_EVENT_RATE,
                &format!(
                    "Client event rejected: only {limit} client events per second are allowed."
                ),
            );
        }
        let data = message.get("data").cloned().unwrap_or(Value::Null);
        match self.hub.whisper(&self.socket_id, channel, event, &data) {
            Ok(()) => {}
            Err(WhisperRefused::NotSubscribed) => self.error(
                codes::UNAUTHORIZED,
                "The client is not a member of the specified channel.",
            ),
            Err(WhisperRefused::TimedOut { until_ms }) => {
                let until = chrono::DateTime::from_timestamp_millis(until_ms)
                    .map(|at| at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string())
                    .unwrap_or_default();
                self.error(
                    codes::UNAUTHORIZED,
                    &format!(
                        "You are timed out in this room until {until}: client events are refused."
                    ),
                );
            }
        }
    }
}

/// A subscribe's `data`: an object, or (some clients) the same object encoded as a string.
fn payload(message: &Value) -> Value {
    match message.get("data") {
        Some(Value::String(text)) => serde_json::from_str(text).unwrap_or(Value::Null),
        Some(other) => other.clone(),
        None => Value::Null,
    }
}

/// `{"user_id": …, "user_info"?: …}`; a presence subscription without a `user_id` is refused.
fn presence_member(channel_data: &str) -> Option<Member> {
    let data: Value = serde_json::from_str(channel_data).ok()?;
    let user_id = data.get("user_id")?;
    if !(user_id.is_string() || user_id.is_number()) {
        return None;
    }
    let user_info = data.get("user_info").cloned().unwrap_or(Value::Null);
    Some(Member::new(user_id.clone(), user_info))
}

/// Every idle socket keeps its reader's and its writer's state (their futures) for as long as it
/// is connected: what is needed only while a request is handled or a goodbye is said is boxed
/// on the way, so these stay small (they were 2,152 and 720 bytes before that).
#[cfg(test)]
mod idle_state {
    fn size3<A, B, C, F: Future>(_: fn(A, B, C) -> F) -> usize {
        std::mem::size_of::<F>()
    }

    fn size5<A, B, C, D, E, F: Future>(_: fn(A, B, C, D, E) -> F) -> usize {
        std::mem::size_of::<F>()
    }

    #[test]
    fn a_sockets_reader_and_writer_keep_little_state() {
        let reader = size3(super::serve);
        let writer = size5(crate::connection::write_loop);
        assert!(reader <= 1_024, "the reader's state grew to {reader} bytes");
        assert!(writer <= 512, "the writer's state grew to {writer} bytes");
    }
}
