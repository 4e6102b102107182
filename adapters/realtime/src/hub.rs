//! The hub: the one owner of who is connected, which channel each socket listens on, who is
//! present where, and which subscriptions were revoked.
//!
//! One `std::sync::Mutex` guards it all. Every operation is short, in-memory and never awaits
//! while holding the lock: sockets are reached through `try_send` on their bounded outbound queue,
//! which never blocks. Doing the fan-out *under* the lock is deliberate: every publish then enters
//! every subscriber's queue in one global order, so two subscribers can never see two events in
//! different orders, and a `subscription_succeeded` is always queued before the first event that
//! follows it.
//!
//! Slow consumers: each socket's queue holds at most `outbound_queue` frames. A socket whose queue
//! is full when a frame arrives is not waited for — that would let one stalled phone slow the
//! whole room. It is dropped from the hub on the spot (its presence leaves like any other
//! disconnect) and its writer is told to close it with `pusher:error` 4100, which makes pusher-js
//! reconnect with back-off and resubscribe from a clean state.
//!
//! One hub, two wire formats: a socket speaks Pusher or envelopes (its [`Wire`]). What is
//! published is an [`Outbound`]: one value per event, carrying the event rendered in each format
//! it exists in, rendered once per publish rather than once per socket. The fan-out is the same
//! for both kinds of socket; each subscriber is queued the rendering for its own wire, and a
//! socket whose wire has no rendering of the event (a `member_added` for an envelope socket, a
//! forwarded ping for a Pusher socket) is skipped without taking a slot in its queue.
//!
//! Layout: this file admits sockets and subscribes them; [`op`] is every operation that reaches
//! sockets on every node, carried out in one place by `operations` (`perform` here, `apply` for
//! another node's); [`Replica`] is what the hub asks of the other nodes (the scaling module
//! implements it); [`LifecycleEvents`] is what it tells the webhooks (which implement it);
//! `presence` completes a clustered presence join; `sign_in` signs a socket in as a user (a
//! presence join of the server's own `#online` channel, told as watchlist events by
//! `state::online`); `pressure` holds a publisher while a big
//! channel is behind; `state` is what the lock guards; `catch_up` holds a joining socket's live
//! events while its history is sent; `kill` is how a socket is closed from here; `outbound` is
//! one event in each wire format; `queries` answers what the hub holds (counts, channel
//! information, listeners, the `/metrics` figures).
//!
//! Depends on: `protocol` (the Pusher frames and channel kinds the hub speaks) and `config`,
//! nothing else in the crate. Everything else depends on the hub, and reaches back to it only
//! through the two traits it defines: scaling through [`Replica`], webhooks through
//! [`LifecycleEvents`].

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, RwLock};
use std::time::Duration;

use confab_domain::UserId;
use rand::Rng;
use serde_json::Value;
use tokio::sync::mpsc;

use crate::config::RealtimeConfig;
use crate::protocol::Frame;

mod catch_up;
mod kill;
mod lifecycle;
mod op;
mod operations;
mod outbound;
mod presence;
mod pressure;
mod queries;
mod replica;
mod sign_in;
mod state;

pub(crate) use kill::{Kill, KillSwitch};
pub(crate) use lifecycle::LifecycleEvents;
pub(crate) use op::Op;
pub(crate) use outbound::{Outbound, Wire};
pub(crate) use pressure::Backlog;
pub use queries::RealtimeFigures;
pub(crate) use replica::{Replica, Snapshot};
use state::{SocketEntry, State};

/// How long a `cache-` channel remembers its last event (Pusher's figure).
const CACHE_TTL: Duration = Duration::from_secs(30 * 60);

/// A presence member as its `channel_data` described it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Member {
    /// `user_id` as a string: `2` and `"2"` are one member, as they are one key in pusher-js.
    pub key: String,
    pub user_id: Value,
    pub user_info: Value,
}

impl Member {
    pub(crate) fn new(user_id: Value, user_info: Value) -> Self {
        let key = match &user_id {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        Self {
            key,
            user_id,
            user_info,
        }
    }
}

/// Why a connection was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    OverQuota,
    ShuttingDown,
}

/// Why a subscription was refused by the hub (signatures are checked before it is asked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SubscribeError {
    /// The user was removed from the room; the old signature no longer opens it.
    Revoked,
    /// The socket is already gone.
    UnknownSocket,
}

/// A channel signature asked, for a socket of this node, by another user than the socket's owner
/// (the first user granted on it, or its envelope token's user). Owners are sticky: re-tagging a
/// socket would take it out of the first user's list, and revoking that user would then miss it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OwnedByAnother;

/// What a grant found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Granted {
    /// The socket is here and is (now) the user's; its revocation of the channel is lifted.
    Yes,
    /// The socket is here but belongs to someone else: nothing changed.
    Conflict,
    /// No such socket on this node.
    NotHere,
}

/// A whisper the hub refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WhisperRefused {
    /// The socket is not subscribed to the channel.
    NotSubscribed,
    /// Its user is timed out in the channel's room until then (Unix ms).
    TimedOut { until_ms: i64 },
}

/// What the HTTP API reports about a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChannelInfo {
    pub name: String,
    pub subscription_count: usize,
    /// Distinct present users; presence channels only.
    pub user_count: Option<usize>,
}

/// Two random integers joined by a dot, as Reverb makes them.
fn new_socket_id() -> String {
    let mut rng = rand::rng();
    format!(
        "{}.{}",
        rng.random_range(1..=1_000_000_000u64),
        rng.random_range(1..=1_000_000_000u64)
    )
}

pub(crate) struct Hub {
    /// Behind a lock only so that a reload (`SIGHUP`) can change an app's settings without
    /// closing its sockets; read once per admission, subscription or API request.
    config: RwLock<Arc<RealtimeConfig>>,
    /// `config.outbound_queue`, which no reload changes, read by every fan-out without the lock.
    outbound_queue: usize,
    state: Mutex<State>,
    shutting_down: AtomicBool,
    /// Socket tasks still running (including ones saying goodbye), so shutdown can wait for them.
    pub(crate) live_tasks: AtomicUsize,
    /// Set once when scaling is on: the way to the other nodes. Unset, every operation is local
    /// and nothing else is paid.
    replica: OnceLock<Arc<dyn Replica>>,
}

impl Hub {
    pub(crate) fn new(config: RealtimeConfig) -> Self {
        Self {
            outbound_queue: config.outbound_queue,
            config: RwLock::new(Arc::new(config)),
            state: Mutex::new(State::default()),
            shutting_down: AtomicBool::new(false),
            live_tasks: AtomicUsize::new(0),
            replica: OnceLock::new(),
        }
    }

    /// The app's settings as they are now.
    pub(crate) fn config(&self) -> Arc<RealtimeConfig> {
        self.config
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// New settings for the app (a reload): sockets already admitted keep going; each new
    /// admission, signature and limit check reads these.
    pub(crate) fn reconfigure(&self, mut config: RealtimeConfig) {
        config.outbound_queue = self.outbound_queue;
        *self.config.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(config);
    }

    /// Joins this hub to a cluster: from now on operations that concern other nodes' sockets are
    /// also handed to `replica`, and presence is decided with it.
    pub(crate) fn attach(&self, replica: Arc<dyn Replica>) {
        let mut state = self.lock();
        if self.replica.set(replica.clone()).is_ok() {
            state.replica = Some(replica);
        }
    }

    /// Webhooks on: channel, member and client events are told to `lifecycle` from now on.
    pub(crate) fn tell_lifecycle(&self, lifecycle: Arc<dyn LifecycleEvents>) {
        self.lock().lifecycle = Some(lifecycle);
    }

    /// The other nodes, when scaling is on.
    pub(crate) fn replica(&self) -> Option<&Arc<dyn Replica>> {
        self.replica.get()
    }

    /// Hands an op for the other nodes to the replica. Callers hold the hub lock while they call
    /// it (it never waits), so the order ops leave in is the order they were applied here, and
    /// the other nodes see what this node's sockets saw, in that order.
    fn emit(&self, op: Op) {
        if let Some(replica) = self.replica.get() {
            replica.emit(op);
        }
    }

    /// A poisoned lock only means another task panicked mid-operation; the maps are still
    /// consistent enough to keep serving, which beats taking every socket down.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Admits a socket speaking `wire`, tagged with `user` when its owner is already known (an
    /// envelope socket's token), and gives it its id.
    pub(crate) fn register(
        &self,
        outbox: mpsc::Sender<Frame>,
        kill: Arc<KillSwitch>,
        wire: Wire,
        user: Option<UserId>,
    ) -> Result<String, Refusal> {
        if self.shutting_down.load(Ordering::SeqCst) {
            return Err(Refusal::ShuttingDown);
        }
        let mut state = self.lock();
        if let Some(max) = self.config().max_connections
            && state.sockets.len() >= max
        {
            return Err(Refusal::OverQuota);
        }
        let id = loop {
            let id = new_socket_id();
            if !state.sockets.contains_key(&id) {
                break id;
            }
        };
        state.sockets.insert(
            id.clone(),
            SocketEntry {
                outbox,
                wire,
                kill,
                user,
                sessions: Vec::new(),
                channels: HashSet::new(),
                revoked: HashSet::new(),
                catch_up: HashMap::new(),
                signed_in: None,
            },
        );
        if let Some(user) = user {
            state.users.entry(user).or_default().insert(id.clone());
        }
        Ok(id)
    }

    /// Forgets a socket that closed; idempotent.
    pub(crate) fn unregister(&self, socket: &str) {
        let mut state = self.lock();
        state.remove_socket(socket);
        state.settle();
    }

    /// Queues a reply for one socket, in order with everything else it is sent.
    pub(crate) fn send_to(&self, socket: &str, frame: impl Into<Outbound>) {
        let mut state = self.lock();
        state.send_outbound(socket, &frame.into());
        state.settle();
    }

    pub(crate) fn subscribe(
        &self,
        socket: &str,
        channel: &str,
        identity: Option<Member>,
    ) -> Result<(), SubscribeError> {
        let mut state = self.lock();
        state.may_join(socket, channel)?;
        state.join(socket, channel, identity, None);
        state.settle();
        Ok(())
    }

    /// Whether `socket` is a subscriber of `channel` (an envelope socket: has joined it).
    pub(crate) fn is_subscribed(&self, socket: &str, channel: &str) -> bool {
        self.lock()
            .sockets
            .get(socket)
            .is_some_and(|entry| entry.channels.contains(channel))
    }

    /// Lifts an earlier revocation of `channel` for `socket`, before the application is asked
    /// again whether the socket's user may join it (the envelope twin of `grant`).
    pub(crate) fn clear_revoked(&self, socket: &str, channel: &str) {
        if let Some(entry) = self.lock().sockets.get_mut(socket) {
            entry.revoked.remove(channel);
        }
    }

    /// An envelope socket's `join`, after the application allowed it: the socket becomes a
    /// subscriber of `channel`, silently (envelope joins are answered by the socket's own ack).
    /// Refused if the user was removed since `clear_revoked`, i.e. while the check ran.
    pub(crate) fn join_quietly(&self, socket: &str, channel: &str) -> Result<(), SubscribeError> {
        self.lock().join_quietly(socket, channel)
    }

    pub(crate) fn unsubscribe(&self, socket: &str, channel: &str) {
        let mut state = self.lock();
        state.leave(socket, channel);
        state.settle();
    }

    /// Whether a socket with this id is connected here.
    #[cfg(test)]
    pub(crate) fn has_socket(&self, socket: &str) -> bool {
        self.lock().sockets.contains_key(socket)
    }

    /// Refuses new sockets and closes every open one with `kill`.
    pub(crate) fn close_all(&self, kill: &Kill) {
        self.shutting_down.store(true, Ordering::SeqCst);
        let entries: Vec<SocketEntry> = {
            let mut state = self.lock();
            // Every channel empties at once; a single node tells the webhooks so (with scaling
            // on, the cluster does when this node departs: `scaling::occupancy`, `presence`).
            if let Some(lifecycle) = state.lifecycle.as_ref().filter(|_| state.replica.is_none()) {
                for (name, channel) in &state.channels {
                    for member in channel.members.values() {
                        lifecycle.member(name, &member.user_id, false);
                    }
                    lifecycle.occupancy(name, false);
                }
            }
            state.channels.clear();
            state.users.clear();
            state.deliveries.overflowed.clear();
            state.joining.clear();
            state.sockets.drain().map(|(_, entry)| entry).collect()
        };
        for entry in entries {
            entry.kill.trigger(kill.clone());
        }
    }
}

#[cfg(test)]
mod tests;
