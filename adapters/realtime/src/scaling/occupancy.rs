//! A channel's occupancy across nodes, for the `channel_occupied` / `channel_vacated` webhooks.
//! `…occupied:{channel}` is the set of nodes with a subscriber there and `…occupies:{node}` the
//! channels a node is in. A node's first subscriber of a channel adds the node (the set was empty:
//! occupied), its last takes it out (now empty: vacated) — one Lua script each, so exactly one node
//! sees each change and tells the webhooks. A node that died is taken out by the node that reaps
//! its presence, one that stops takes itself out; either tells the channels it leaves empty.
//!
//! Redis away, nothing is decided: a node alone cannot know whether another still has a
//! subscriber, and deciding alone would tell the same change twice. When Redis is back the node
//! writes its channels back ([`RESYNC`]), which tells exactly the changes the outage hid: a
//! channel this node left that no node holds any more is vacated, one it entered that no node
//! held is occupied — once for the cluster, as the two scripts do. If Redis restarted empty the
//! node's channels are written back silently, save the ones it entered during the outage; a
//! channel emptied during such an outage is not told (Redis forgot who held it).

use std::collections::HashSet;
use std::sync::{Arc, Weak};

use tokio::sync::{mpsc, oneshot};

use super::Link;
use crate::hub::{Hub, LifecycleEvents, Replica};
use crate::protocol;

/// KEYS: the channel's node set, the node's channel set. ARGV: node, channel. Returns 1 when the
/// channel was empty before.
const OCCUPY: &str = r"
local added = redis.call('SADD', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[2])
if added == 1 and redis.call('SCARD', KEYS[1]) == 1 then return 1 end
return 0
";

/// As [`OCCUPY`], the other way: 1 when the channel is empty after.
const VACATE: &str = r"
local removed = redis.call('SREM', KEYS[1], ARGV[1])
redis.call('SREM', KEYS[2], ARGV[2])
if removed == 1 and redis.call('SCARD', KEYS[1]) == 0 then return 1 end
return 0
";

/// Takes a dead node out of every channel it was in. ARGV: prefix, node. Returns the channels
/// left empty.
const REAP: &str = r"
local mine = ARGV[1] .. 'occupies:' .. ARGV[2]
local emptied = {}
for _, channel in ipairs(redis.call('SMEMBERS', mine)) do
  local key = ARGV[1] .. 'occupied:' .. channel
  if redis.call('SREM', key, ARGV[2]) == 1 and redis.call('SCARD', key) == 0 then
    table.insert(emptied, channel)
  end
end
redis.call('DEL', mine)
return emptied
";

/// Replaces a node's channels with the ones given, telling what changed for the cluster.
/// ARGV: prefix, node, the number of channels now, those channels, then the channels the node
/// had written before (written back silently if Redis lost them). Returns `occupied|vacated,
/// channel` pairs.
const RESYNC: &str = r"
local p, node, count = ARGV[1], ARGV[2], tonumber(ARGV[3])
local mine = p .. 'occupies:' .. node
local lost = redis.call('EXISTS', mine) == 0
local now, before = {}, {}
for i = 4, 3 + count do now[ARGV[i]] = true end
for i = 4 + count, #ARGV do before[ARGV[i]] = true end
local out = {}
for _, channel in ipairs(redis.call('SMEMBERS', mine)) do
  if not now[channel] then
    local key = p .. 'occupied:' .. channel
    redis.call('SREM', mine, channel)
    if redis.call('SREM', key, node) == 1 and redis.call('SCARD', key) == 0 then
      table.insert(out, 'vacated'); table.insert(out, channel)
    end
  end
end
for channel in pairs(now) do
  local key = p .. 'occupied:' .. channel
  redis.call('SADD', mine, channel)
  if redis.call('SADD', key, node) == 1 and redis.call('SCARD', key) == 1
      and not (lost and before[channel]) then
    table.insert(out, 'occupied'); table.insert(out, channel)
  end
end
return out
";

/// What the occupancy task is told.
pub(crate) enum Vote {
    /// This node's first subscriber of the channel came (`true`) or its last left.
    Here(String, bool),
    /// A node stopped answering (its presence was just reaped here).
    NodeGone(String),
    /// Redis is back: write this node's channels back and tell what the outage hid.
    Resync,
    /// This node is stopping: it leaves every channel it is still in (after the votes queued
    /// before), then `done` is told.
    Depart(oneshot::Sender<()>),
}

/// Starts the task that turns this node's occupancy changes into the cluster's; returns where
/// to send them.
pub(super) fn start(
    link: Arc<Link>,
    lifecycle: Arc<dyn LifecycleEvents>,
    hub: Weak<Hub>,
) -> mpsc::UnboundedSender<Vote> {
    let (votes, mut incoming) = mpsc::unbounded_channel::<Vote>();
    let again = votes.downgrade();
    tokio::spawn(async move {
        let scripts = [OCCUPY, VACATE, REAP, RESYNC].map(redis::Script::new);
        let [occupy, vacate, reap, resync] = &scripts;
        // The channels this node last wrote into Redis: what it writes back silently into a
        // Redis that restarted empty.
        let mut written: HashSet<String> = HashSet::new();
        while let Some(vote) = incoming.recv().await {
            match vote {
                Vote::Here(channel, occupied) => {
                    // Redis away: the resync tells it when Redis is back.
                    if !link.is_up() {
                        continue;
                    }
                    let keys = [
                        format!("{}occupied:{channel}", link.prefix),
                        format!("{}occupies:{}", link.prefix, link.node),
                    ];
                    let args = [link.node.clone(), channel.clone()];
                    let script = if occupied { occupy } else { vacate };
                    let Ok(changed) = link.commands.invoke::<i64>(script, &keys, &args).await
                    else {
                        resync_soon(&link, &again);
                        continue;
                    };
                    if occupied {
                        written.insert(channel.clone());
                    } else {
                        written.remove(&channel);
                    }
                    if changed == 1 {
                        lifecycle.occupancy(&channel, occupied);
                    }
                }
                Vote::Resync => {
                    let Some(now) = hub.upgrade().map(|hub| occupied_here(&hub)) else {
                        return;
                    };
                    let mut args = vec![link.prefix.clone(), link.node.clone()];
                    args.push(now.len().to_string());
                    args.extend(now.iter().cloned());
                    args.extend(written.iter().cloned());
                    match link
                        .commands
                        .invoke::<Vec<String>>(resync, &[], &args)
                        .await
                    {
                        Ok(changes) => {
                            for change in changes.chunks_exact(2) {
                                lifecycle.occupancy(&change[1], change[0] == "occupied");
                            }
                            written = now.into_iter().collect();
                        }
                        Err(cause) => {
                            tracing::warn!(%cause, "could not write this node's channels back");
                            resync_soon(&link, &again);
                        }
                    }
                }
                Vote::NodeGone(node) => {
                    lifecycle.node_gone(&node);
                    vacate_all(&link, reap, node, &lifecycle).await;
                }
                Vote::Depart(done) => {
                    if link.is_up() {
                        vacate_all(&link, reap, link.node.clone(), &lifecycle).await;
                    }
                    let _ = done.send(());
                    return;
                }
            }
        }
    });
    votes
}

/// A vote failed with Redis still counted as up (a command that timed out): the resync that a
/// reconnection would bring is asked for in a second instead, so the change is not lost.
fn resync_soon(link: &Link, again: &mpsc::WeakUnboundedSender<Vote>) {
    if !link.is_up() {
        return;
    }
    let again = again.clone();
    tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        if let Some(votes) = again.upgrade() {
            let _ = votes.send(Vote::Resync);
        }
    });
}

/// The channels this node has subscribers in (the server's own `#` channels are not told).
fn occupied_here(hub: &Hub) -> Vec<String> {
    let (_, channels) = hub.local_counts();
    channels
        .into_iter()
        .filter(|(name, subscribers)| *subscribers > 0 && !protocol::is_internal_channel(name))
        .map(|(name, _)| name)
        .collect()
}

/// Takes `node` out of every channel it was in, telling those it leaves empty.
async fn vacate_all(
    link: &Link,
    reap: &redis::Script,
    node: String,
    lifecycle: &Arc<dyn LifecycleEvents>,
) {
    let args = [link.prefix.clone(), node];
    let emptied = link.commands.invoke::<Vec<String>>(reap, &[], &args).await;
    for channel in emptied.unwrap_or_default() {
        lifecycle.occupancy(&channel, false);
    }
}
