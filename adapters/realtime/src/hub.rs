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

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use confab_domain::UserId;
use rand::Rng;
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};

use crate::config::RealtimeConfig;
use crate::protocol::{self, ChannelKind, Frame};
use crate::scaling::{Link, Op, PresenceCmd, Snapshot};

mod catch_up;
mod kill;
mod outbound;
mod state;

pub(crate) use kill::{Kill, KillSwitch};
pub(crate) use outbound::{Outbound, Wire};
use state::{Buffered, ChannelState, SocketEntry, State, deliver, presence_data};

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

/// A whisper from a socket that is not subscribed to the channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NotSubscribed;

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
    pub(crate) config: RealtimeConfig,
    state: Mutex<State>,
    shutting_down: AtomicBool,
    /// Socket tasks still running (including ones saying goodbye), so shutdown can wait for them.
    pub(crate) live_tasks: AtomicUsize,
    /// Set once when scaling is on: the way to the other nodes. Unset, every operation is local
    /// and nothing else is paid.
    cluster: OnceLock<Arc<Link>>,
}

impl Hub {
    pub(crate) fn new(config: RealtimeConfig) -> Self {
        Self {
            config,
            state: Mutex::new(State::default()),
            shutting_down: AtomicBool::new(false),
            live_tasks: AtomicUsize::new(0),
            cluster: OnceLock::new(),
        }
    }

    /// Joins this hub to a cluster: from now on operations that concern other nodes' sockets are
    /// also handed to `link`, and presence leaves to its presence task.
    pub(crate) fn attach(&self, link: Arc<Link>, presence: mpsc::UnboundedSender<PresenceCmd>) {
        let mut state = self.lock();
        if self.cluster.set(link).is_ok() {
            state.presence = Some(presence);
        }
    }

    /// Where presence commands go, when scaling is on.
    pub(crate) fn presence_sender(&self) -> Option<mpsc::UnboundedSender<PresenceCmd>> {
        self.lock().presence.clone()
    }

    /// The cluster link, when scaling is on.
    pub(crate) fn link(&self) -> Option<&Arc<Link>> {
        self.cluster.get()
    }

    /// Hands an op for the other nodes to the publisher. Callers hold the hub lock while they
    /// call it (it never waits: `try_send`), so the order ops reach Redis in is the order they
    /// were applied here, and the other nodes see what this node's sockets saw, in that order.
    fn emit(&self, op: impl FnOnce() -> Op) {
        if let Some(link) = self.cluster.get() {
            link.emit(op());
        }
    }

    /// A poisoned lock only means another task panicked mid-operation; the maps are still
    /// consistent enough to keep serving, which beats taking every socket down.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Admits a Pusher socket and gives it its id.
    pub(crate) fn register(
        &self,
        outbox: mpsc::Sender<Frame>,
        kill: Arc<KillSwitch>,
    ) -> Result<String, Refusal> {
        self.register_as(outbox, kill, Wire::Pusher, None)
    }

    /// Admits a socket speaking `wire`, tagged with `user` when its owner is already known (an
    /// envelope socket's token), and gives it its id.
    pub(crate) fn register_as(
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
        if let Some(max) = self.config.max_connections
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
                channels: HashSet::new(),
                revoked: HashSet::new(),
                catch_up: HashMap::new(),
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
        let entry = state
            .sockets
            .get(socket)
            .ok_or(SubscribeError::UnknownSocket)?;
        if entry.revoked.contains(channel) {
            return Err(SubscribeError::Revoked);
        }
        state.join(socket, channel, identity);
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

    /// Sends `frame` to every subscriber of `channel` but `except`, each in its wire format, here
    /// and (scaling on) on every other node.
    pub(crate) fn publish(&self, channel: &str, frame: impl Into<Outbound>, except: Option<&str>) {
        self.publish_here(channel, frame.into(), except, true);
    }

    /// [`publish`](Self::publish) to this node's sockets only.
    pub(crate) fn publish_local(&self, channel: &str, frame: Outbound, except: Option<&str>) {
        self.publish_here(channel, frame, except, false);
    }

    /// Delivers to this node's subscribers and, with `to_cluster`, emits the op, both under the
    /// lock (see [`emit`](Self::emit)).
    fn publish_here(&self, channel: &str, frame: Outbound, except: Option<&str>, to_cluster: bool) {
        let mut guard = self.lock();
        let state = &mut *guard;
        if to_cluster {
            self.emit(|| Op::publish(channel, &frame, except));
        }
        if protocol::is_cache_channel(channel)
            && let Some(pusher) = &frame.pusher
        {
            state.cache.retain(|_, (at, _)| at.elapsed() < CACHE_TTL);
            state
                .cache
                .insert(channel.to_owned(), (Instant::now(), pusher.clone()));
        }
        // A hold may fill the half of the queue a catching-up join keeps free, less its ack.
        let limit = (self.config.outbound_queue / 2).saturating_sub(1).max(1);
        let mut expired = Vec::new();
        if let Some(subscribers) = state.channels.get(channel) {
            for socket in subscribers.subscribers.keys() {
                if except == Some(socket.as_str()) {
                    continue;
                }
                let intercepted = state.catching_up.contains(socket)
                    && catch_up::intercept(
                        &mut state.sockets,
                        &mut state.overflowed,
                        &mut expired,
                        (socket, channel),
                        &frame,
                        limit,
                    );
                if !intercepted {
                    deliver(&state.sockets, &mut state.overflowed, socket, &frame);
                }
            }
        }
        catch_up::expire(&mut state.catching_up, expired);
        state.settle();
    }

    /// Sends `frame` to every socket of `user` but `except`, each in its wire format, on every
    /// node.
    pub(crate) fn publish_to_user(&self, user: UserId, frame: &Outbound, except: Option<&str>) {
        self.publish_to_user_here(user, frame, except, true);
    }

    /// [`publish_to_user`](Self::publish_to_user) to this node's sockets only.
    pub(crate) fn publish_to_user_local(
        &self,
        user: UserId,
        frame: &Outbound,
        except: Option<&str>,
    ) {
        self.publish_to_user_here(user, frame, except, false);
    }

    fn publish_to_user_here(
        &self,
        user: UserId,
        frame: &Outbound,
        except: Option<&str>,
        to_cluster: bool,
    ) {
        let mut guard = self.lock();
        let state = &mut *guard;
        if to_cluster {
            self.emit(|| Op::to_user(user.get(), frame, except));
        }
        if let Some(sockets) = state.users.get(&user) {
            for socket in sockets {
                if except != Some(socket.as_str()) {
                    deliver(&state.sockets, &mut state.overflowed, socket, frame);
                }
            }
        }
        state.settle();
    }

    /// Forwards a client event to the channel's other subscribers, never back to the sender.
    pub(crate) fn whisper(
        &self,
        socket: &str,
        channel: &str,
        event: &str,
        data: &Value,
    ) -> Result<(), NotSubscribed> {
        let mut guard = self.lock();
        let state = &mut *guard;
        let subscribers = state.channels.get(channel).ok_or(NotSubscribed)?;
        let identity = subscribers.subscribers.get(socket).ok_or(NotSubscribed)?;
        let frame = Outbound::pusher(protocol::client_event(
            event,
            channel,
            data,
            identity.as_ref().map(|m| &m.user_id),
        ));
        for other in subscribers.subscribers.keys() {
            if other != socket {
                deliver(&state.sockets, &mut state.overflowed, other, &frame);
            }
        }
        // The sender lives here, so `except` keeps it out everywhere.
        self.emit(|| Op::publish(channel, &frame, Some(socket)));
        state.settle();
        Ok(())
    }

    /// Scaling: the first half of a presence subscription. The socket is checked (connected, not
    /// revoked) and marked as joining, so presence events that arrive while Redis answers are
    /// kept for it. A socket already subscribed there is first unsubscribed, so the join counts
    /// once.
    pub(crate) fn begin_join(&self, socket: &str, channel: &str) -> Result<(), SubscribeError> {
        let mut state = self.lock();
        let entry = state
            .sockets
            .get(socket)
            .ok_or(SubscribeError::UnknownSocket)?;
        if entry.revoked.contains(channel) {
            return Err(SubscribeError::Revoked);
        }
        if entry.channels.contains(channel) {
            state.leave(socket, channel);
            state.settle();
        }
        state
            .joining
            .entry(channel.to_owned())
            .or_default()
            .insert(socket.to_owned(), Vec::new());
        Ok(())
    }

    /// Scaling: the second half. `snapshot` is Redis's answer (`None` when Redis could not be
    /// asked: this node then decides alone, as a single node would). The socket is sent
    /// `subscription_succeeded` with the members of the whole cluster, then what arrived while it
    /// was joining; on the user's first socket anywhere, this node's other subscribers are sent
    /// `member_added` (the other nodes' by Redis). A socket that left or was revoked meanwhile
    /// is taken back out of Redis.
    pub(crate) fn finish_join(
        &self,
        socket: &str,
        channel: &str,
        member: Member,
        snapshot: Option<Snapshot>,
    ) -> Result<(), SubscribeError> {
        let mut guard = self.lock();
        let state = &mut *guard;
        let buffered = state
            .joining
            .get_mut(channel)
            .and_then(|joining| joining.remove(socket));
        if state.joining.get(channel).is_some_and(HashMap::is_empty) {
            state.joining.remove(channel);
        }
        let refused = match (state.sockets.get(socket), &buffered) {
            (None, _) => Some(SubscribeError::UnknownSocket),
            (Some(entry), None) => Some(if entry.revoked.contains(channel) {
                SubscribeError::Revoked
            } else {
                SubscribeError::UnknownSocket
            }),
            (Some(_), Some(_)) => None,
        };
        if let Some(refused) = refused {
            if snapshot.is_some()
                && let Some(presence) = &state.presence
            {
                let _ = presence.send(PresenceCmd::Leave {
                    channel: channel.to_owned(),
                    socket: socket.to_owned(),
                    member,
                });
            }
            return Err(refused);
        }
        let buffered = buffered.unwrap_or_default();
        let channel_state = state.channels.entry(channel.to_owned()).or_default();
        let first_here = channel_state.count_in(&member);
        channel_state
            .subscribers
            .insert(socket.to_owned(), Some(member.clone()));
        let (first, succeeded, known) = match &snapshot {
            Some(snapshot) => {
                let mut members: BTreeMap<String, (Value, Value)> = snapshot
                    .members
                    .iter()
                    .map(|(id, info)| {
                        (
                            Member::new(id.clone(), Value::Null).key,
                            (id.clone(), info.clone()),
                        )
                    })
                    .collect();
                members
                    .entry(member.key.clone())
                    .or_insert_with(|| (member.user_id.clone(), member.user_info.clone()));
                let ids: Vec<&Value> = members.values().map(|(id, _)| id).collect();
                let hash: serde_json::Map<String, Value> = members
                    .iter()
                    .map(|(key, (_, info))| (key.clone(), info.clone()))
                    .collect();
                let data = json!({"presence": {"count": ids.len(), "ids": ids, "hash": hash}});
                let known: HashSet<String> = members.into_keys().collect();
                (snapshot.first, data, known)
            }
            None => (
                first_here,
                presence_data(channel_state),
                channel_state.members.keys().cloned().collect(),
            ),
        };
        if let Some(entry) = state.sockets.get_mut(socket) {
            entry.channels.insert(channel.to_owned());
        }
        state.send(
            socket,
            &protocol::subscription_succeeded(channel, &succeeded),
        );
        if protocol::is_cache_channel(channel) {
            let cached = state
                .cache
                .get(channel)
                .filter(|(at, _)| at.elapsed() < CACHE_TTL)
                .map(|(_, frame)| frame.clone());
            let frame = cached.unwrap_or_else(|| protocol::cache_miss(channel));
            state.send(socket, &frame);
        }
        let mut known = known;
        for event in buffered {
            // Only what the snapshot did not already say, and only once.
            let news = if event.added {
                known.insert(event.key)
            } else {
                known.remove(&event.key)
            };
            if news {
                state.send(socket, &event.frame);
            }
        }
        if first {
            let frame = protocol::member_added(channel, &member.user_id, &member.user_info);
            let others: Vec<String> = state
                .channels
                .get(channel)
                .map(|c| {
                    c.subscribers
                        .keys()
                        .filter(|id| id.as_str() != socket)
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            for other in &others {
                state.send(other, &frame);
            }
            if let Some(joining) = state.joining.get_mut(channel) {
                for waiting in joining.values_mut() {
                    waiting.push(Buffered {
                        added: true,
                        key: member.key.clone(),
                        frame: frame.clone(),
                    });
                }
            }
        }
        state.settle();
        Ok(())
    }

    /// Scaling: a member came or went on a presence channel (told by another node, or by Redis
    /// after a leave here).
    pub(crate) fn member_changed(
        &self,
        channel: &str,
        added: bool,
        user_id: &Value,
        user_info: &Value,
    ) {
        let mut state = self.lock();
        state.member_changed(channel, added, user_id, user_info);
        state.settle();
    }

    /// Scaling, Redis away: a socket of `member` left `channel`; this node decides alone, as a
    /// single node does, whether that was the member's last socket (here).
    pub(crate) fn local_member_gone(&self, channel: &str, member: &Member) {
        let mut state = self.lock();
        let still_here = state
            .channels
            .get(channel)
            .is_some_and(|c| c.members.contains_key(&member.key));
        if !still_here {
            state.member_changed(channel, false, &member.user_id, &Value::Null);
            state.settle();
        }
    }

    /// Scaling: every presence subscription of this node, `(channel, socket, member)`, for
    /// writing this node's share of presence back into Redis after an outage.
    pub(crate) fn presence_entries(&self) -> Vec<(String, String, Member)> {
        let state = self.lock();
        state
            .channels
            .iter()
            .flat_map(|(name, channel)| {
                channel.subscribers.iter().filter_map(move |(socket, m)| {
                    m.as_ref()
                        .map(|m| (name.clone(), socket.clone(), m.clone()))
                })
            })
            .collect()
    }

    /// Scaling: this node's counts for the HTTP API of the other nodes: connections, and
    /// subscriptions per channel.
    pub(crate) fn local_counts(&self) -> (usize, Vec<(String, usize)>) {
        let state = self.lock();
        (
            state.sockets.len(),
            state
                .channels
                .iter()
                .map(|(name, channel)| (name.clone(), channel.subscribers.len()))
                .collect(),
        )
    }

    /// Whether a socket with this id is connected here.
    #[cfg(test)]
    pub(crate) fn has_socket(&self, socket: &str) -> bool {
        self.lock().sockets.contains_key(socket)
    }

    /// Records that a fresh signature for `channel` was issued to `user` on `socket`: the socket
    /// becomes `user`'s if it had no owner yet, and its earlier revocation of `channel` is lifted
    /// (Pusher sockets; an envelope socket's owner is fixed by its token, and a signature asked
    /// for its id lifts nothing). Called by the `ChannelSigner`.
    ///
    /// A socket's owner never changes: a signature for another user on a socket of this node is
    /// refused ([`OwnedByAnother`]), so that one account cannot move its socket out of reach of
    /// the other's revocation. With scaling on, the auth request may reach another node than the
    /// socket: a socket not found here is told about through the cluster, and its own node
    /// enforces the same rule ([`grant_from_cluster`](Self::grant_from_cluster)).
    pub(crate) fn grant(
        &self,
        socket: &str,
        user: UserId,
        channel: &str,
    ) -> Result<(), OwnedByAnother> {
        let mut state = self.lock();
        match state.grant(socket, user, channel) {
            Granted::Yes => Ok(()),
            Granted::Conflict => Err(OwnedByAnother),
            Granted::NotHere => {
                self.emit(|| Op::Grant {
                    socket: socket.to_owned(),
                    user: user.get(),
                    channel: channel.to_owned(),
                });
                Ok(())
            }
        }
    }

    /// Scaling: another node issued a signature for `socket`, which lives here. A grant for a
    /// user other than the socket's owner was not refused there (that node could not know), so
    /// it is refused here: nothing is re-tagged or lifted, and the signature it was issued for is
    /// made useless instead — the socket is marked revoked on `channel` and taken off it (should
    /// the subscribe have overtaken this op), exactly what the owning node's own signer would
    /// have prevented with a 403.
    pub(crate) fn grant_from_cluster(&self, socket: &str, user: UserId, channel: &str) {
        let mut state = self.lock();
        if state.grant(socket, user, channel) == Granted::Conflict {
            tracing::info!(
                socket_id = socket,
                user_id = %user,
                channel,
                "refusing a channel grant for another user than the socket's owner"
            );
            state.withdraw(socket, channel);
            state.settle();
        }
    }

    /// Takes back what a grant gave: `socket`'s signatures for `channel` are refused again and it
    /// is unsubscribed from it, here or (scaling on) on the node it lives on. For a grant that
    /// turned out to race a removal (see the `authorize_channel` use case).
    pub(crate) fn withdraw(&self, socket: &str, channel: &str) {
        let mut state = self.lock();
        if !state.withdraw(socket, channel) {
            self.emit(|| Op::Withdraw {
                socket: socket.to_owned(),
                channel: channel.to_owned(),
            });
        }
        state.settle();
    }

    /// [`withdraw`](Self::withdraw) for a socket of this node (told by another node).
    pub(crate) fn withdraw_local(&self, socket: &str, channel: &str) {
        let mut state = self.lock();
        state.withdraw(socket, channel);
        state.settle();
    }

    /// Whether `socket` may not use its old signature for `channel` (it was revoked).
    pub(crate) fn is_revoked(&self, socket: &str, channel: &str) -> bool {
        self.lock()
            .sockets
            .get(socket)
            .is_some_and(|entry| entry.revoked.contains(channel))
    }

    /// Ends `user`'s subscriptions to `channels` on every socket of theirs, at once, and refuses
    /// the signatures they hold until the signer issues new ones.
    ///
    /// With scaling on, the other nodes do the same to their sockets of `user`; the returned
    /// receiver answers once the order is in Redis (so that whatever is published after it, from
    /// any node, reaches every node after it).
    pub(crate) fn revoke(
        &self,
        user: UserId,
        channels: &[String],
    ) -> Option<oneshot::Receiver<()>> {
        let mut state = self.lock();
        state.revoke(user, channels);
        // Under the lock, like every emit: nothing published here after the revocation reaches
        // another node before it.
        let confirmed = self.cluster.get().and_then(|link| {
            link.emit_confirmed(Op::Revoke {
                user: user.get(),
                channels: channels.to_vec(),
            })
        });
        state.settle();
        confirmed
    }

    /// [`revoke`](Self::revoke) on this node's sockets only.
    pub(crate) fn revoke_local(&self, user: UserId, channels: &[String]) {
        let mut state = self.lock();
        state.revoke(user, channels);
        state.settle();
    }

    /// Closes every socket of `user` (tagged by the signer or present as them), on every node;
    /// returns how many were closed here.
    pub(crate) fn terminate_user(&self, user_key: &str, kill: &Kill) -> usize {
        self.terminate_user_here(user_key, kill, true)
    }

    /// [`terminate_user`](Self::terminate_user) on this node's sockets only.
    pub(crate) fn terminate_user_local(&self, user_key: &str, kill: &Kill) -> usize {
        self.terminate_user_here(user_key, kill, false)
    }

    fn terminate_user_here(&self, user_key: &str, kill: &Kill, to_cluster: bool) -> usize {
        let mut state = self.lock();
        if to_cluster {
            self.emit(|| Op::Terminate {
                user: user_key.to_owned(),
            });
        }
        let mut targets: HashSet<String> = user_key
            .parse::<i64>()
            .ok()
            .and_then(|id| state.users.get(&UserId(id)).cloned())
            .unwrap_or_default();
        for channel in state.channels.values() {
            targets.extend(
                channel
                    .subscribers
                    .iter()
                    .filter(|(_, m)| m.as_ref().is_some_and(|m| m.key == user_key))
                    .map(|(id, _)| id.clone()),
            );
        }
        let mut closed = 0;
        for socket in targets {
            if let Some(entry) = state.remove_socket(&socket) {
                entry.kill.trigger(kill.clone());
                closed += 1;
            }
        }
        state.settle();
        closed
    }

    /// Refuses new sockets and closes every open one with `kill`.
    pub(crate) fn close_all(&self, kill: &Kill) {
        self.shutting_down.store(true, Ordering::SeqCst);
        let entries: Vec<SocketEntry> = {
            let mut state = self.lock();
            state.channels.clear();
            state.users.clear();
            state.overflowed.clear();
            state.joining.clear();
            state.sockets.drain().map(|(_, entry)| entry).collect()
        };
        for entry in entries {
            entry.kill.trigger(kill.clone());
        }
    }

    pub(crate) fn connection_count(&self) -> usize {
        self.lock().sockets.len()
    }

    /// Occupied channels, optionally only those whose name starts with `prefix`.
    pub(crate) fn channels(&self, prefix: Option<&str>) -> Vec<ChannelInfo> {
        let state = self.lock();
        let mut found: Vec<ChannelInfo> = state
            .channels
            .iter()
            .filter(|(name, _)| prefix.is_none_or(|p| name.starts_with(p)))
            .map(|(name, channel)| info(name, channel))
            .collect();
        found.sort_by(|a, b| a.name.cmp(&b.name));
        found
    }

    pub(crate) fn channel(&self, name: &str) -> ChannelInfo {
        let state = self.lock();
        match state.channels.get(name) {
            Some(channel) => info(name, channel),
            None => ChannelInfo {
                name: name.to_owned(),
                subscription_count: 0,
                user_count: (ChannelKind::of(name) == ChannelKind::Presence).then_some(0),
            },
        }
    }

    /// The `user_id`s present on a presence channel.
    pub(crate) fn channel_users(&self, name: &str) -> Vec<Value> {
        let state = self.lock();
        state
            .channels
            .get(name)
            .map(|channel| {
                channel
                    .members
                    .values()
                    .map(|m| m.user_id.clone())
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn info(name: &str, channel: &ChannelState) -> ChannelInfo {
    ChannelInfo {
        name: name.to_owned(),
        subscription_count: channel.subscribers.len(),
        user_count: (ChannelKind::of(name) == ChannelKind::Presence)
            .then_some(channel.members.len()),
    }
}

#[cfg(test)]
mod tests;
