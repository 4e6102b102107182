//! Counts for the Pusher HTTP API across nodes: every second each node writes its connections
//! and subscriptions per channel to `…stats:{node}` (3 s TTL) and refreshes its heartbeat
//! `…node:{node}:alive` (10 s TTL); a node answers with its own live numbers plus the others'
//! (so those are at most about a second old). `user_count` and the user list come from the
//! presence hashes, always current.

use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::Duration;

use super::{Link, PresenceCmd, Replica};
use crate::hub::{ChannelInfo, Hub};
use crate::protocol::ChannelKind;

/// How often a node refreshes its counts and heartbeat, and how long they outlive it.
const STATS_EVERY: Duration = Duration::from_secs(1);
const STATS_TTL_MS: u64 = 3_000;
const ALIVE_TTL_MS: u64 = 10_000;

/// Every second: this node's counts and heartbeat into Redis; every few seconds: take out nodes
/// whose heartbeat expired (they died without leaving).
pub(super) async fn housekeeping(link: Arc<Link>, hub: Weak<Hub>) {
    let mut tick = tokio::time::interval(STATS_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut ticks: u64 = 0;
    loop {
        tick.tick().await;
        ticks += 1;
        if !link.is_up() {
            continue;
        }
        let Some(strong) = hub.upgrade() else { return };
        let (connections, channels) = strong.local_counts();
        drop(strong);
        let stats_key = &format!("{}stats:{}", link.prefix, link.node);
        let alive_key = &format!("{}node:{}:alive", link.prefix, link.node);
        let nodes_key = &format!("{}nodes", link.prefix);
        let node = &link.node;
        let channels = &channels;
        let written = link
            .commands
            .run(|mut connection| async move {
                let mut pipe = redis::pipe();
                pipe.atomic()
                    .cmd("DEL")
                    .arg(stats_key)
                    .ignore()
                    .cmd("HSET")
                    .arg(stats_key)
                    .arg("connections")
                    .arg(connections)
                    .ignore();
                for (channel, subscribers) in channels {
                    pipe.cmd("HSET")
                        .arg(stats_key)
                        .arg(format!("c:{channel}"))
                        .arg(subscribers)
                        .ignore();
                }
                pipe.cmd("PEXPIRE")
                    .arg(stats_key)
                    .arg(STATS_TTL_MS)
                    .ignore()
                    .cmd("SET")
                    .arg(alive_key)
                    .arg(1)
                    .arg("PX")
                    .arg(ALIVE_TTL_MS)
                    .ignore()
                    .cmd("SADD")
                    .arg(nodes_key)
                    .arg(node)
                    .ignore();
                pipe.query_async::<()>(&mut connection).await
            })
            .await;
        if let Err(cause) = written {
            tracing::debug!(%cause, "could not write this node's counts");
        }
        if ticks.is_multiple_of(3) {
            let _ = link.presence.send(PresenceCmd::Reap);
        }
    }
}

impl Link {
    /// The other nodes' `stats` hashes (fields → values), or `None` when Redis is away.
    async fn other_stats(&self, fields: &[String]) -> Option<Vec<HashMap<String, i64>>> {
        if !self.is_up() {
            return None;
        }
        let prefix = &self.prefix;
        let node = &self.node;
        self.commands
            .run(|mut connection| async move {
                let nodes: Vec<String> = redis::cmd("SMEMBERS")
                    .arg(format!("{prefix}nodes"))
                    .query_async(&mut connection)
                    .await?;
                let others: Vec<String> = nodes.into_iter().filter(|n| n != node).collect();
                let mut pipe = redis::pipe();
                for other in &others {
                    let key = format!("{prefix}stats:{other}");
                    if fields.is_empty() {
                        pipe.cmd("HGETALL").arg(key);
                    } else {
                        pipe.cmd("HMGET").arg(key).arg(fields);
                    }
                }
                if others.is_empty() {
                    return Ok(Vec::new());
                }
                if fields.is_empty() {
                    pipe.query_async::<Vec<HashMap<String, i64>>>(&mut connection)
                        .await
                } else {
                    let rows: Vec<Vec<Option<i64>>> = pipe.query_async(&mut connection).await?;
                    Ok(rows
                        .into_iter()
                        .map(|row| {
                            fields
                                .iter()
                                .cloned()
                                .zip(row)
                                .filter_map(|(field, value)| value.map(|v| (field, v)))
                                .collect()
                        })
                        .collect())
                }
            })
            .await
            .ok()
    }

    async fn presence_hash(&self, channel: &str, suffix: &str) -> Option<redis::Value> {
        if !self.is_up() {
            return None;
        }
        let key = &format!("{}presence:{channel}:{suffix}", self.prefix);
        let command = if suffix == "users" { "HLEN" } else { "HVALS" };
        self.commands
            .run(|mut connection| async move {
                redis::cmd(command)
                    .arg(key)
                    .query_async::<redis::Value>(&mut connection)
                    .await
            })
            .await
            .ok()
    }
}

/// The whole cluster's figures for the Pusher HTTP API: this node's hub, and the others' through
/// Redis (`None` on a single node).
#[derive(Clone)]
pub(crate) struct Nodes {
    pub(crate) hub: Arc<Hub>,
    pub(crate) link: Option<Arc<Link>>,
}

impl Nodes {
    /// Connections on every node (this one's live, the others' as of their last second).
    pub(crate) async fn connection_count(&self) -> usize {
        let hub = &self.hub;
        let local = hub.connection_count();
        let Some(link) = &self.link else {
            return local;
        };
        match link.other_stats(&["connections".to_owned()]).await {
            Some(others) => {
                local
                    + others
                        .iter()
                        .filter_map(|stats| stats.get("connections"))
                        .map(|n| usize::try_from(*n).unwrap_or_default())
                        .sum::<usize>()
            }
            None => local,
        }
    }

    /// One channel as the whole cluster sees it.
    pub(crate) async fn channel(&self, name: &str) -> ChannelInfo {
        let mut info = self.hub.channel(name);
        let Some(link) = &self.link else {
            return info;
        };
        if let Some(others) = link.other_stats(&[format!("c:{name}")]).await {
            info.subscription_count += others
                .iter()
                .flat_map(|stats| stats.values())
                .map(|n| usize::try_from(*n).unwrap_or_default())
                .sum::<usize>();
        }
        if ChannelKind::of(name) == ChannelKind::Presence
            && let Some(redis::Value::Int(users)) = link.presence_hash(name, "users").await
        {
            info.user_count = Some(usize::try_from(users).unwrap_or_default());
        }
        info
    }

    /// Occupied channels across the cluster, optionally only those starting with `prefix`.
    pub(crate) async fn channels(&self, prefix: Option<&str>) -> Vec<ChannelInfo> {
        let hub = &self.hub;
        let local = hub.channels(prefix);
        let Some(link) = &self.link else {
            return local;
        };
        let Some(others) = link.other_stats(&[]).await else {
            return local;
        };
        let mut names: std::collections::BTreeSet<String> =
            local.iter().map(|c| c.name.clone()).collect();
        for stats in &others {
            for (field, count) in stats {
                if let Some(name) = field.strip_prefix("c:")
                    && *count > 0
                    && prefix.is_none_or(|p| name.starts_with(p))
                {
                    names.insert(name.to_owned());
                }
            }
        }
        let mut found = Vec::with_capacity(names.len());
        for name in names {
            let mut info = local
                .iter()
                .find(|c| c.name == name)
                .cloned()
                .unwrap_or_else(|| hub.channel(&name));
            info.subscription_count += others
                .iter()
                .filter_map(|stats| stats.get(&format!("c:{name}")))
                .map(|n| usize::try_from(*n).unwrap_or_default())
                .sum::<usize>();
            if ChannelKind::of(&name) == ChannelKind::Presence
                && let Some(redis::Value::Int(users)) = link.presence_hash(&name, "users").await
            {
                info.user_count = Some(usize::try_from(users).unwrap_or_default());
            }
            found.push(info);
        }
        found
    }

    /// The `user_id`s present on a presence channel, anywhere.
    pub(crate) async fn channel_users(&self, name: &str) -> Vec<serde_json::Value> {
        let local = self.hub.channel_users(name);
        let Some(link) = &self.link else {
            return local;
        };
        match link.presence_hash(name, "info").await {
            Some(redis::Value::Array(values)) => values
                .iter()
                .filter_map(|value| match value {
                    redis::Value::BulkString(bytes) => {
                        serde_json::from_slice::<serde_json::Value>(bytes).ok()
                    }
                    _ => None,
                })
                .filter_map(|info| info.get("user_id").cloned())
                .collect(),
            _ => local,
        }
    }
}
