//! Presence entries that leave Redis with their node: a node that stops takes its own out, and a
//! node whose heartbeat expired is reaped by another; either way the users who left with it are
//! told to this node's sockets at once and to the others through the ops stream.

use std::sync::Weak;

use super::{Link, Scripts, parse_info};
use crate::hub::{Hub, Op};
use crate::scaling::occupancy::Vote;
use crate::scaling::stream;

/// Tells the users gone with a node's entries: this node's sockets directly, the other nodes
/// through the stream.
pub(super) async fn tell_gone(link: &Link, hub: &Weak<Hub>, gone: &[(String, String)]) {
    if let Some(hub) = hub.upgrade() {
        for (channel, info) in gone {
            if let Some((user_id, _)) = parse_info(info) {
                hub.member_gone(channel, &user_id);
            }
        }
    }
    announce_removed(link, gone).await;
}

/// Takes `node`'s entries out; the `(channel, info)` of users gone with them.
pub(super) async fn cleanup(
    link: &Link,
    scripts: &Scripts,
    node: &str,
    only_if_dead: bool,
) -> Vec<(String, String)> {
    let args = [
        link.prefix.clone(),
        node.to_owned(),
        if only_if_dead { "1" } else { "0" }.to_owned(),
        "1".to_owned(),
    ];
    let answer = link
        .commands
        .invoke::<Vec<String>>(&scripts.cleanup, &[], &args)
        .await;
    match answer {
        Ok(flat) => flat
            .chunks_exact(2)
            .map(|pair| (pair[0].clone(), pair[1].clone()))
            .collect(),
        Err(cause) => {
            tracing::debug!(%cause, node, "could not take a node's presence out");
            Vec::new()
        }
    }
}

/// Adds `member_removed` for each `(channel, info)` to the stream straight away (not through the queue:
/// this runs when the node stops, too).
async fn announce_removed(link: &Link, gone: &[(String, String)]) {
    announce(
        link,
        gone.iter()
            .filter_map(|(channel, info)| {
                let (user_id, _) = parse_info(info)?;
                Some(Op::MemberRemoved {
                    channel: channel.clone(),
                    user_id,
                })
            })
            .collect(),
    )
    .await;
}

pub(super) async fn announce(link: &Link, ops: Vec<Op>) {
    if ops.is_empty() {
        return;
    }
    let entries: Vec<String> = ops
        .iter()
        .map(|op| stream::encode(op, &link.node, None))
        .collect();
    let sent = stream::add(link, &entries).await;
    if let Err(cause) = sent {
        tracing::debug!(%cause, "could not announce presence changes");
    }
}

/// Finds nodes whose heartbeat expired, takes their entries out, and tells everyone (this node's
/// sockets directly) which users left with them.
pub(super) async fn reap(link: &Link, scripts: &Scripts, hub: &Weak<Hub>) {
    let prefix = &link.prefix;
    let nodes = link
        .commands
        .run(|mut connection| async move {
            redis::cmd("SMEMBERS")
                .arg(format!("{prefix}nodes"))
                .query_async::<Vec<String>>(&mut connection)
                .await
        })
        .await
        .unwrap_or_default();
    for node in nodes.iter().filter(|node| **node != link.node) {
        let alive_key = &format!("{}node:{node}:alive", link.prefix);
        let alive = link
            .commands
            .run(|mut connection| async move {
                redis::cmd("EXISTS")
                    .arg(alive_key)
                    .query_async::<i64>(&mut connection)
                    .await
            })
            .await;
        if !matches!(alive, Ok(0)) {
            continue;
        }
        let gone = cleanup(link, scripts, node, true).await;
        if let Some(occupancy) = link.occupancy.get() {
            let _ = occupancy.send(Vote::NodeGone(node.clone()));
        }
        tracing::warn!(
            node,
            members_gone = gone.len(),
            "a node stopped answering; took its presence out"
        );
        tell_gone(link, hub, &gone).await;
    }
}
