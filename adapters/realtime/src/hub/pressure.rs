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
}
