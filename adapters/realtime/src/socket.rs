//! One WebSocket connection: admission, the read loop (frames in, idle pings, pong timeout) and
//! the writer task that drains the socket's bounded outbound queue.
//!
//! Two tasks per socket so that a client that stops reading cannot stall our reading of it (and
//! so its pings and unsubscribes are still honoured) — its queue fills instead, and the hub drops
//! it with 4100 (see `hub`).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use poem::web::websocket::{Message, WebSocket, WebSocketConfig, WebSocketStream};
use poem::web::{Data, Path};
use poem::{IntoResponse, Request, handler};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::hub::{Hub, Kill, KillSwitch, Member, Refusal, SubscribeError, Wire};
use crate::protocol::{self, ChannelKind, Frame, codes};
use crate::{scaling, signature};

/// Scaling: how long a subscribe refused for a revocation waits for a grant from another node.
const GRANT_WAIT: Duration = Duration::from_millis(500);

/// How long a goodbye (error frame, close frame) may take before the socket is simply dropped.
pub(crate) const GOODBYE_TIMEOUT: Duration = Duration::from_secs(2);
/// The most queued frames one write takes (a quarter of the default queue): enough to fold a burst
/// into a few system calls, few enough that one write stays small.
const COALESCE_FRAMES: usize = 64;

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
    Data(hub): Data<&Arc<Hub>>,
) -> impl IntoResponse {
    let hub = hub.clone();
    let admission = if key != hub.config.key {
        Admission::UnknownApp
    } else if !hub.config.origin_allowed(req.header("origin")) {
        Admission::ForbiddenOrigin
    } else {
        Admission::Welcome
    };
    ws.config(websocket_config(&hub))
        .on_upgrade(move |stream| serve(stream, hub, admission))
}

/// tungstenite's own limit sits above ours, so that a frame just over `max_message_size`
/// reaches our check (Reverb's 1009 close for Pusher sockets, an `error` envelope for envelope
/// sockets) rather than a dropped connection.
pub(crate) fn hard_limit(hub: &Hub) -> usize {
    hub.config.max_message_size.saturating_mul(2).max(64 * 1024)
}

/// Whether a read error is tungstenite refusing a frame over [`hard_limit`].
pub(crate) fn is_over_hard_limit(error: &impl std::fmt::Display) -> bool {
    error.to_string().starts_with("Space limit exceeded")
}

/// Reverb's close for a Pusher frame that is too big: 1009, no `pusher:error` first.
fn too_big() -> Kill {
    Kill {
        error: None,
        close_code: codes::MESSAGE_TOO_BIG,
        reason: "Maximum message size exceeded".into(),
    }
}

/// The read buffer is allocated per socket up front and client frames are small (subscribes,
/// pongs, whispers), so it is kept at 1 KiB: at 10,000 idle sockets that is the difference between
/// ~22 and ~8 KiB per connection. Larger frames still arrive whole; the buffer grows for them.
const READ_BUFFER_BYTES: usize = 1024;

pub(crate) fn websocket_config(hub: &Hub) -> WebSocketConfig {
    let hard_limit = hard_limit(hub);
    WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER_BYTES)
        .max_message_size(Some(hard_limit))
        .max_frame_size(Some(hard_limit))
}

/// Counts the socket task for `Realtime::shutdown`, however the task ends.
pub(crate) struct LiveTask(Arc<Hub>);

impl LiveTask {
    pub(crate) fn new(hub: &Arc<Hub>) -> Self {
        hub.live_tasks.fetch_add(1, Ordering::SeqCst);
        Self(hub.clone())
    }
}

impl Drop for LiveTask {
    fn drop(&mut self) {
        self.0.live_tasks.fetch_sub(1, Ordering::SeqCst);
    }
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
    let (outbox, queue) = mpsc::channel(hub.config.outbound_queue.max(1));
    let (kill, killed) = KillSwitch::new();
    let socket_id = match hub.register(outbox.clone(), kill.clone()) {
        Ok(id) => id,
        Err(Refusal::OverQuota) => {
            return refuse(
                &mut sink,
                &mut incoming,
                codes::OVER_QUOTA,
                "Application is over connection quota",
            )
            .await;
        }
        Err(Refusal::ShuttingDown) => {
            return refuse(
                &mut sink,
                &mut incoming,
                codes::RECONNECT,
                "Server shutting down",
            )
            .await;
        }
    };
    let activity_timeout = hub.config.activity_timeout.as_secs();
    hub.send_to(
        &socket_id,
        protocol::connection_established(&socket_id, activity_timeout),
    );
    tracing::debug!(socket_id, "connection established");

    let mut writer = tokio::spawn(write_loop(sink, queue, killed, Wire::Pusher, None));
    let mut connection = Connection {
        whispers: RateWindow::new(hub.config.client_events_per_second),
        hub,
        socket_id,
        kill,
        outbox: outbox.clone(),
    };
    let writer_done = connection.read_loop(&mut incoming, &mut writer).await;
    connection.hub.unregister(&connection.socket_id);
    // With the hub's sender gone and ours dropped, the writer drains what is queued and closes.
    drop(outbox);
    drop(connection.outbox);
    if !writer_done
        && tokio::time::timeout(GOODBYE_TIMEOUT, &mut writer)
            .await
            .is_err()
    {
        writer.abort();
    }
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

/// Closes a socket that was never admitted as `kill` says.
pub(crate) async fn refuse_with(
    sink: &mut SplitSink<WebSocketStream, Message>,
    incoming: &mut SplitStream<WebSocketStream>,
    kill: Kill,
) {
    say_goodbye(sink, kill).await;
    // Give the client a moment to answer the close frame, for a clean close handshake.
    let _ = tokio::time::timeout(GOODBYE_TIMEOUT, incoming.next()).await;
}

async fn say_goodbye(sink: &mut SplitSink<WebSocketStream, Message>, kill: Kill) {
    if let Some((code, message)) = &kill.error {
        let frame = protocol::error(*code, message);
        let _ = tokio::time::timeout(GOODBYE_TIMEOUT, sink.send(Message::Text(frame.to_string())))
            .await;
    }
    let close = Message::close_with(kill.close_code, kill.reason);
    let _ = tokio::time::timeout(GOODBYE_TIMEOUT, sink.send(close)).await;
}

/// The next keep-alive ping asked of the writer; never, for a writer not asked any.
/// What [`room_for_request`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Room {
    /// The queue has room: handle the request.
    Free,
    /// The writer has ended (the socket is closing).
    WriterDone,
    /// No room for `wait`: the client is not reading; it has been cut off as a slow consumer.
    Stalled,
}

/// Waits, before a client's own request is handled, until its queue has room for the answer. A
/// burst of requests that arrived in one read (hundreds of subscribes or pings in one TCP write)
/// is then answered as fast as the writer drains, and TCP holds the rest of the burst back at the
/// client, instead of the answers overflowing the queue and the socket being dropped as too slow
/// (4100). A client that does not read at all still is too slow: after `wait` without room it is
/// cut off with 4100, as when broadcasts overflow its queue.
pub(crate) async fn room_for_request<T>(
    outbox: &mpsc::Sender<T>,
    writer: &mut JoinHandle<()>,
    kill: &KillSwitch,
    wait: Duration,
) -> Room {
    if outbox.capacity() > 0 {
        return Room::Free;
    }
    tokio::select! {
        _ = &mut *writer => Room::WriterDone,
        reserved = tokio::time::timeout(wait, outbox.reserve()) => match reserved {
            Ok(Ok(_permit)) => Room::Free,
            Ok(Err(_closed)) => Room::WriterDone,
            Err(_elapsed) => {
                kill.trigger(Kill::slow_consumer());
                Room::Stalled
            }
        },
    }
}

async fn next_ping(pings: &mut Option<mpsc::Receiver<()>>) -> Option<()> {
    match pings {
        Some(pings) => pings.recv().await,
        None => std::future::pending().await,
    }
}

/// Writes queued frames in order. A kill takes priority over the queue (a slow consumer's queue
/// is full by definition) and interrupts a write the peer is not accepting.
///
/// `pings` asks for WebSocket-level pings (envelope sockets, whose protocol has no ping of its
/// own for idle checks). An envelope socket's goodbye is the close frame alone: a
/// `pusher:error` would be noise to it.
pub(crate) async fn write_loop(
    mut sink: SplitSink<WebSocketStream, Message>,
    mut queue: mpsc::Receiver<Frame>,
    mut killed: oneshot::Receiver<Kill>,
    wire: Wire,
    mut pings: Option<mpsc::Receiver<()>>,
) {
    let goodbye = |kill: Kill| match wire {
        Wire::Pusher => kill,
        Wire::Envelope => Kill {
            error: None,
            ..kill
        },
    };
    loop {
        let next = tokio::select! {
            biased;
            kill = &mut killed => {
                if let Ok(kill) = kill {
                    say_goodbye(&mut sink, goodbye(kill)).await;
                }
                return;
            }
            frame = queue.recv() => frame.map(|frame| Message::Text(frame.to_string())),
            Some(()) = next_ping(&mut pings) => Some(Message::Ping(Vec::new())),
        };
        let Some(message) = next else {
            let _ = tokio::time::timeout(GOODBYE_TIMEOUT, sink.close()).await;
            return;
        };
        // Whatever else is already queued goes out with it: one write for the lot instead of one
        // per frame (a burst, or a busy room, costs the socket one system call per batch).
        let write = async {
            sink.feed(message).await?;
            for _ in 1..COALESCE_FRAMES {
                match queue.try_recv() {
                    Ok(frame) => sink.feed(Message::Text(frame.to_string())).await?,
                    Err(_) => break,
                }
            }
            sink.flush().await
        };
        tokio::select! {
            biased;
            kill = &mut killed => {
                if let Ok(kill) = kill {
                    say_goodbye(&mut sink, goodbye(kill)).await;
                }
                return;
            }
            sent = write => {
                if sent.is_err() {
                    return;
                }
            }
        }
    }
}

/// A fixed one-second window: simple, and enough to stop a typing indicator gone wild (or an
/// envelope socket's forwarded pings).
pub(crate) struct RateWindow {
    pub(crate) limit: u32,
    started: Instant,
    used: u32,
}

impl RateWindow {
    pub(crate) fn new(limit: u32) -> Self {
        Self {
            limit,
            started: Instant::now(),
            used: 0,
        }
    }

    pub(crate) fn allow(&mut self) -> bool {
        if self.started.elapsed() >= Duration::from_secs(1) {
            self.started = Instant::now();
            self.used = 0;
        }
        self.used = self.used.saturating_add(1);
        self.used <= self.limit
    }
}

/// The idle rule both wire formats share: a socket silent for `ping_interval` is pinged, and one
/// that stays silent `pong_timeout` after the ping is closed (4201). Any frame from the client,
/// control frames included, counts as an answer.
pub(crate) struct Liveness {
    ping_interval: Duration,
    pong_timeout: Duration,
    last_seen: Instant,
    pinged: Option<Instant>,
}

/// What a [`Liveness`] deadline means when it passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Silence {
    /// Quiet too long: ping the client now.
    PingNow,
    /// Pinged and still quiet: close the socket.
    Unanswered,
}

impl Liveness {
    pub(crate) fn new(config: &crate::RealtimeConfig) -> Self {
        Self {
            ping_interval: config.ping_interval,
            pong_timeout: config.pong_timeout,
            last_seen: Instant::now(),
            pinged: None,
        }
    }

    /// When to look again if the client stays silent.
    pub(crate) fn deadline(&self) -> Instant {
        match self.pinged {
            Some(at) => at + self.pong_timeout,
            None => self.last_seen + self.ping_interval,
        }
    }

    /// The deadline passed: the first time a ping is due (and counted as sent), the second time
    /// the client failed to answer it.
    pub(crate) fn lapse(&mut self) -> Silence {
        if self.pinged.is_some() {
            return Silence::Unanswered;
        }
        self.pinged = Some(Instant::now());
        Silence::PingNow
    }

    /// The client sent something.
    pub(crate) fn heard(&mut self) {
        self.last_seen = Instant::now();
        self.pinged = None;
    }
}

struct Connection {
    hub: Arc<Hub>,
    socket_id: String,
    kill: Arc<KillSwitch>,
    whispers: RateWindow,
    /// The socket's own queue: a request waits for room in it (see [`room_for_request`]).
    outbox: mpsc::Sender<Frame>,
}

impl Connection {
    /// Reads until the client leaves, the writer ends, or the socket is closed for silence or an
    /// oversized frame. Returns whether the writer has already finished.
    async fn read_loop(
        &mut self,
        incoming: &mut SplitStream<WebSocketStream>,
        writer: &mut JoinHandle<()>,
    ) -> bool {
        let mut liveness = Liveness::new(&self.hub.config);
        loop {
            tokio::select! {
                _ = &mut *writer => return true,
                () = tokio::time::sleep_until(liveness.deadline().into()) => {
                    if liveness.lapse() == Silence::Unanswered {
                        self.kill.trigger(Kill::with_error(
                            codes::PONG_TIMEOUT,
                            "Pong reply not received in time",
                        ));
                        return false;
                    }
                    self.reply(protocol::ping());
                }
                message = incoming.next() => {
                    let message = match message {
                        Some(Ok(message)) => message,
                        Some(Err(error)) => {
                            // tungstenite refuses a frame over the hard cap before we see it
                            // ("Space limit exceeded: Message too long: …"); close with 1009, as
                            // for a frame over `max_message_size`, rather than just dropping.
                            if is_over_hard_limit(&error) {
                                self.kill.trigger(too_big());
                            }
                            return false;
                        }
                        None => return false,
                    };
                    // Any frame, control frames included, proves the client is alive.
                    liveness.heard();
                    // Whatever the frame, its answer (or error) needs room in the queue.
                    let wait = self.hub.config.pong_timeout;
                    match room_for_request(&self.outbox, writer, &self.kill, wait).await {
                        Room::Free => {}
                        Room::WriterDone => return true,
                        Room::Stalled => return false,
                    }
                    let text = match message {
                        Message::Text(text) => text,
                        Message::Binary(bytes) => match String::from_utf8(bytes) {
                            Ok(text) => text,
                            Err(_) => {
                                self.error(codes::RECONNECT, "Invalid message format");
                                continue;
                            }
                        },
                        Message::Close(_) => return false,
                        Message::Ping(_) | Message::Pong(_) => continue,
                    };
                    if text.len() > self.hub.config.max_message_size {
                        self.kill.trigger(too_big());
                        return false;
                    }
                    self.handle(&text).await;
                }
            }
        }
    }

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
                    Some(channel) => self.hub.unsubscribe(&self.socket_id, channel),
                    None => self.invalid(),
                }
            }
            client if client.starts_with("client-") => self.whisper(client, &message),
            _ => self.invalid(),
        }
    }

    async fn subscribe(&self, data: &Value) {
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
            let config = &self.hub.config;
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
        if outcome == Err(SubscribeError::Revoked) && self.hub.link().is_some() {
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

    /// Presence with scaling on asks Redis (see `scaling::presence`); everything else is local.
    async fn join(&self, channel: &str, identity: Option<Member>) -> Result<(), SubscribeError> {
        match identity {
            Some(member) if self.hub.link().is_some() => {
                scaling::presence_join(&self.hub, &self.socket_id, channel, member).await
            }
            identity => self.hub.subscribe(&self.socket_id, channel, identity),
        }
    }

    fn whisper(&mut self, event: &str, message: &Value) {
        let Some(channel) = message.get("channel").and_then(Value::as_str) else {
            return self.invalid();
        };
        if !ChannelKind::of(channel).is_authenticated() {
            return self.error(
                codes::UNAUTHORIZED,
                "Client events are only accepted on private and presence channels.",
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
        if self
            .hub
            .whisper(&self.socket_id, channel, event, &data)
            .is_err()
        {
            self.error(
                codes::UNAUTHORIZED,
                "The client is not a member of the specified channel.",
            );
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
