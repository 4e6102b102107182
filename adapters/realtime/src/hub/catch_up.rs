//! Holding a room's live events for one socket while its missed messages are sent first.
//!
//! An envelope `join` with `since` must deliver what the socket missed, oldest first, then the
//! live messages, with no gap and no duplicate at the seam. The socket subscribes first with a
//! hold ([`Hub::join_held`]): from then on the room's events for it are kept aside, in order,
//! instead of queued. It then reads the history after `since` — which includes everything
//! committed before the read, so nothing published after the subscription can be missing from
//! both — sends it, and releases the hold ([`Hub::release_held`]), dropping held messages that
//! the history already carried. A hold is bounded by half of `outbound_queue` (the half the joining socket keeps
//! free for it): one that outgrows it is a slow consumer.

use std::collections::HashMap;

use super::{Hub, Outbound, SocketEntry, SubscribeError};

impl Hub {
    /// [`join_quietly`](Hub::join_quietly), with the channel's events held for the socket until
    /// [`release_held`](Hub::release_held).
    pub(crate) fn join_held(&self, socket: &str, channel: &str) -> Result<(), SubscribeError> {
        let mut state = self.lock();
        if let Some(entry) = state.sockets.get_mut(socket) {
            entry.held.insert(channel.to_owned(), Vec::new());
        }
        drop(state);
        self.join_quietly(socket, channel).inspect_err(|_| {
            if let Some(entry) = self.lock().sockets.get_mut(socket) {
                entry.held.remove(channel);
            }
        })
    }

    /// Ends the hold: the held events that `keep` accepts are queued, in the order they came,
    /// behind everything the socket was sent meanwhile. A socket without a hold is left alone.
    pub(crate) fn release_held(
        &self,
        socket: &str,
        channel: &str,
        keep: impl Fn(&Outbound) -> bool,
    ) {
        let mut guard = self.lock();
        let state = &mut *guard;
        let Some(held) = state
            .sockets
            .get_mut(socket)
            .and_then(|entry| entry.held.remove(channel))
        else {
            return;
        };
        for frame in held.iter().filter(|frame| keep(frame)) {
            super::deliver(&state.sockets, &mut state.overflowed, socket, frame);
        }
        state.settle();
    }
}

/// Keeps `frame` aside if `socket` holds `channel`; whether it did. A hold that grew past
/// `limit` marks the socket as too slow, as a full queue would. Costs one emptiness check for a
/// socket without holds, which is every socket but the few catching up.
pub(super) fn hold(
    sockets: &mut HashMap<String, SocketEntry>,
    overflowed: &mut Vec<String>,
    socket: &str,
    channel: &str,
    frame: &Outbound,
    limit: usize,
) -> bool {
    let Some(held) = sockets
        .get_mut(socket)
        .filter(|entry| !entry.held.is_empty())
        .and_then(|entry| entry.held.get_mut(channel))
    else {
        return false;
    };
    if held.len() >= limit {
        if !overflowed.iter().any(|id| id == socket) {
            overflowed.push(socket.to_owned());
        }
    } else {
        held.push(frame.clone());
    }
    true
}
