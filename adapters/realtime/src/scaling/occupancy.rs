//! A channel's occupancy across nodes, for the `channel_occupied` / `channel_vacated` webhooks.
//! `…occupied:{channel}` is the set of nodes with a subscriber there and `…occupies:{node}` the
//! channels a node is in. A node's first subscriber of a channel adds the node (the set was empty:
//! occupied), its last takes it out (now empty: vacated) — one Lua script each, so exactly one node
//! sees each change and tells the webhooks. A node that died is taken out by the node that reaps
//! its presence, one that stops takes itself out; either tells the channels it leaves empty.
//! Redis away: the node decides alone.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use super::Link;
use crate::hub::LifecycleEvents;
use crate::hub::Replica;

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

/// What the occupancy task is told.
pub(crate) enum Vote {
    /// This node's first subscriber of the channel came (`true`) or its last left.
    Here(String, bool),
    /// A node stopped answering (its presence was just reaped here).
    NodeGone(String),
    /// This node is stopping: it leaves every channel it is still in (after the votes queued
    /// before), then `done` is told.
    Depart(oneshot::Sender<()>),
}

/// Starts the task that turns this node's occupancy changes into the cluster's; returns where
/// to send them.
pub(super) fn start(
    link: Arc<Link>,
    lifecycle: Arc<dyn LifecycleEvents>,
) -> mpsc::UnboundedSender<Vote> {
    let (votes, mut incoming) = mpsc::unbounded_channel::<Vote>();
    tokio::spawn(async move {
        let scripts = [OCCUPY, VACATE, REAP].map(redis::Script::new);
        let [occupy, vacate, reap] = &scripts;
        while let Some(vote) = incoming.recv().await {
            match vote {
                Vote::Here(channel, occupied) => {
                    let keys = [
                        format!("{}occupied:{channel}", link.prefix),
                        format!("{}occupies:{}", link.prefix, link.node),
                    ];
                    let args = [link.node.clone(), channel.clone()];
                    let script = if occupied { occupy } else { vacate };
                    let changed = if link.is_up() {
                        link.commands.invoke::<i64>(script, &keys, &args).await
                    } else {
                        Err("Redis unavailable".into())
                    };
                    // Redis away: decided here, as a single node would.
                    if changed.is_err() || changed == Ok(1) {
                        lifecycle.occupancy(&channel, occupied);
                    }
                }
                Vote::NodeGone(node) => vacate_all(&link, reap, node, &lifecycle).await,
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
