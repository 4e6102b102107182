//! The read loop both wire formats run, written once: the idle rule (ping a silent socket, close
//! one that does not answer: 4201), tungstenite's hard cap (1009), waiting for room in the queue
//! before a request is handled, and what a frame is (text, binary, close, control). What a text
//! frame means, and what a too-big or non-UTF-8 one gets, is the wire format's: its [`Protocol`].

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use futures_util::stream::SplitStream;
use poem::web::websocket::{Message, WebSocketStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::is_over_hard_limit;
use crate::config::RealtimeConfig;
use crate::hub::{Hub, Kill, KillSwitch};
use crate::protocol::Frame;

/// What the read loop does after a frame the wire format refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    /// The client was told; keep reading.
    Read,
    /// The socket was killed; stop reading.
    Stop,
}

/// What the read loop needs of every socket: its hub, its kill switch, and its own queue (a
/// request waits for room in it: see [`room_for_request`]).
pub(crate) type Parts<'a> = (&'a Hub, &'a KillSwitch, &'a mpsc::Sender<Frame>);

/// One wire format's part of the read loop.
pub(crate) trait Protocol {
    fn parts(&self) -> Parts<'_>;
    /// The socket has been silent for `ping_interval`: ask it for a sign of life.
    fn ping_idle(&mut self);
    /// A binary frame that is not UTF-8.
    fn not_utf8(&mut self) -> Next;
    /// A text frame over `max_message_size`.
    fn oversized(&mut self) -> Next;
    /// One text frame, with room in the queue for its answer.
    async fn handle(&mut self, text: &str);
}

/// Reads until the client leaves, the writer ends, or the socket is closed for silence or an
/// oversized frame. Returns whether the writer has already finished.
pub(crate) async fn read_loop(
    socket: &mut impl Protocol,
    incoming: &mut SplitStream<WebSocketStream>,
    writer: &mut JoinHandle<()>,
) -> bool {
    let config = socket.parts().0.config();
    let (max, wait) = (config.max_message_size, config.pong_timeout);
    let mut liveness = Liveness::new(&config);
    loop {
        tokio::select! {
            _ = &mut *writer => return true,
            () = tokio::time::sleep_until(liveness.deadline().into()) => {
                if liveness.lapse() == Silence::Unanswered {
                    socket.parts().1.trigger(Kill::pong_timeout());
                    return false;
                }
                socket.ping_idle();
            }
            message = incoming.next() => {
                let message = match message {
                    Some(Ok(message)) => message,
                    Some(Err(error)) => {
                        // tungstenite refuses a frame over the hard cap before we see it
                        // ("Space limit exceeded: Message too long: …"); close with 1009, as
                        // for a frame over `max_message_size`, rather than just dropping.
                        if is_over_hard_limit(&error) {
                            socket.parts().1.trigger(Kill::too_big());
                        }
                        return false;
                    }
                    None => return false,
                };
                // Any frame, control frames included, proves the client is alive.
                liveness.heard();
                // Whatever the frame, its answer (or error) needs room in the queue. Boxed, like
                // the handling below: what a request needs only while it is handled is not part
                // of the state every idle socket keeps.
                let (_, kill, outbox) = socket.parts();
                let room = room_for_request(outbox, writer, kill, wait);
                match Box::pin(room).await {
                    Room::Free => {}
                    Room::WriterDone => return true,
                    Room::Stalled => return false,
                }
                let text = match message {
                    Message::Text(text) => text,
                    Message::Binary(bytes) => match String::from_utf8(bytes) {
                        Ok(text) => text,
                        Err(_) => match socket.not_utf8() {
                            Next::Read => continue,
                            Next::Stop => return false,
                        },
                    },
                    Message::Close(_) => return false,
                    Message::Ping(_) | Message::Pong(_) => continue,
                };
                if text.len() > max {
                    match socket.oversized() {
                        Next::Read => continue,
                        Next::Stop => return false,
                    }
                }
                Box::pin(socket.handle(&text)).await;
            }
        }
    }
}

/// What [`room_for_request`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Room {
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
async fn room_for_request<T>(
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

/// The idle rule both wire formats share: a socket silent for `ping_interval` is pinged, and one
/// that stays silent `pong_timeout` after the ping is closed (4201). Any frame from the client,
/// control frames included, counts as an answer.
struct Liveness {
    ping_interval: Duration,
    pong_timeout: Duration,
    last_seen: Instant,
    pinged: Option<Instant>,
}

/// What a [`Liveness`] deadline means when it passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Silence {
    /// Quiet too long: ping the client now.
    PingNow,
    /// Pinged and still quiet: close the socket.
    Unanswered,
}

impl Liveness {
    fn new(config: &RealtimeConfig) -> Self {
        Self {
            ping_interval: config.ping_interval,
            pong_timeout: config.pong_timeout,
            last_seen: Instant::now(),
            pinged: None,
        }
    }

    /// When to look again if the client stays silent.
    fn deadline(&self) -> Instant {
        match self.pinged {
            Some(at) => at + self.pong_timeout,
            None => self.last_seen + self.ping_interval,
        }
    }

    /// The deadline passed: the first time a ping is due (and counted as sent), the second time
    /// the client failed to answer it.
    fn lapse(&mut self) -> Silence {
        if self.pinged.is_some() {
            return Silence::Unanswered;
        }
        self.pinged = Some(Instant::now());
        Silence::PingNow
    }

    /// The client sent something.
    fn heard(&mut self) {
        self.last_seen = Instant::now();
        self.pinged = None;
    }
}
