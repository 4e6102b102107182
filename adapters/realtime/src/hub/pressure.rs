//! Back-pressure on publishing. When a channel's subscribers are behind as a whole — at least a
//! quarter of them have more than [`BEHIND_AT`] frames queued — whoever publishes to it (the Pusher HTTP
//! API, a chat request, another node's ops being read) waits for their writers to catch up, at
//! most [`MAX_HOLD`], instead of piling more into the queues: there every event would wait behind
//! the backlog, and the slowest sockets would be cut off as too slow. One stalled client is not
//! "behind as a whole" (the quarter rule), and small channels never hold a publisher up: their
//! slow sockets are the slow-consumer rule's business.
//!
//! The threshold is a few frames, not a fraction of the queue: every frame queued ahead of an
//! event is time that event waits, so holding the publisher early keeps the latency of a busy
//! channel near one fan-out, while the writers still get several frames to coalesce per write.
//!
//! Measuring costs nothing extra on the way: delivery already has each socket's queue in hand
//! ([`deliver`](super::state::deliver) says whether it is behind). Only a publish that found the
//! channel behind polls it afterwards.
//!
//! Replaying another node's ops is held to each socket's pace, whatever the channel's size
//! ([`Hub::make_room`]): after an outage a node reads at once what the others published meanwhile
//! (20 events a second for a minute is 1,200), far more than a socket's queue holds, and a socket
//! that reads normally must get it all rather than be cut off as too slow. A socket that frees
//! no room at all for [`STALL`] is not waited for again: the slow-consumer rule is for it.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::Hub;
use crate::protocol::Frame;

/// A socket with more frames than this queued (or more than half its queue, if that is less)
/// is behind: one frame waiting is a writer at work, two are a backlog.
const BEHIND_AT: usize = 1;

/// Channels smaller than this never hold a publisher.
const MIN_SUBSCRIBERS: usize = 64;
/// The longest a publisher is held for one publish.
const MAX_HOLD: Duration = Duration::from_millis(250);
/// How often a held publisher looks again.
const POLL: Duration = Duration::from_millis(2);
/// A socket with less than 1/`ROOM_FRACTION` of its queue free is short of room.
const ROOM_FRACTION: usize = 4;
/// How long a reader waits for a socket that frees no room before leaving it to be cut off.
const STALL: Duration = Duration::from_secs(2);

/// How far behind a channel's subscribers are, as seen by one fan-out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Backlog {
    /// Subscribers that are behind.
    pub(crate) behind: usize,
    /// Subscribers delivered to.
    pub(crate) of: usize,
}

impl Backlog {
    /// Whether the channel is behind as a whole.
    pub(crate) fn pressing(self) -> bool {
        self.of >= MIN_SUBSCRIBERS && self.behind * 4 >= self.of
    }
}

/// Whether the socket whose queue this is is behind.
pub(super) fn is_behind(outbox: &mpsc::Sender<Frame>) -> bool {
    let queued = outbox.max_capacity() - outbox.capacity();
    queued > BEHIND_AT.min(outbox.max_capacity() / 2)
}

impl Hub {
    /// [`publish`](Hub::publish), then, if the channel's subscribers are behind as a whole, wait
    /// for them: for publishers that can wait (the HTTP API, the broadcaster).
    pub(crate) async fn publish_paced(
        &self,
        channel: &str,
        frame: impl Into<super::Outbound>,
        except: Option<&str>,
    ) {
        if self.publish(channel, frame, except).pressing() {
            self.relieve(channel).await;
        }
    }

    /// After a publish that found `channel` behind ([`Backlog::pressing`]): waits until it is
    /// not, or [`MAX_HOLD`] passed.
    pub(crate) async fn relieve(&self, channel: &str) {
        let until = Instant::now() + MAX_HOLD;
        while Instant::now() < until && self.backlog(channel).pressing() {
            tokio::time::sleep(POLL).await;
        }
    }

    /// Before the next replayed op: waits while a subscriber of `channel` that reads is short of
    /// room. A socket that frees none for [`STALL`] goes into `stalled` (the reader's memory,
    /// so it is waited for once) and leaves it when it has room again.
    pub(crate) async fn make_room(&self, channel: &str, stalled: &mut HashSet<String>) {
        let mut most_free = None;
        let mut progressed = Instant::now();
        loop {
            let Some((socket, free)) = self.tightest(channel, stalled) else {
                return;
            };
            if most_free.is_none_or(|most| free > most) {
                most_free = Some(free);
                progressed = Instant::now();
            }
            if progressed.elapsed() >= STALL {
                tracing::debug!(socket_id = %socket, channel, "not waiting for a stalled socket");
                stalled.insert(socket);
                most_free = None;
                continue;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// The subscriber of `channel` short of room with the least free, if any; the ones in
    /// `stalled` do not count, and leave it once they have room (or are gone).
    fn tightest(&self, channel: &str, stalled: &mut HashSet<String>) -> Option<(String, usize)> {
        let state = self.lock();
        if !stalled.is_empty() {
            stalled.retain(|socket| state.sockets.contains_key(socket));
        }
        let subscribers = state.channels.get(channel)?;
        let mut tightest: Option<(&String, usize)> = None;
        for socket in subscribers.subscribers.keys() {
            let Some(entry) = state.sockets.get(socket) else {
                continue;
            };
            let free = entry.outbox.capacity();
            let short = free * ROOM_FRACTION < entry.outbox.max_capacity();
            if stalled.contains(socket) {
                if !short {
                    stalled.remove(socket);
                }
            } else if short && tightest.is_none_or(|(_, least)| free < least) {
                tightest = Some((socket, free));
            }
        }
        tightest.map(|(socket, free)| (socket.clone(), free))
    }

    fn backlog(&self, channel: &str) -> Backlog {
        let state = self.lock();
        let Some(subscribers) = state.channels.get(channel) else {
            return Backlog::default();
        };
        let mut backlog = Backlog::default();
        for socket in subscribers.subscribers.keys() {
            if let Some(entry) = state.sockets.get(socket) {
                backlog.of += 1;
                if is_behind(&entry.outbox) {
                    backlog.behind += 1;
                }
            }
        }
        backlog
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quarter_of_a_big_channel_behind_presses_and_less_does_not() {
        let pressing = |behind, of| Backlog { behind, of }.pressing();
        assert!(pressing(25, 100));
        assert!(pressing(100, 100));
        assert!(!pressing(24, 100));
        assert!(!pressing(1, 10_000), "one stalled client holds no one up");
        assert!(!pressing(63, 63), "small channels never hold a publisher");
    }

    fn hub_with_queues_of(frames: usize) -> std::sync::Arc<Hub> {
        std::sync::Arc::new(Hub::new(crate::config::RealtimeConfig {
            outbound_queue: frames,
            ..crate::config::RealtimeConfig::default()
        }))
    }

    fn subscriber(hub: &Hub, channel: &str) -> (String, mpsc::Receiver<Frame>) {
        let (tx, rx) = mpsc::channel(hub.config().outbound_queue);
        let (kill, _) = super::super::KillSwitch::new();
        let id = hub
            .register(tx, kill, super::super::Wire::Pusher, None)
            .unwrap();
        hub.subscribe(&id, channel, None).unwrap();
        (id, rx)
    }

    #[tokio::test]
    async fn a_replay_waits_for_a_reading_socket_and_once_for_a_stalled_one() {
        let hub = hub_with_queues_of(8);
        let (_reader, mut reading) = subscriber(&hub, "news");
        let (stuck, _never_read) = subscriber(&hub, "news");
        for _ in 0..7 {
            hub.publish("news", crate::protocol::ping(), None);
        }
        // The reading socket reads its backlog a little later; the stuck one never does.
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            while reading.recv().await.is_some() {}
        });
        let mut stalled = HashSet::new();
        let started = Instant::now();
        hub.make_room("news", &mut stalled).await;
        assert!(
            started.elapsed() >= STALL,
            "waited for the stuck socket, once"
        );
        assert_eq!(stalled, HashSet::from([stuck.clone()]));
        let again = Instant::now();
        hub.make_room("news", &mut stalled).await;
        assert!(
            again.elapsed() < POLL * 2,
            "a stalled socket holds nobody up again"
        );
        assert!(
            hub.has_socket(&stuck),
            "it is cut off only when its queue overflows"
        );
    }
}
