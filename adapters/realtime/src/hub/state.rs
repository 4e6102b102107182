//! The hub's state behind its one lock: every socket with its queue, every channel with its
//! subscribers and present members, and delivery into a socket's queue (a full queue marks the
//! socket as too slow, `settle` drops it). [`super::Hub`] takes the lock and calls in here.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use confab_domain::UserId;
use serde_json::Value;
use tokio::sync::mpsc;

use super::{
    Granted, Kill, KillSwitch, LifecycleEvents, Member, Outbound, Replica, Snapshot,
    SubscribeError, Wire,
};
use crate::protocol::Frame;

pub(super) struct SocketEntry {
    pub(super) outbox: mpsc::Sender<Frame>,
    pub(super) wire: Wire,
    pub(super) kill: Arc<KillSwitch>,
    /// The user the `ChannelSigner` first signed for on this socket (Pusher), or whose token
    /// opened it (envelopes): whom revocation and `terminate_connections` reach. Set once, never
    /// replaced: a signature for another user on the socket is refused (see [`super::OwnedByAnother`]).
    pub(super) user: Option<UserId>,
    /// The login sessions whose tokens opened this socket (envelopes) or signed for it (Pusher):
    /// when one ends, the socket is closed (see `Op::EndSessions`). Usually one.
    pub(super) sessions: Vec<Box<str>>,
    pub(super) channels: HashSet<String>,
    /// Channels whose old signatures this socket may no longer use. They live and die with the
    /// socket, so they cannot pile up.
    pub(super) revoked: HashSet<String>,
    /// Channels the socket is catching up on (see `catch_up`).
    pub(super) catch_up: HashMap<String, CatchUp>,
    /// Who the socket signed in as (`pusher:signin`), and whom it watches.
    pub(super) signed_in: Option<Box<SignedIn>>,
}

impl SocketEntry {
    pub(super) fn tag_session(&mut self, session: &str) {
        if !self.sessions.iter().any(|tag| &**tag == session) {
            self.sessions.push(session.into());
        }
    }
}

/// Where one socket's catch-up on one channel stands (see `catch_up`, which moves it along).
pub(super) enum CatchUp {
    /// The history is being read and sent: live events wait here, in order.
    Holding(Vec<Outbound>),
    /// The history went out up to message `delivered`; live copies of it are dropped until `until`.
    Seam { delivered: i64, until: Instant },
}

pub(super) struct PresenceMember {
    pub(super) user_id: Value,
    pub(super) user_info: Value,
    /// Sockets (tabs) of this user on the channel: one member however many.
    pub(super) connections: usize,
}

#[derive(Default)]
pub(super) struct ChannelState {
    /// Socket id → its presence identity (presence channels only).
    pub(super) subscribers: HashMap<String, Option<Member>>,
    pub(super) members: BTreeMap<String, PresenceMember>,
}

impl ChannelState {
    /// Counts one more connection of `member` here; `true` when it is their first (the others are
    /// then told `member_added`). One member with several tabs is one member.
    pub(super) fn count_in(&mut self, member: &Member) -> bool {
        match self.members.get_mut(&member.key) {
            Some(present) => {
                present.connections += 1;
                false
            }
            None => {
                self.members.insert(
                    member.key.clone(),
                    PresenceMember {
                        user_id: member.user_id.clone(),
                        user_info: member.user_info.clone(),
                        connections: 1,
                    },
                );
                true
            }
        }
    }
}

/// What the cluster said about a presence join, for [`State::join`].
pub(super) struct ClusterJoin {
    /// Redis's answer; `None` when it could not be asked (this node decides alone).
    pub(super) snapshot: Option<Snapshot>,
    /// Presence events that arrived while it was asked.
    pub(super) buffered: Vec<Buffered>,
}

/// A presence event that reached a channel while a socket's cluster join was being answered by
/// Redis: kept for that socket and sent after its `subscription_succeeded`, unless the snapshot
/// it is sent already says so.
pub(super) struct Buffered {
    pub(super) added: bool,
    pub(super) key: String,
    pub(super) frame: Frame,
}

#[derive(Default)]
pub(super) struct State {
    pub(super) sockets: HashMap<String, SocketEntry>,
    pub(super) channels: HashMap<String, ChannelState>,
    pub(super) users: HashMap<UserId, HashSet<String>>,
    /// Last Pusher frame of each `cache-` channel (envelope sockets never join those).
    pub(super) cache: HashMap<String, (Instant, Frame)>,
    /// Scaling only: presence leaves go to the cluster, which decides whether the user's last
    /// socket anywhere left. `None` on a single node.
    pub(super) replica: Option<Arc<dyn Replica>>,
    /// Scaling only: channel → sockets whose presence join Redis is answering, with the presence
    /// events that arrived meanwhile.
    pub(super) joining: HashMap<String, HashMap<String, Vec<Buffered>>>,
    /// Sockets catching up on a room (see `catch_up`); while empty, publishing skips that check.
    pub(super) catching_up: HashSet<String>,
    /// What delivery left to do (slow sockets to drop) and its running totals.
    pub(super) deliveries: Deliveries,
    /// Webhooks on: where channel, member and client events are told.
    pub(super) lifecycle: Option<Arc<dyn LifecycleEvents>>,
    /// (user, channel) → until when (Unix ms) their whispers there are refused (timeouts).
    pub(super) silenced: HashMap<(UserId, String), i64>,
    /// Signed-in user id → this node's signed-in sockets watching them (see `online`).
    pub(super) watchers: HashMap<String, HashSet<String>>,
}

mod delivery;
mod online;
mod silence;
mod subscriptions;

pub(super) use delivery::{Deliveries, deliver};
pub(crate) use online::SignedIn;

impl State {
    /// `socket`, if it is here and may join `channel` (its signature for it was not revoked).
    pub(super) fn may_join(
        &self,
        socket: &str,
        channel: &str,
    ) -> Result<&SocketEntry, SubscribeError> {
        let entry = self
            .sockets
            .get(socket)
            .ok_or(SubscribeError::UnknownSocket)?;
        if entry.revoked.contains(channel) {
            return Err(SubscribeError::Revoked);
        }
        Ok(entry)
    }

    /// [`Hub::join_quietly`] under a lock the caller already holds.
    pub(super) fn join_quietly(
        &mut self,
        socket: &str,
        channel: &str,
    ) -> Result<(), SubscribeError> {
        self.may_join(socket, channel)?;
        if let Some(entry) = self.sockets.get_mut(socket) {
            entry.channels.insert(channel.to_owned());
        }
        self.channel_entry(channel)
            .subscribers
            .insert(socket.to_owned(), None);
        Ok(())
    }

    /// `channel`'s state, made for its first subscriber here — which the webhooks hear as the
    /// channel occupied (the cluster's to decide with scaling on).
    pub(super) fn channel_entry(&mut self, channel: &str) -> &mut ChannelState {
        if !self.channels.contains_key(channel)
            && let Some(lifecycle) = &self.lifecycle
        {
            lifecycle.occupancy_here(channel, true);
        }
        self.channels.entry(channel.to_owned()).or_default()
    }

    /// Queues a Pusher frame (the hub's own: subscription_succeeded, member_added, …).
    pub(super) fn send(&mut self, socket: &str, frame: &Frame) {
        self.send_outbound(socket, &Outbound::pusher(frame.clone()));
    }

    pub(super) fn send_outbound(&mut self, socket: &str, frame: &Outbound) {
        deliver(&self.sockets, &mut self.deliveries, socket, frame);
    }

    /// Drops every socket that overflowed, which may overflow others (member_removed), until
    /// none is left.
    pub(super) fn settle(&mut self) {
        while let Some(id) = self.deliveries.overflowed.pop() {
            if let Some(entry) = self.remove_socket(&id) {
                self.deliveries.slow_consumers += 1;
                tracing::info!(socket_id = %id, "disconnecting a slow consumer");
                entry.kill.trigger(Kill::slow_consumer());
            }
        }
    }

    pub(super) fn remove_socket(&mut self, id: &str) -> Option<SocketEntry> {
        let entry = self.sockets.remove(id)?;
        self.catching_up.remove(id);
        if !self.joining.is_empty() {
            self.joining.retain(|_, sockets| {
                sockets.remove(id);
                !sockets.is_empty()
            });
        }
        for channel in &entry.channels {
            self.leave(id, channel);
        }
        if let Some(signed_in) = &entry.signed_in {
            self.forget_watcher(id, signed_in);
        }
        if let Some(user) = entry.user {
            self.untag(user, id);
        }
        Some(entry)
    }

    pub(super) fn untag(&mut self, user: UserId, socket: &str) {
        if let Some(sockets) = self.users.get_mut(&user) {
            sockets.remove(socket);
            if sockets.is_empty() {
                self.users.remove(&user);
            }
        }
    }

    /// Tags `socket` with `user` if it has no owner yet and, if it is `user`'s, lifts its
    /// revocation of `channel` (Pusher sockets; an envelope socket's joins lift their own). A
    /// socket owned by another user is left exactly as it was.
    pub(super) fn grant(
        &mut self,
        socket: &str,
        user: UserId,
        channel: &str,
        session: Option<&str>,
    ) -> Granted {
        let Some(entry) = self.sockets.get_mut(socket) else {
            return Granted::NotHere;
        };
        match entry.user {
            Some(owner) if owner != user => return Granted::Conflict,
            Some(_) => {}
            None => {
                entry.user = Some(user);
                self.users
                    .entry(user)
                    .or_default()
                    .insert(socket.to_owned());
            }
        }
        if entry.wire == Wire::Pusher {
            entry.revoked.remove(channel);
        }
        if let Some(session) = session {
            entry.tag_session(session);
        }
        Granted::Yes
    }

    /// Closes this node's sockets of `user` that any of `sessions` opened or signed for.
    pub(super) fn end_sessions(&mut self, user: UserId, sessions: &[String]) -> usize {
        let Some(sockets) = self.users.get(&user) else {
            return 0;
        };
        let ended: Vec<String> = sockets
            .iter()
            .filter(|socket| {
                self.sockets.get(socket.as_str()).is_some_and(|entry| {
                    entry
                        .sessions
                        .iter()
                        .any(|tag| sessions.iter().any(|s| **tag == **s))
                })
            })
            .cloned()
            .collect();
        for socket in &ended {
            if let Some(entry) = self.remove_socket(socket) {
                entry.kill.trigger(Kill::session_ended());
            }
        }
        ended.len()
    }

    /// Marks `socket`'s signatures for `channel` revoked and takes it off the channel (and out
    /// of a presence join Redis is still answering); `false` when the socket is not here.
    pub(super) fn withdraw(&mut self, socket: &str, channel: &str) -> bool {
        let Some(entry) = self.sockets.get_mut(socket) else {
            return false;
        };
        entry.revoked.insert(channel.to_owned());
        if let Some(joining) = self.joining.get_mut(channel) {
            joining.remove(socket);
            if joining.is_empty() {
                self.joining.remove(channel);
            }
        }
        self.leave(socket, channel);
        true
    }

    /// Ends `user`'s subscriptions to `channels` on this node's sockets and marks them revoked.
    pub(super) fn revoke(&mut self, user: UserId, channels: &[String]) {
        if !self.joining.is_empty() {
            // A join of this user's still being answered by Redis is refused when it ends.
            let sockets = self.sockets_of(user, channels);
            for channel in channels {
                if let Some(joining) = self.joining.get_mut(channel) {
                    joining.retain(|socket, _| !sockets.contains(socket));
                }
            }
        }
        for socket in self.sockets_of(user, channels) {
            if let Some(entry) = self.sockets.get_mut(&socket) {
                entry.revoked.extend(channels.iter().cloned());
            }
            for channel in channels {
                self.leave(&socket, channel);
            }
        }
    }

    /// Sockets that belong to `user`: tagged by the signer, or present as them on `channels`.
    pub(super) fn sockets_of(&self, user: UserId, channels: &[String]) -> HashSet<String> {
        self.sockets_of_key(&user.to_string(), channels.iter().map(String::as_str))
    }

    /// Sockets of the user whose presence key is `key`: tagged by the signer (when the key is a
    /// user id), or present as them on `channels`.
    pub(super) fn sockets_of_key<'a>(
        &self,
        key: &str,
        channels: impl IntoIterator<Item = &'a str>,
    ) -> HashSet<String> {
        let mut found = key
            .parse::<i64>()
            .ok()
            .and_then(|id| self.users.get(&UserId(id)).cloned())
            .unwrap_or_default();
        for channel in channels {
            if let Some(state) = self.channels.get(channel) {
                found.extend(
                    state
                        .subscribers
                        .iter()
                        .filter(|(_, identity)| identity.as_ref().is_some_and(|m| m.key == key))
                        .map(|(id, _)| id.clone()),
                );
            }
        }
        found
    }
}
