//! Cross-node delivery through one Redis Stream, `confab:{channel}:ops`.
//!
//! * **Publisher** (one task per node): takes the ops the hub emitted, in order, numbers them
//!   (`seq`, per node) and `XADD`s them in pipelined batches (`MAXLEN ~` [`MAX_LEN`]). Redis away:
//!   it holds the batch and retries, and the hub's bounded queue keeps the rest. It also keeps
//!   the ops of the last [`RETAIN`]: when Redis comes back as a new process (its `run_id`
//!   changed: it restarted, empty), they are added again, so that ops that were in the old
//!   Redis but not yet read by every node are not lost.
//! * **Reader** (one task per node): `XREAD BLOCK` from the last id it read, on its own
//!   connection, so after an outage it reads exactly what it missed, in order. Each node's ops
//!   are applied once: an op whose `seq` is not above the last one seen from its node (a retried
//!   batch, a re-added op) is skipped, and a node skips its own. Presence announcements made by
//!   Lua scripts carry no `seq` and are always applied.
//!
//! While a node may have missed ops (see [`Link::in_doubt`]) every publish to a room is checked
//! against the database before it is delivered ([`RoomGuard`]).

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use redis::AsyncConnectionConfig;
use redis::streams::StreamReadReply;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use super::{BACKOFF_MAX, BACKOFF_START, COMMAND_TIMEOUT, Link, Outgoing};
use crate::hub::{Hub, Op};
use crate::room_guard::RoomGuard;

/// The stream keeps about this many ops; a node that falls further behind loses the oldest.
pub(super) const MAX_LEN: usize = 100_000;
/// How long the publisher keeps what it added, to add it again to a Redis that restarted.
const RETAIN: Duration = Duration::from_secs(10);
/// Ops added per round trip.
const BATCH: usize = 256;
/// How long one `XREAD` waits for news; also how soon a dead link is noticed.
const BLOCK: Duration = Duration::from_millis(1_000);
/// Ops read per `XREAD`.
const READ_COUNT: usize = 512;
/// The field of a stream entry that holds the op.
const FIELD: &str = "o";

#[derive(Serialize)]
struct Stamped<'a> {
    node: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    seq: Option<u64>,
    #[serde(flatten)]
    op: &'a Op,
}

#[derive(Deserialize)]
struct Received {
    node: String,
    #[serde(default)]
    seq: Option<u64>,
    #[serde(flatten)]
    op: Op,
}

/// The text of a stream entry: `{"node":…,"seq":…,"op":"publish",…}`.
pub(super) fn encode(op: &Op, node: &str, seq: Option<u64>) -> String {
    serde_json::to_string(&Stamped { node, seq, op }).expect("an op always serializes")
}

/// What one node has applied of the others' ops: the last `seq` seen from each.
#[derive(Default)]
pub(super) struct Applied {
    last: HashMap<String, (u64, Instant)>,
}

impl Applied {
    /// The op in `text` if this node should apply it: not its own, not seen before. `Err` for
    /// text that is not an op this version understands.
    pub(super) fn admit(&mut self, text: &str, own: &str) -> Result<Option<Op>, serde_json::Error> {
        let received: Received = serde_json::from_str(text)?;
        if received.node == own {
            return Ok(None);
        }
        if let Some(seq) = received.seq {
            let now = Instant::now();
            match self.last.get_mut(&received.node) {
                Some((last, _)) if seq <= *last => return Ok(None),
                Some(entry) => *entry = (seq, now),
                None => {
                    // Nodes come and go (a new id per process): forget the long quiet ones.
                    if self.last.len() >= 64 {
                        self.last.retain(|_, (_, at)| {
                            now.duration_since(*at) < Duration::from_secs(3_600)
                        });
                    }
                    self.last.insert(received.node, (seq, now));
                }
            }
        }
        Ok(Some(received.op))
    }
}

/// What the publisher added lately, for a Redis that lost it: the ops of the last [`RETAIN`]
/// before the latest successful add. Pruned only when adding succeeds, so a long outage does
/// not age out the ops added just before it, which are the ones a reader may not have read.
#[derive(Default)]
struct Retained {
    entries: VecDeque<(Instant, String)>,
}

impl Retained {
    fn keep(&mut self, text: String) {
        let now = Instant::now();
        while self
            .entries
            .front()
            .is_some_and(|(at, _)| now.duration_since(*at) > RETAIN)
            || self.entries.len() >= super::OUTBOX
        {
            self.entries.pop_front();
        }
        self.entries.push_back((now, text));
    }

    fn recent(&self) -> Vec<String> {
        self.entries.iter().map(|(_, text)| text.clone()).collect()
    }
}

/// `XADD`s `texts` in one pipeline.
pub(super) async fn add(link: &Link, texts: &[String]) -> Result<(), String> {
    if texts.is_empty() {
        // Redis refuses an empty pipeline.
        return Ok(());
    }
    let key = &link.stream;
    link.commands
        .run(|mut connection| async move {
            let mut pipe = redis::pipe();
            for text in texts {
                pipe.cmd("XADD")
                    .arg(key)
                    .arg("MAXLEN")
                    .arg("~")
                    .arg(MAX_LEN)
                    .arg("*")
                    .arg(FIELD)
                    .arg(text)
                    .ignore();
            }
            pipe.query_async::<()>(&mut connection).await
        })
        .await
}

/// The `run_id` of the Redis process answering now.
async fn run_id(link: &Link) -> Result<String, String> {
    let info = link
        .commands
        .run(|mut connection| async move {
            redis::cmd("INFO")
                .arg("server")
                .query_async::<String>(&mut connection)
                .await
        })
        .await?;
    info.lines()
        .find_map(|line| line.strip_prefix("run_id:"))
        .map(|id| id.trim().to_owned())
        .ok_or_else(|| "INFO has no run_id".to_owned())
}

/// The publisher's memory of Redis: which process it last added to, and what it added lately.
#[derive(Default)]
struct Continuity {
    retained: Retained,
    redis_run: Option<String>,
    checked_generation: u64,
}

impl Continuity {
    /// Once per reconnection: if the Redis answering is a new process (restarted empty), adds
    /// the retained ops again before anything newer. `Err` when Redis did not answer.
    async fn check(&mut self, link: &Link) -> Result<(), String> {
        let generation = link.generation();
        if generation == self.checked_generation {
            return Ok(());
        }
        let id = run_id(link).await?;
        if self.redis_run.as_ref().is_some_and(|known| *known != id) {
            let again = self.retained.recent();
            tracing::info!(
                node = %link.node,
                ops = again.len(),
                "Redis restarted: adding this node's recent ops again"
            );
            add(link, &again).await?;
        }
        self.redis_run = Some(id);
        self.checked_generation = generation;
        Ok(())
    }
}

/// Adds ops to the stream in order (see the module notes).
pub(super) async fn publisher(link: Arc<Link>, mut queue: mpsc::Receiver<Outgoing>) {
    let mut up = link.up.subscribe();
    let mut seq: u64 = 0;
    let mut continuity = Continuity::default();
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        tokio::select! {
            received = queue.recv_many(&mut batch, BATCH) => {
                if received == 0 {
                    return;
                }
            }
            // Back after an outage with nothing to send: still put back what a restarted
            // Redis lost, at once.
            changed = up.changed() => {
                if changed.is_err() {
                    return;
                }
                if *up.borrow_and_update() {
                    let _ = continuity.check(&link).await;
                }
                continue;
            }
        }
        let texts: Vec<String> = batch
            .iter()
            .map(|outgoing| {
                seq += 1;
                encode(&outgoing.op, &link.node, Some(seq))
            })
            .collect();
        let mut delay = BACKOFF_START;
        loop {
            if up.wait_for(|up| *up).await.is_err() {
                return;
            }
            let added = match continuity.check(&link).await {
                Ok(()) => add(&link, &texts).await,
                Err(cause) => Err(cause),
            };
            match added {
                Ok(()) => break,
                Err(cause) => {
                    tracing::debug!(%cause, "adding ops to the stream failed; retrying");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(1));
                }
            }
        }
        for (outgoing, text) in batch.drain(..).zip(texts) {
            continuity.retained.keep(text);
            if let Some(confirm) = outgoing.confirm {
                let _ = confirm.send(());
            }
        }
    }
}

/// Reads the other nodes' ops from where it left off, and applies them; reconnects with
/// back-off.
pub(super) async fn reader(
    link: Arc<Link>,
    client: redis::Client,
    hub: Weak<Hub>,
    guard: Arc<RoomGuard>,
) {
    let mut backoff = BACKOFF_START;
    let mut applied = Applied::default();
    // Unknown until the first connection: then the stream's end (earlier entries are history).
    let mut last_id: Option<String> = None;
    loop {
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(COMMAND_TIMEOUT))
            .set_response_timeout(Some(BLOCK + COMMAND_TIMEOUT));
        let cause = match client
            .get_multiplexed_async_connection_with_config(&config)
            .await
        {
            Ok(mut connection) => {
                let start = match &last_id {
                    Some(id) => Ok(id.clone()),
                    None => stream_end(&mut connection, &link.stream).await,
                };
                match start {
                    Ok(id) => {
                        last_id = Some(id);
                        backoff = BACKOFF_START;
                        link.set_up(true, None);
                        read(
                            &link,
                            &mut connection,
                            &hub,
                            &guard,
                            &mut applied,
                            &mut last_id,
                        )
                        .await
                    }
                    Err(error) => error.to_string(),
                }
            }
            Err(error) => error.to_string(),
        };
        link.set_up(false, Some(&cause));
        if hub.strong_count() == 0 {
            return;
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
}

/// The id of the stream's newest entry (`0-0` when there is none).
async fn stream_end(
    connection: &mut redis::aio::MultiplexedConnection,
    key: &str,
) -> redis::RedisResult<String> {
    let newest: Vec<(String, HashMap<String, String>)> = redis::cmd("XREVRANGE")
        .arg(key)
        .arg("+")
        .arg("-")
        .arg("COUNT")
        .arg(1)
        .query_async(connection)
        .await?;
    Ok(newest
        .into_iter()
        .next()
        .map_or_else(|| "0-0".to_owned(), |(id, _)| id))
}

/// Reads and applies until the connection fails; returns why.
async fn read(
    link: &Link,
    connection: &mut redis::aio::MultiplexedConnection,
    hub: &Weak<Hub>,
    guard: &RoomGuard,
    applied: &mut Applied,
    last_id: &mut Option<String>,
) -> String {
    // Sockets that stopped reading: not waited for again (see `Hub::make_room`).
    let mut stalled = HashSet::new();
    let stalled = &mut stalled;
    loop {
        let from = last_id.clone().unwrap_or_else(|| "0-0".to_owned());
        let reply: redis::RedisResult<Option<StreamReadReply>> = redis::cmd("XREAD")
            .arg("COUNT")
            .arg(READ_COUNT)
            .arg("BLOCK")
            .arg(u64::try_from(BLOCK.as_millis()).unwrap_or(1_000))
            .arg("STREAMS")
            .arg(&link.stream)
            .arg(&from)
            .query_async(connection)
            .await;
        let reply = match reply {
            Ok(reply) => reply,
            Err(error) => return error.to_string(),
        };
        let Some(hub) = hub.upgrade() else {
            return "shutting down".to_owned();
        };
        for entry in reply.into_iter().flat_map(|r| r.keys).flat_map(|k| k.ids) {
            *last_id = Some(entry.id.clone());
            let Some(text) = entry.get::<String>(FIELD) else {
                continue;
            };
            let op = match applied.admit(&text, &link.node) {
                Ok(Some(op)) => op,
                Ok(None) => continue,
                Err(error) => {
                    tracing::debug!(%error, "ignoring an entry of the ops stream");
                    continue;
                }
            };
            tracing::trace!(?op, "applying another node's op");
            if let Some(channel) = op.published_channel() {
                guard.confirm(&hub, [channel]).await;
                // Reading waits for a channel that is behind, so a flood from another node (or
                // the backlog of an outage) is taken at the sockets' pace and waits in the
                // stream, not in their queues.
                let backlog = hub.apply(&op).backlog;
                if backlog.pressing() {
                    hub.relieve(channel).await;
                }
                if backlog.behind > 0 {
                    hub.make_room(channel, stalled).await;
                }
            } else {
                hub.apply(&op);
            }
        }
    }
}

#[cfg(test)]
mod tests;
