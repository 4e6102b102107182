//! Catching a socket up on a room: its live events held while the missed messages are sent
//! first, then live copies of those messages dropped at the seam.
//!
//! An envelope `join` with `since` must deliver what the socket missed, oldest first, then the
//! live messages, with no gap and no duplicate. The socket subscribes first with a hold
//! ([`Hub::join_held`]): from then on the room's events for it are kept aside, in order, instead
//! of queued. It then reads the history after `since` — everything committed before the read, so
//! nothing published after the subscription can be missing from both — queues it, and releases
//! the hold ([`Hub::release_held`]), dropping held messages the history already carried.
//!
//! A message is published after its commit, and on another node a little later still (through
//! Redis), so a live copy of a message the history carried can arrive after the release too. For
//! [`SEAM`] afterwards the socket still drops live copies of messages up to the last one its
//! history carried. Both checks read the message id out of the envelope frame, which only the
//! few sockets catching up pay for: the hub skips all of this while no socket is catching up.
//!
//! A hold is bounded by half of `outbound_queue` less one (the joining socket keeps half its
//! queue free for the hold and its ack): one that outgrows it is a slow consumer.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::state::{CatchUp, SocketEntry, State, deliver};
use super::{Hub, Outbound, SubscribeError};

/// How long live copies of messages a catch-up carried are still dropped after it.
const SEAM: Duration = Duration::from_secs(10);

impl Hub {
    /// [`join_quietly`](Hub::join_quietly), with the channel's events held for the socket until
    /// [`release_held`](Hub::release_held) or [`abandon_held`](Hub::abandon_held). Returns whether
    /// the socket was already subscribed (a rejoin), which an abandoned catch-up must leave so.
    pub(crate) fn join_held(&self, socket: &str, channel: &str) -> Result<bool, SubscribeError> {
        let mut guard = self.lock();
        let state = &mut *guard;
        let already = state
            .sockets
            .get(socket)
            .ok_or(SubscribeError::UnknownSocket)?
            .channels
            .contains(channel);
        state.join_quietly(socket, channel)?;
        if let Some(entry) = state.sockets.get_mut(socket) {
            entry
                .catch_up
                .insert(channel.to_owned(), CatchUp::Holding(Vec::new()));
            state.catching_up.insert(socket.to_owned());
        }
        Ok(already)
    }

    /// Ends the hold once the history up to message `delivered` is queued: the held events are
    /// queued behind it, in the order they came, less live copies of messages up to `delivered`,
    /// which are also dropped for [`SEAM`] from now on.
    pub(crate) fn release_held(&self, socket: &str, channel: &str, delivered: i64) {
        let mut guard = self.lock();
        let state = &mut *guard;
        let Some(entry) = state.sockets.get_mut(socket) else {
            return;
        };
        let until = Instant::now() + SEAM;
        let Some(CatchUp::Holding(held)) = entry
            .catch_up
            .insert(channel.to_owned(), CatchUp::Seam { delivered, until })
        else {
            return;
        };
        for frame in held.iter().filter(|frame| !carried(frame, delivered)) {
            deliver(&state.sockets, &mut state.deliveries, socket, frame);
        }
        state.settle();
    }

    /// Ends a catch-up that failed: what was held is dropped, and the socket leaves the channel
    /// unless it was subscribed before the catch-up began (`already`).
    pub(crate) fn abandon_held(&self, socket: &str, channel: &str, already: bool) {
        let mut state = self.lock();
        if already {
            state.forget_catch_up(socket, channel);
        } else {
            // Leaving forgets the catch-up too.
            state.leave(socket, channel);
            state.settle();
        }
    }
}

impl State {
    /// Drops `socket`'s catch-up on `channel`, if any (also when it leaves the channel).
    pub(super) fn forget_catch_up(&mut self, socket: &str, channel: &str) {
        if let Some(entry) = self.sockets.get_mut(socket) {
            entry.catch_up.remove(channel);
            if entry.catch_up.is_empty() {
                self.catching_up.remove(socket);
            }
        }
    }
}

/// Whether `frame` is a live copy of a message up to `delivered`.
fn carried(frame: &Outbound, delivered: i64) -> bool {
    message_id(frame).is_some_and(|id| id <= delivered)
}

/// The id of the stored message an envelope frame carries, if it is one (`type: "message"`).
fn message_id(frame: &Outbound) -> Option<i64> {
    let envelope: Value = serde_json::from_str(frame.envelope.as_deref()?).ok()?;
    if envelope.get("type")?.as_str()? != "message" {
        return None;
    }
    envelope.pointer("/payload/message/id")?.as_i64()
}

/// Decides for a socket that is catching up (`catching_up` holds it) what becomes of `frame` on
/// `channel`: `true` when it was held or dropped, `false` when it is to be delivered as usual.
/// A hold past `limit` marks the socket as too slow, as a full queue would. An expired seam is
/// forgotten, its socket noted in `expired` for the caller to take out of `catching_up`.
pub(super) fn intercept(
    sockets: &mut HashMap<String, SocketEntry>,
    overflowed: &mut Vec<String>,
    expired: &mut Vec<String>,
    (socket, channel): (&str, &str),
    frame: &Outbound,
    limit: usize,
) -> bool {
    let Some(entry) = sockets.get_mut(socket) else {
        return false;
    };
    match entry.catch_up.get_mut(channel) {
        None => false,
        Some(CatchUp::Holding(held)) => {
            if held.len() >= limit {
                if !overflowed.iter().any(|id| id == socket) {
                    overflowed.push(socket.to_owned());
                }
            } else {
                held.push(frame.clone());
            }
            true
        }
        Some(CatchUp::Seam { delivered, until }) => {
            if Instant::now() >= *until {
                entry.catch_up.remove(channel);
                if entry.catch_up.is_empty() {
                    expired.push(socket.to_owned());
                }
                return false;
            }
            carried(frame, *delivered)
        }
    }
}

/// Takes sockets whose last catch-up expired out of `catching_up`.
pub(super) fn expire(catching_up: &mut HashSet<String>, expired: Vec<String>) {
    for socket in expired {
        catching_up.remove(&socket);
    }
}
