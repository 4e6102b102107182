//! What the hub answers about itself, without changing anything: counts and figures (for the
//! Pusher HTTP API, the other nodes and `/metrics`), channel information, and who listens where
//! (for the room guard).

use std::collections::HashSet;

use confab_domain::UserId;
use serde_json::Value;

use super::state::ChannelState;
use super::{CACHE_TTL, ChannelInfo, Hub, Wire};
use crate::protocol::{ChannelKind, Frame};

/// This node's realtime figures, for the operator's `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RealtimeFigures {
    pub pusher_connections: usize,
    pub envelope_connections: usize,
    /// Channels with at least one subscriber here.
    pub channels: usize,
    /// Frames queued for sockets here since start (one per socket an event reached).
    pub deliveries: u64,
    /// Sockets dropped here since start for not reading their frames (4100).
    pub slow_consumer_disconnects: u64,
}

impl Hub {
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

    /// Who listens to `channels` on this node: the users of the subscribed sockets (tagged by
    /// the signer or by their token, or present as them), and the sockets whose user this node
    /// does not know (`(socket, channel)`: signed by another node whose grant has not arrived).
    pub(crate) fn listeners(&self, channels: &[String]) -> (Vec<UserId>, Vec<(String, String)>) {
        let state = self.lock();
        let mut users = HashSet::new();
        let mut unknown = Vec::new();
        for name in channels {
            let Some(channel) = state.channels.get(name) else {
                continue;
            };
            for (socket, identity) in &channel.subscribers {
                let tagged = state.sockets.get(socket).and_then(|entry| entry.user);
                let present = identity
                    .as_ref()
                    .and_then(|m| m.key.parse().ok().map(UserId));
                match tagged.or(present) {
                    Some(user) => {
                        users.insert(user);
                    }
                    None => unknown.push((socket.clone(), name.clone())),
                }
            }
        }
        (users.into_iter().collect(), unknown)
    }

    pub(crate) fn connection_count(&self) -> usize {
        self.lock().sockets.len()
    }

    /// This node's figures for `/metrics` (one pass over the sockets, under the lock).
    pub(crate) fn figures(&self) -> RealtimeFigures {
        let state = self.lock();
        let envelope_connections = state
            .sockets
            .values()
            .filter(|entry| entry.wire == Wire::Envelope)
            .count();
        RealtimeFigures {
            pusher_connections: state.sockets.len() - envelope_connections,
            envelope_connections,
            channels: state.channels.len(),
            deliveries: state.deliveries.delivered,
            slow_consumer_disconnects: state.deliveries.slow_consumers,
        }
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

    /// A cache channel's last event (its frame) and how long it is still kept, while it is.
    pub(crate) fn cached(&self, name: &str) -> Option<(Frame, std::time::Duration)> {
        let state = self.lock();
        let (at, frame) = state.cache.get(name)?;
        let left = CACHE_TTL.checked_sub(at.elapsed())?;
        Some((frame.clone(), left))
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
