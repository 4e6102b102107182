//! Presence across nodes: who is on a presence channel, counted per user over every node's
//! sockets, in Redis.
//!
//! Keys (prefix `confab:{REVERB_SCALING_CHANNEL}:`):
//!
//! | key | type | holds |
//! |---|---|---|
//! | `presence:{channel}:sockets` | hash | `node|socket` → user key |
//! | `presence:{channel}:users` | hash | user key → sockets of that user on the channel, all nodes |
//! | `presence:{channel}:info` | hash | user key → `{"user_id", "user_info"}` |
//! | `node:{node}:presence` | set | `channel\nsocket`: this node's entries, to take them out |
//! | `node:{node}:alive` | string, 10 s TTL | refreshed every second while the node runs |
//! | `nodes` | set | node ids, for counts and for finding dead nodes |
//!
//! Every change is one Lua script, so two nodes can never both decide that a user arrived or
//! left. `member_added` / `member_removed` are added to the ops stream from inside the script
//! that made the user's count 1 / 0, in Redis's one order with everything else.
//!
//! A node that stops takes its entries out ([`PresenceCmd::Depart`]). A node that dies stops
//! refreshing its `alive` key; within about 13 s another node notices, takes its entries out and
//! announces the users who left with it (both in `gone`; the Lua scripts are in `scripts`). One
//! task per node runs these commands in order, so a socket's leave and its next join can never
//! be reordered.
//!
//! While Redis is away, joins and leaves are decided by the node alone (as a single node would);
//! when it is back the node writes its current entries back (Redis may have restarted empty) and
//! announces the differences to the others. Residual limits: presence changes on other nodes
//! during an outage reach this node's sockets only if the other node still has its old entries in
//! Redis afterwards (not after Redis restarted empty), and after a restart the others may hear a
//! `member_added` for someone they already list (pusher-js keeps one entry per user).

mod gone;
mod scripts;

use std::sync::{Arc, Weak};

use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};

use super::{Link, Replica, stream};
use crate::hub::{Hub, Member, Op, Snapshot};
use gone::{announce, cleanup, reap, tell_gone};

/// Work for the presence task, in order.
pub(crate) enum PresenceCmd {
    Join {
        channel: String,
        socket: String,
        member: Member,
        /// Only these member keys are asked about (a sign-in's watchlist).
        only: Option<Vec<String>>,
        reply: oneshot::Sender<Option<Snapshot>>,
    },
    Leave {
        channel: String,
        socket: String,
        member: Member,
    },
    /// After (re)connecting: write this node's entries back.
    Resync,
    /// Take out nodes whose heartbeat expired.
    Reap,
    /// This node stops.
    Depart { done: oneshot::Sender<()> },
}

struct Scripts {
    join: redis::Script,
    leave: redis::Script,
    cleanup: redis::Script,
    resync: redis::Script,
}

fn info_json(member: &Member) -> String {
    json!({"user_id": member.user_id, "user_info": member.user_info}).to_string()
}

/// `(user_id, user_info)` from what `info` holds.
fn parse_info(info: &str) -> Option<(Value, Value)> {
    let value: Value = serde_json::from_str(info).ok()?;
    let user_id = value.get("user_id")?.clone();
    let user_info = value.get("user_info").cloned().unwrap_or(Value::Null);
    Some((user_id, user_info))
}

impl Link {
    fn presence_keys(&self, channel: &str) -> [String; 4] {
        let base = format!("{}presence:{channel}", self.prefix);
        [
            format!("{base}:sockets"),
            format!("{base}:users"),
            format!("{base}:info"),
            format!("{}node:{}:presence", self.prefix, self.node),
        ]
    }

    fn field(&self, socket: &str) -> String {
        format!("{}|{socket}", self.node)
    }
}

/// The presence task: one command at a time, in order.
pub(crate) async fn run(
    link: Arc<Link>,
    hub: Weak<Hub>,
    mut queue: mpsc::UnboundedReceiver<PresenceCmd>,
) {
    let scripts = Scripts {
        join: redis::Script::new(scripts::JOIN),
        leave: redis::Script::new(scripts::LEAVE),
        cleanup: redis::Script::new(scripts::CLEANUP),
        resync: redis::Script::new(scripts::RESYNC),
    };
    while let Some(command) = queue.recv().await {
        match command {
            PresenceCmd::Join {
                channel,
                socket,
                member,
                only,
                reply,
            } => {
                let snapshot = if link.is_up() {
                    joined(&link, &scripts, (&channel, &socket, &member), only).await
                } else {
                    None
                };
                let _ = reply.send(snapshot);
            }
            PresenceCmd::Leave {
                channel,
                socket,
                member,
            } => {
                let outcome = if link.is_up() {
                    left(&link, &scripts, &channel, &socket, &member).await
                } else {
                    None
                };
                let Some(hub) = hub.upgrade() else { return };
                match outcome {
                    // Redis told the others; this node's sockets hear it here.
                    Some(true) => hub.member_gone(&channel, &member.user_id),
                    Some(false) => {}
                    None => hub.local_member_gone(&channel, &member),
                }
            }
            PresenceCmd::Resync => {
                let Some(strong) = hub.upgrade() else { return };
                let entries = strong.presence_entries();
                drop(strong);
                resync(&link, &scripts, entries).await;
            }
            PresenceCmd::Reap => {
                if link.is_up() {
                    reap(&link, &scripts, &hub).await;
                }
            }
            PresenceCmd::Depart { done } => {
                if link.is_up() {
                    let gone = cleanup(&link, &scripts, &link.node, false).await;
                    // Users whose last socket anywhere was here: this node decided, so it tells.
                    tell_gone(&link, &hub, &gone).await;
                }
                let _ = done.send(());
                return;
            }
        }
    }
}

async fn joined(
    link: &Link,
    scripts: &Scripts,
    (channel, socket, member): (&str, &str, &Member),
    only: Option<Vec<String>>,
) -> Option<Snapshot> {
    let keys = link.presence_keys(channel);
    let added = Op::MemberAdded {
        channel: channel.to_owned(),
        user_id: member.user_id.clone(),
        user_info: member.user_info.clone(),
    };
    let mut args = vec![
        link.field(socket),
        member.key.clone(),
        info_json(member),
        format!("{channel}\n{socket}"),
        link.stream.clone(),
        stream::encode(&added, &link.node, None),
        stream::MAX_LEN.to_string(),
    ];
    if let Some(only) = only {
        args.push("only".to_owned());
        args.extend(only);
    }
    let answer = link
        .commands
        .invoke::<(i64, Vec<String>)>(&scripts.join, &keys, &args)
        .await;
    match answer {
        Ok((first, infos)) => Some(Snapshot {
            first: first == 1,
            members: infos.iter().filter_map(|info| parse_info(info)).collect(),
        }),
        Err(cause) => {
            tracing::debug!(%cause, channel, "presence join decided locally");
            None
        }
    }
}

/// `Some(true)`: that was the user's last socket anywhere; `None`: Redis could not say.
async fn left(
    link: &Link,
    scripts: &Scripts,
    channel: &str,
    socket: &str,
    member: &Member,
) -> Option<bool> {
    let keys = link.presence_keys(channel);
    let removed = Op::MemberRemoved {
        channel: channel.to_owned(),
        user_id: member.user_id.clone(),
    };
    let args = [
        link.field(socket),
        format!("{channel}\n{socket}"),
        link.stream.clone(),
        stream::encode(&removed, &link.node, None),
        stream::MAX_LEN.to_string(),
    ];
    let answer = link
        .commands
        .invoke::<i64>(&scripts.leave, &keys, &args)
        .await;
    match answer {
        Ok(1) => Some(true),
        Ok(0) => Some(false),
        // Not in Redis (joined while it was away, before the resync): decide here.
        Ok(_) => None,
        Err(cause) => {
            tracing::debug!(%cause, channel, "presence leave decided locally");
            None
        }
    }
}

/// Writes this node's presence back into Redis and tells the other nodes what changed.
async fn resync(link: &Link, scripts: &Scripts, entries: Vec<(String, String, Member)>) {
    let mut args = vec![link.prefix.clone(), link.node.clone()];
    for (channel, socket, member) in &entries {
        args.extend([
            channel.clone(),
            socket.clone(),
            member.key.clone(),
            info_json(member),
        ]);
    }
    let answer = link
        .commands
        .invoke::<Vec<String>>(&scripts.resync, &[], &args)
        .await;
    let changes = match answer {
        Ok(changes) => changes,
        Err(cause) => {
            tracing::warn!(%cause, "could not write this node's presence back into Redis");
            return;
        }
    };
    let ops: Vec<Op> = changes
        .chunks_exact(3)
        .filter_map(|change| {
            let (user_id, user_info) = parse_info(&change[2])?;
            let channel = change[1].clone();
            Some(if change[0] == "added" {
                Op::MemberAdded {
                    channel,
                    user_id,
                    user_info,
                }
            } else {
                Op::MemberRemoved { channel, user_id }
            })
        })
        .collect();
    tracing::debug!(
        entries = entries.len(),
        changes = ops.len(),
        "presence written back into Redis"
    );
    announce(link, ops).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_info_round_trips_through_redis_text() {
        let member = Member::new(json!(7), json!({"id": 7, "name": "Jo \"J\""}));
        let (user_id, user_info) = parse_info(&info_json(&member)).unwrap();
        assert_eq!(user_id, json!(7));
        assert_eq!(user_info, json!({"id": 7, "name": "Jo \"J\""}));
        assert_eq!(parse_info("nonsense"), None);
    }
}
