//! What every WebSocket connection shares, whichever wire format it speaks (Pusher in
//! `pusher::socket`, envelopes in `envelope::socket`): here, admission, the socket's limits and
//! buffers, the goodbye, the whisper/ping rate window and the count of live socket tasks for
//! shutdown; in [`reader`], the read-loop skeleton both sockets run (each wire format fills in
//! what a frame means through [`Protocol`]), with the idle rule and waiting for room before
//! answering a request; in [`writer`], the task that drains the bounded queue (coalescing what is
//! queued into one write).
//!
//! Depends on: the hub (admission, kill switches), `protocol` (close codes, the `pusher:error`
//! goodbye) and `config`. Both sockets depend on this room; it depends on neither.
//!
//! Two tasks per socket so that a client that stops reading cannot stall our reading of it (and
//! so its pings and unsubscribes are still honoured) — its queue fills instead, and the hub drops
//! it with 4100 (see `hub`).

mod reader;
mod writer;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use confab_domain::UserId;
use futures_util::StreamExt;
use futures_util::stream::{SplitSink, SplitStream};
use poem::web::websocket::{Message, WebSocketConfig, WebSocketStream};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::hub::{Hub, Kill, KillSwitch, Refusal, Wire};
use crate::protocol::{Frame, codes};

pub(crate) use reader::{Next, Parts, Protocol, read_loop};
use writer::say_goodbye;
pub(crate) use writer::write_loop;

/// How long a goodbye (error frame, close frame) may take before the socket is simply dropped.
pub(crate) const GOODBYE_TIMEOUT: Duration = Duration::from_secs(2);

/// tungstenite's own limit sits above ours, so that a frame just over `max_message_size`
/// reaches our check (Reverb's 1009 close for Pusher sockets, an `error` envelope for envelope
/// sockets) rather than a dropped connection.
pub(crate) fn hard_limit(hub: &Hub) -> usize {
    hub.config()
        .max_message_size
        .saturating_mul(2)
        .max(64 * 1024)
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
    let (outbox, queue) = mpsc::channel(hub.config().outbound_queue.max(1));
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
