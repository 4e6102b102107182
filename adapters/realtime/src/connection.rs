//! What every WebSocket connection shares, whichever wire format it speaks (Pusher in
//! `pusher::socket`, envelopes in `envelope::socket`): the socket's limits and buffers, the writer
//! task that drains its bounded queue (coalescing what is queued into one write), waiting for
//! room before answering a request, the idle rule, the whisper/ping rate window, the goodbye,
//! and the count of live socket tasks for shutdown.
//!
//! Two tasks per socket so that a client that stops reading cannot stall our reading of it (and
//! so its pings and unsubscribes are still honoured) — its queue fills instead, and the hub drops
//! it with 4100 (see `hub`).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use confab_domain::UserId;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use poem::web::websocket::{Message, WebSocketConfig, WebSocketStream};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::config::RealtimeConfig;
use crate::hub::{Hub, Kill, KillSwitch, Refusal, Wire};
use crate::protocol::{self, Frame, codes};

/// How long a goodbye (error frame, close frame) may take before the socket is simply dropped.
pub(crate) const GOODBYE_TIMEOUT: Duration = Duration::from_secs(2);
/// The most queued frames one write takes (a quarter of the default queue): enough to fold a burst
/// into a few system calls, few enough that one write stays small.
const COALESCE_FRAMES: usize = 64;

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

/// A socket the hub admitted: its id, the two ends of its bounded queue, its kill switch.
pub(crate) struct Admitted {
    pub(crate) socket_id: String,
    pub(crate) outbox: mpsc::Sender<Frame>,
    pub(crate) queue: mpsc::Receiver<Frame>,
    pub(crate) kill: Arc<KillSwitch>,
    pub(crate) killed: oneshot::Receiver<Kill>,
}

/// Registers a new socket speaking `wire` (owned by `user` when its token said so).
pub(crate) fn admit(hub: &Hub, wire: Wire, user: Option<UserId>) -> Result<Admitted, Refusal> {
    let (outbox, queue) = mpsc::channel(hub.config.outbound_queue.max(1));
    let (kill, killed) = KillSwitch::new();
    let socket_id = hub.register(outbox.clone(), kill.clone(), wire, user)?;
    Ok(Admitted {
        socket_id,
        outbox,
        queue,
        kill,
        killed,
    })
}

/// The close code and reason for a socket the hub did not admit (both wire formats: an envelope
/// client reads them from the close frame, pusher-js from the `pusher:error` before it).
pub(crate) fn refused(refusal: Refusal) -> (u16, &'static str) {
    match refusal {
        Refusal::OverQuota => (codes::OVER_QUOTA, "Application is over connection quota"),
        Refusal::ShuttingDown => (codes::RECONNECT, "Server shutting down"),
    }
}

/// After the read loop: the hub's sender and ours are gone, so the writer drains what is queued
/// and closes; it gets [`GOODBYE_TIMEOUT`] for that (unless it already ended).
pub(crate) async fn let_writer_finish(writer: &mut JoinHandle<()>, writer_done: bool) {
    // Boxed (as every rare wait here): its timer is not part of the state an idle socket keeps.
    Box::pin(async {
        if !writer_done
            && tokio::time::timeout(GOODBYE_TIMEOUT, &mut *writer)
                .await
                .is_err()
        {
            writer.abort();
        }
    })
    .await;
}

/// Closes a socket that was never admitted as `kill` says.
pub(crate) async fn refuse_with(
    sink: &mut SplitSink<WebSocketStream, Message>,
    incoming: &mut SplitStream<WebSocketStream>,
    kill: Kill,
) {
    Box::pin(async {
        say_goodbye(sink, kill).await;
        // Give the client a moment to answer the close frame, for a clean close handshake.
        let _ = tokio::time::timeout(GOODBYE_TIMEOUT, incoming.next()).await;
    })
    .await;
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

/// The next keep-alive ping asked of the writer; never, for a writer not asked any.
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
                    Box::pin(say_goodbye(&mut sink, goodbye(kill))).await;
                }
                return;
            }
            frame = queue.recv() => frame.map(|frame| Message::Text(frame.to_string())),
            Some(()) = next_ping(&mut pings) => Some(Message::Ping(Vec::new())),
        };
        let Some(message) = next else {
            let _ = Box::pin(tokio::time::timeout(GOODBYE_TIMEOUT, sink.close())).await;
            return;
        };
        // Whatever else is already queued goes out with it: one write for the lot instead of one
        // per frame (a burst, or a busy room, costs the socket one system call per batch).
        // Boxed: it lives only while a write is under way, not in every idle writer's state.
        let write = Box::pin(async {
            sink.feed(message).await?;
            for _ in 1..COALESCE_FRAMES {
                match queue.try_recv() {
                    Ok(frame) => sink.feed(Message::Text(frame.to_string())).await?,
                    Err(_) => break,
                }
            }
            sink.flush().await
        });
        tokio::select! {
            biased;
            kill = &mut killed => {
                if let Ok(kill) = kill {
                    Box::pin(say_goodbye(&mut sink, goodbye(kill))).await;
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
    pub(crate) fn new(config: &RealtimeConfig) -> Self {
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
