//! Delivery into one socket's queue, never waiting: a full queue marks the socket as too slow
//! (`State::settle` drops it), and the running totals `/metrics` reads.

use std::collections::HashMap;

use tokio::sync::mpsc;

use super::SocketEntry;
use crate::hub::Outbound;

/// Delivery's bookkeeping. The totals are for `/metrics`, counted under the lock the work
/// already holds (no atomics on the delivery path).
#[derive(Debug, Default)]
pub(in crate::hub) struct Deliveries {
    /// Sockets whose queue overflowed during the current operation; dropped by `settle`.
    pub(in crate::hub) overflowed: Vec<String>,
    /// Frames queued for sockets since start.
    pub(in crate::hub) delivered: u64,
    /// Sockets dropped since start for not reading theirs.
    pub(in crate::hub) slow_consumers: u64,
}

/// Queues `frame`, in the socket's wire format, for one socket without waiting; a full queue
/// marks the socket as too slow. A socket whose wire the event has no rendering in is skipped.
/// Returns whether the socket is now behind (see `pressure`).
pub(in crate::hub) fn deliver(
    sockets: &HashMap<String, SocketEntry>,
    deliveries: &mut Deliveries,
    socket: &str,
    frame: &Outbound,
) -> bool {
    let Some(entry) = sockets.get(socket) else {
        return false;
    };
    let Some(text) = frame.render(entry.wire) else {
        return false;
    };
    match entry.outbox.try_send(text.clone()) {
        Ok(()) => {
            deliveries.delivered += 1;
            crate::hub::pressure::is_behind(&entry.outbox)
        }
        Err(mpsc::error::TrySendError::Full(_)) => {
            if !deliveries.overflowed.iter().any(|id| id == socket) {
                deliveries.overflowed.push(socket.to_owned());
            }
            true
        }
        // The socket's task is ending and will unregister it.
        Err(mpsc::error::TrySendError::Closed(_)) => false,
    }
}
