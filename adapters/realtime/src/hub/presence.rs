//! Presence subscriptions with scaling on: the cluster (Redis) decides whether a member is new
//! anywhere and lists the members of every node; the hub marks the socket as joining while it is
//! asked, keeps the presence events that arrive meanwhile, and completes the subscription with
//! the same `State::join` a single node uses. Redis away or slow: the node decides alone.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::Value;

use super::state::ClusterJoin;
use super::{Hub, Member, Snapshot, SubscribeError};
use crate::protocol::ONLINE_CHANNEL;

/// How long a presence subscription waits for the cluster before deciding alone.
const JOIN_WAIT: Duration = Duration::from_secs(2);

impl Hub {
    /// Subscribes `socket` to a presence channel as `member`, asking the cluster first when
    /// scaling is on.
    pub(crate) async fn join_presence(
        &self,
        socket: &str,
        channel: &str,
        member: Member,
    ) -> Result<(), SubscribeError> {
        let Some(replica) = self.replica().cloned() else {
            return self.subscribe(socket, channel, Some(member));
        };
        let only = self.begin_join(socket, channel)?;
        let answer = if replica.is_up() {
            replica.presence_join(channel, socket, &member, only.as_deref())
        } else {
            None
        };
        let snapshot = match answer {
            Some(answer) => tokio::time::timeout(JOIN_WAIT, answer)
                .await
                .ok()
                .and_then(Result::ok)
                .flatten(),
            None => None,
        };
        self.finish_join(socket, channel, member, snapshot)
    }

    /// The first half of a clustered presence subscription. The socket is checked (connected,
    /// not revoked) and marked as joining, so presence events that arrive while Redis answers
    /// are kept for it. A socket already subscribed there is first unsubscribed, so the join
    /// counts once. Returns, for a sign-in, the watchlist: all the join needs to know of who else
    /// is online.
    fn begin_join(
        &self,
        socket: &str,
        channel: &str,
    ) -> Result<Option<Vec<String>>, SubscribeError> {
        let mut state = self.lock();
        if state.may_join(socket, channel)?.channels.contains(channel) {
            state.leave(socket, channel);
            state.settle();
        }
        state
            .joining
            .entry(channel.to_owned())
            .or_default()
            .insert(socket.to_owned(), Vec::new());
        Ok((channel == ONLINE_CHANNEL).then(|| state.watchlist_of(socket).to_vec()))
    }

    /// The second half. `snapshot` is Redis's answer (`None` when Redis could not be asked: this
    /// node then decides alone, as a single node would). The socket is sent
    /// `subscription_succeeded` with the members of the whole cluster, then what arrived while it
    /// was joining; on the user's first socket anywhere, this node's other subscribers are sent
    /// `member_added` (the other nodes' by Redis). A socket that left or was revoked meanwhile
    /// is taken back out of Redis.
    fn finish_join(
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
                && let Some(replica) = &state.replica
            {
                replica.presence_left(channel, socket, member);
            }
            return Err(refused);
        }
        let cluster = ClusterJoin {
            snapshot,
            buffered: buffered.unwrap_or_default(),
        };
        state.join(socket, channel, Some(member), Some(cluster));
        state.settle();
        Ok(())
    }

    /// Scaling: the cluster decided a member left `channel` — their last socket anywhere left
    /// here, or this node took out a dead node's entries — so this node's subscribers are told,
    /// and the webhooks (one node decides, so one node tells them).
    pub(crate) fn member_gone(&self, channel: &str, user_id: &Value) {
        let mut state = self.lock();
        state.member_changed(channel, false, user_id, &Value::Null);
        if let Some(lifecycle) = &state.lifecycle {
            lifecycle.member(channel, user_id, false);
        }
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
            if let Some(lifecycle) = &state.lifecycle {
                lifecycle.member(channel, &member.user_id, false);
            }
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
}
