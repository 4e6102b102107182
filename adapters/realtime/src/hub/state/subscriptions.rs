//! Subscribing and leaving, under the hub's lock: one `join` for every kind of channel (a
//! clustered presence join passes what Redis said), `leave`, and presence news for a channel's
//! subscribers.

use std::collections::{BTreeMap, HashSet};

use serde_json::{Value, json};

use super::{Buffered, ChannelState, ClusterJoin, State};
use crate::hub::{CACHE_TTL, Member, Snapshot};
use crate::protocol::{self, ChannelKind, ONLINE_CHANNEL};

impl State {
    /// Takes `socket` off `channel`; on a presence channel, tells the others when the user's last
    /// connection leaves.
    pub(in crate::hub) fn leave(&mut self, socket: &str, channel: &str) -> bool {
        self.forget_catch_up(socket, channel);
        let Some(state) = self.channels.get_mut(channel) else {
            return false;
        };
        let Some(identity) = state.subscribers.remove(socket) else {
            return false;
        };
        let mut gone = None;
        if let Some(member) = identity {
            if let Some(present) = state.members.get_mut(&member.key) {
                present.connections -= 1;
                if present.connections == 0 {
                    let local_gone = state.members.remove(&member.key).map(|m| m.user_id);
                    if self.replica.is_none() {
                        gone = local_gone;
                    }
                }
            }
            // Across nodes, whether this was the user's last socket anywhere is the cluster's to
            // say.
            if let Some(replica) = &self.replica {
                replica.presence_left(channel, socket, member);
            }
        }
        let online = channel == ONLINE_CHANNEL;
        let others: Vec<String> = match gone {
            Some(_) if !online => state.subscribers.keys().cloned().collect(),
            _ => Vec::new(),
        };
        let vacated = state.subscribers.is_empty();
        if vacated {
            self.channels.remove(channel);
        }
        if let Some(entry) = self.sockets.get_mut(socket) {
            entry.channels.remove(channel);
        }
        if online {
            self.unwatch(socket);
            if let Some(user_id) = &gone {
                self.tell_watchers(user_id, false, None);
            }
        }
        // As Pusher tells them: the member leaves, then the channel is empty.
        if let Some(lifecycle) = &self.lifecycle {
            if let Some(user_id) = &gone {
                lifecycle.member(channel, user_id, false);
            }
            if vacated {
                lifecycle.occupancy_here(channel, false);
            }
        }
        if let Some(user_id) = gone {
            let frame = protocol::member_removed(channel, &user_id);
            for other in &others {
                self.send(other, &frame);
            }
        }
        true
    }

    /// Tells a presence channel's subscribers that a member came or went (decided by Redis, by
    /// another node, or by this node while Redis is away); sockets still joining keep it for
    /// after their `subscription_succeeded`.
    pub(in crate::hub) fn member_changed(
        &mut self,
        channel: &str,
        added: bool,
        user_id: &Value,
        user_info: &Value,
    ) {
        if channel == ONLINE_CHANNEL {
            return self.tell_watchers(user_id, added, None);
        }
        let frame = if added {
            protocol::member_added(channel, user_id, user_info)
        } else {
            protocol::member_removed(channel, user_id)
        };
        let subscribers: Vec<String> = self
            .channels
            .get(channel)
            .map(|state| state.subscribers.keys().cloned().collect())
            .unwrap_or_default();
        for socket in &subscribers {
            self.send(socket, &frame);
        }
        if let Some(joining) = self.joining.get_mut(channel) {
            let key = Member::new(user_id.clone(), Value::Null).key;
            for buffered in joining.values_mut() {
                buffered.push(Buffered {
                    added,
                    key: key.clone(),
                    frame: frame.clone(),
                });
            }
        }
    }

    /// Subscribes `socket` to `channel` (as `identity` on a presence channel): it is sent
    /// `subscription_succeeded` (and a `cache-` channel's last event), and on a member's first
    /// connection the others are sent `member_added`. With scaling on, `cluster` carries what the
    /// cluster said — its members, and whether the member is new anywhere — and the presence
    /// events that arrived while it was asked.
    pub(in crate::hub) fn join(
        &mut self,
        socket: &str,
        channel: &str,
        identity: Option<Member>,
        cluster: Option<ClusterJoin>,
    ) {
        if channel == ONLINE_CHANNEL
            && let Some(member) = identity
        {
            return self.join_online(socket, member, cluster);
        }
        let previous = self
            .channels
            .get(channel)
            .and_then(|state| state.subscribers.get(socket))
            .cloned();
        let same_member = match (&previous, &identity) {
            (Some(Some(old)), Some(new)) => old.key == new.key,
            (Some(None), None) => true,
            _ => false,
        };
        if previous.is_some() && !same_member {
            self.leave(socket, channel);
        }
        let state = self.channel_entry(channel);
        let first_here = match &identity {
            Some(member) if !same_member => state.count_in(member),
            _ => false,
        };
        state
            .subscribers
            .insert(socket.to_owned(), identity.clone());
        let (cluster_view, buffered) = match cluster {
            Some(ClusterJoin { snapshot, buffered }) => (snapshot, buffered),
            None => (None, Vec::new()),
        };
        let (first, succeeded, mut known) = match (&cluster_view, &identity) {
            (Some(snapshot), Some(member)) => {
                let (data, known) = cluster_presence_data(snapshot, member);
                (snapshot.first, data, known)
            }
            _ => (
                first_here,
                if ChannelKind::of(channel) == ChannelKind::Presence {
                    presence_data(state)
                } else {
                    json!({})
                },
                state.members.keys().cloned().collect(),
            ),
        };
        if let Some(entry) = self.sockets.get_mut(socket) {
            entry.channels.insert(channel.to_owned());
        }
        self.send(
            socket,
            &protocol::subscription_succeeded(channel, &succeeded),
        );
        if protocol::is_cache_channel(channel) {
            let cached = self
                .cache
                .get(channel)
                .filter(|(at, _)| at.elapsed() < CACHE_TTL)
                .map(|(_, frame)| frame.clone());
            let frame = cached.unwrap_or_else(|| {
                if let Some(lifecycle) = &self.lifecycle {
                    lifecycle.cache_miss(channel);
                }
                protocol::cache_miss(channel)
            });
            self.send(socket, &frame);
        }
        for event in buffered {
            // Only what the snapshot did not already say, and only once.
            let news = if event.added {
                known.insert(event.key)
            } else {
                known.remove(&event.key)
            };
            if news {
                self.send(socket, &event.frame);
            }
        }
        if first && let Some(member) = identity {
            if let Some(lifecycle) = &self.lifecycle {
                lifecycle.member(channel, &member.user_id, true);
            }
            let frame = protocol::member_added(channel, &member.user_id, &member.user_info);
            let others: Vec<String> = self
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
                self.send(other, &frame);
            }
            if let Some(joining) = self.joining.get_mut(channel) {
                for waiting in joining.values_mut() {
                    waiting.push(Buffered {
                        added: true,
                        key: member.key.clone(),
                        frame: frame.clone(),
                    });
                }
            }
        }
    }
}

/// `subscription_succeeded`'s presence data from the cluster's members (and the joining one),
/// with the member keys it lists.
fn cluster_presence_data(snapshot: &Snapshot, member: &Member) -> (Value, HashSet<String>) {
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
    (data, members.into_keys().collect())
}

/// `{"presence":{"count","ids","hash"}}` for `subscription_succeeded`.
pub(in crate::hub) fn presence_data(state: &ChannelState) -> Value {
    let ids: Vec<&Value> = state.members.values().map(|m| &m.user_id).collect();
    let hash: serde_json::Map<String, Value> = state
        .members
        .iter()
        .map(|(key, m)| (key.clone(), m.user_info.clone()))
        .collect();
    json!({"presence": {"count": ids.len(), "ids": ids, "hash": hash}})
}
