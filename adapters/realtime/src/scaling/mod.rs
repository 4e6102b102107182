//! Scale-out: several Confab nodes behind one load balancer, sharing one Redis (Laravel Reverb's
//! scaling model, without its weak spots).
//!
//! * **Delivery.** Every hub operation that concerns sockets on other nodes — a publish to a
//!   channel (domain broadcasts, the Pusher HTTP API, whispers, envelope pings), a publish to a
//!   user, a revocation, a grant, `terminate_connections` — is applied to this node's sockets at
//!   once and handed, as an [`Op`], to a publisher task that `PUBLISH`es it on the
//!   `REVERB_SCALING_CHANNEL` channel. Every node subscribes to that channel and applies what the
//!   *other* nodes sent to its own sockets (a message stamped with its own node id is skipped),
//!   so each socket gets each event once. One publisher task per node keeps that node's order.
//! * **Presence** lives in Redis, per channel: `…presence:{channel}:sockets` (`node|socket` →
//!   user key), `…:users` (user key → sockets anywhere) and `…:info` (user key → `{user_id,
//!   user_info}`), changed by Lua scripts atomically. A join that makes a user's count 1 publishes
//!   `member_added` from inside the script; a leave that makes it 0 publishes `member_removed`;
//!   the joining socket gets the whole cluster's members in `subscription_succeeded`. Each node
//!   also keeps `…node:{node}:presence` (its entries) so they can be taken out when it stops, or
//!   when it dies: a node refreshes `…node:{node}:alive` (10 s TTL) every second, and the other
//!   nodes remove a node whose key expired and announce its members' departures
//!   (see [`presence`]).
//! * **Counts** for the HTTP API: each node writes `…stats:{node}` (connections, subscriptions
//!   per channel) every second with a 3 s TTL; a node answers with its own live numbers plus the
//!   others' (so they are at most about a second old). `user_count` and the user list come from
//!   the presence hashes, always current.
//! * **Redis away.** Local delivery never waits on Redis: the hub only `try_send`s to the
//!   publisher's bounded queue ([`OUTBOX`] ops). While Redis is away the publisher holds the
//!   oldest op and retries; once the queue is full, newer ops are dropped and counted (logged
//!   once per outage, with the count at recovery) — cross-node events of an outage longer than the
//!   queue are lost, local ones never are. The subscriber reconnects with back-off (100 ms
//!   doubling to 5 s), the outage and the recovery are logged once each, `/health` says
//!   `degraded`, and on reconnection the node writes its presence share back (Redis may have
//!   restarted empty) and announces the differences. Meanwhile presence is decided per node.

mod ops;
mod presence;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use futures_util::StreamExt;
use redis::AsyncConnectionConfig;
use redis::aio::MultiplexedConnection;
use tokio::sync::{Mutex, mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use confab_domain::UserId;

use crate::hub::{ChannelInfo, Hub, Kill};
use crate::protocol::{ChannelKind, codes};

pub(crate) use ops::Op;
pub(crate) use presence::{PresenceCmd, Snapshot, join as presence_join};

/// Ops waiting for the publisher; beyond this, while Redis is away, new ones are dropped.
pub(crate) const OUTBOX: usize = 10_000;
/// How long one Redis command may take before it counts as failed.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(1);
/// Reconnection back-off of the subscriber.
const BACKOFF_START: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(5);
/// How often the subscriber checks a quiet connection is still alive.
const KEEPALIVE: Duration = Duration::from_secs(3);
/// How often a node refreshes its counts and heartbeat, and how long they outlive it.
const STATS_EVERY: Duration = Duration::from_secs(1);
const STATS_TTL_MS: u64 = 3_000;
const ALIVE_TTL_MS: u64 = 10_000;

/// What `REDIS_URL`, `REVERB_SCALING_CHANNEL` say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScalingConfig {
    /// `redis://host:port[/db]`.
    pub redis_url: String,
    /// The pub/sub channel the nodes share; also the namespace of their keys
    /// (`confab:{channel}:…`), so two clusters can share one Redis.
    pub channel: String,
}

impl ScalingConfig {
    pub fn new(redis_url: impl Into<String>, channel: impl Into<String>) -> Self {
        Self {
            redis_url: redis_url.into(),
            channel: channel.into(),
        }
    }

    fn key_prefix(&self) -> String {
        format!("confab:{}:", self.channel)
    }
}

/// An op for the publisher, with someone waiting to hear it reached Redis (or not).
pub(crate) struct Outgoing {
    op: Op,
    confirm: Option<oneshot::Sender<()>>,
}

/// The hub's side of the cluster: hand ops to the publisher, and know whether Redis is there.
pub(crate) struct Link {
    pub(crate) node: String,
    pub(crate) channel: String,
    pub(crate) prefix: String,
    outbox: mpsc::Sender<Outgoing>,
    up: watch::Sender<bool>,
    /// Ops dropped because the queue was full (Redis away too long).
    dropped: AtomicU64,
    /// Whether the current outage's drops were already logged.
    drop_logged: AtomicBool,
    /// Whether the link's state was ever logged (so a first failure is logged too).
    announced: AtomicBool,
    commands: Commands,
}

impl Link {
    pub(crate) fn is_up(&self) -> bool {
        *self.up.borrow()
    }

    /// Hands `op` to the publisher without waiting. See the module notes for a full queue.
    pub(crate) fn emit(&self, op: Op) {
        self.enqueue(Outgoing { op, confirm: None });
    }

    /// Like [`emit`](Self::emit); the receiver answers once the op is in Redis (never, if it is
    /// dropped: wait with a timeout).
    pub(crate) fn emit_confirmed(&self, op: Op) -> Option<oneshot::Receiver<()>> {
        let (tx, rx) = oneshot::channel();
        self.enqueue(Outgoing {
            op,
            confirm: Some(tx),
        });
        Some(rx)
    }

    fn enqueue(&self, outgoing: Outgoing) {
        match self.outbox.try_send(outgoing) {
            Ok(()) => {}
            // Local delivery is never held up for other nodes: the op is dropped and counted.
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
                if !self.drop_logged.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        queue = OUTBOX,
                        "cross-node queue full while Redis is unavailable: dropping events for other nodes (this node's sockets still get them)"
                    );
                }
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }

    /// Records the link's state; logs only changes (and the first state, whatever it is).
    fn set_up(&self, up: bool, cause: Option<&str>) {
        let was = self.up.send_replace(up);
        let first = !self.announced.swap(true, Ordering::Relaxed);
        if up && !was {
            let dropped = self.dropped.swap(0, Ordering::Relaxed);
            self.drop_logged.store(false, Ordering::Relaxed);
            tracing::info!(
                node = %self.node,
                dropped,
                "Redis connected: cross-node delivery on"
            );
        } else if !up && (was || first) {
            tracing::warn!(
                node = %self.node,
                cause = cause.unwrap_or("connection closed"),
                "Redis unavailable: serving this node's sockets only, reconnecting"
            );
        }
    }
}

/// The command connection (publishes, scripts, counts), shared by the tasks: made on first use,
/// dropped on an error so the next use reconnects.
struct Commands {
    client: redis::Client,
    connection: Mutex<Option<MultiplexedConnection>>,
}

impl Commands {
    async fn get(&self) -> redis::RedisResult<MultiplexedConnection> {
        let mut slot = self.connection.lock().await;
        if let Some(connection) = slot.as_ref() {
            return Ok(connection.clone());
        }
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(COMMAND_TIMEOUT))
            .set_response_timeout(Some(COMMAND_TIMEOUT));
        let connection = self
            .client
            .get_multiplexed_async_connection_with_config(&config)
            .await?;
        *slot = Some(connection.clone());
        Ok(connection)
    }

    async fn reset(&self) {
        *self.connection.lock().await = None;
    }

    /// Runs `call` on the connection; an error drops the connection, and a call that failed on
    /// a connection made earlier (perhaps to a Redis since restarted) is tried once more on a new
    /// one.
    async fn run<T, F, Fut>(&self, call: F) -> Result<T, String>
    where
        F: Fn(MultiplexedConnection) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        let mut cause = String::new();
        for _ in 0..2 {
            let reused = self.connection.lock().await.is_some();
            let attempt = async {
                let connection = self.get().await?;
                call(connection).await
            };
            cause = match tokio::time::timeout(COMMAND_TIMEOUT * 2, attempt).await {
                Ok(Ok(value)) => return Ok(value),
                Ok(Err(error)) => error.to_string(),
                Err(_) => "no answer in time".to_owned(),
            };
            self.reset().await;
            if !reused {
                break;
            }
        }
        Err(cause)
    }
}

/// The running cluster membership of one node: its link and its background tasks.
pub(crate) struct Cluster {
    pub(crate) link: Arc<Link>,
    presence: mpsc::UnboundedSender<PresenceCmd>,
    tasks: Vec<JoinHandle<()>>,
}

impl Cluster {
    /// Attaches `hub` to the cluster and starts the publisher, subscriber, presence and counts
    /// tasks. Nothing is awaited: with Redis away the node starts and serves its own sockets.
    ///
    /// # Errors
    /// An unparsable `redis_url`.
    pub(crate) fn start(hub: &Arc<Hub>, config: &ScalingConfig) -> redis::RedisResult<Self> {
        let client = redis::Client::open(config.redis_url.as_str())?;
        let (outbox, queue) = mpsc::channel(OUTBOX);
        let (presence, presence_queue) = mpsc::unbounded_channel();
        let link = Arc::new(Link {
            node: new_node_id(),
            channel: config.channel.clone(),
            prefix: config.key_prefix(),
            outbox,
            up: watch::Sender::new(false),
            dropped: AtomicU64::new(0),
            drop_logged: AtomicBool::new(false),
            announced: AtomicBool::new(false),
            commands: Commands {
                client: client.clone(),
                connection: Mutex::new(None),
            },
        });
        hub.attach(link.clone(), presence.clone());
        let weak = Arc::downgrade(hub);
        let tasks = vec![
            tokio::spawn(publisher(link.clone(), queue)),
            tokio::spawn(subscriber(
                link.clone(),
                client,
                weak.clone(),
                presence.clone(),
            )),
            tokio::spawn(presence::run(link.clone(), weak.clone(), presence_queue)),
            tokio::spawn(housekeeping(link.clone(), weak, presence.clone())),
        ];
        tracing::info!(node = %link.node, channel = %config.channel, "scaling through Redis on");
        Ok(Self {
            link,
            presence,
            tasks,
        })
    }

    /// Takes this node out of the cluster: its presence entries leave Redis (the others are told
    /// `member_removed` where that was a user's last socket), its counts go, the tasks stop.
    pub(crate) async fn stop(&self) {
        let (done, finished) = oneshot::channel();
        if self.presence.send(PresenceCmd::Depart { done }).is_ok() {
            let _ = tokio::time::timeout(Duration::from_secs(2), finished).await;
        }
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// A link to no Redis at all, for tests: the ops the hub emits wait in the returned queue.
#[cfg(test)]
pub(crate) fn test_link() -> (Arc<Link>, mpsc::Receiver<Outgoing>) {
    let (outbox, queue) = mpsc::channel(OUTBOX);
    let link = Arc::new(Link {
        node: new_node_id(),
        channel: "test".into(),
        prefix: "confab:test:".into(),
        outbox,
        up: watch::Sender::new(false),
        dropped: AtomicU64::new(0),
        drop_logged: AtomicBool::new(false),
        announced: AtomicBool::new(false),
        commands: Commands {
            client: redis::Client::open("redis://127.0.0.1:1").expect("a valid URL"),
            connection: Mutex::new(None),
        },
    });
    (link, queue)
}

#[cfg(test)]
impl Outgoing {
    pub(crate) fn op(&self) -> &Op {
        &self.op
    }
}

fn new_node_id() -> String {
    format!("{:016x}", rand::random::<u64>())
}

/// Publishes ops in order. While Redis is away it holds the oldest and waits for the link (the
/// queue behind it fills, and the hub drops what does not fit).
async fn publisher(link: Arc<Link>, mut queue: mpsc::Receiver<Outgoing>) {
    let mut up = link.up.subscribe();
    while let Some(outgoing) = queue.recv().await {
        let message = outgoing.op.encode(&link.node);
        let mut delay = BACKOFF_START;
        loop {
            if up.wait_for(|up| *up).await.is_err() {
                return;
            }
            let published = link
                .commands
                .run(|mut connection| {
                    let message = message.clone();
                    let channel = link.channel.clone();
                    async move {
                        redis::cmd("PUBLISH")
                            .arg(channel)
                            .arg(message)
                            .query_async::<i64>(&mut connection)
                            .await
                    }
                })
                .await;
            match published {
                Ok(_) => break,
                Err(cause) => {
                    tracing::debug!(%cause, "publish failed; retrying");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(1));
                }
            }
        }
        if let Some(confirm) = outgoing.confirm {
            let _ = confirm.send(());
        }
    }
}

/// Subscribes to the scaling channel and applies the other nodes' ops; reconnects with back-off.
async fn subscriber(
    link: Arc<Link>,
    client: redis::Client,
    hub: Weak<Hub>,
    presence: mpsc::UnboundedSender<PresenceCmd>,
) {
    let mut backoff = BACKOFF_START;
    loop {
        let connect = async {
            let mut pubsub = client.get_async_pubsub().await?;
            pubsub.subscribe(&link.channel).await?;
            Ok::<_, redis::RedisError>(pubsub)
        };
        let cause = match tokio::time::timeout(COMMAND_TIMEOUT * 2, connect).await {
            Ok(Ok(pubsub)) => {
                backoff = BACKOFF_START;
                link.set_up(true, None);
                // Redis may have restarted empty, or missed leaves: write this node's share of
                // presence back before anything else of the presence task's.
                let _ = presence.send(PresenceCmd::Resync);
                let (mut sink, mut stream) = pubsub.split();
                loop {
                    tokio::select! {
                        message = stream.next() => {
                            let Some(message) = message else {
                                break "connection closed".to_owned();
                            };
                            let Some(hub) = hub.upgrade() else { return };
                            apply(&hub, &link, message.get_payload_bytes());
                        }
                        () = tokio::time::sleep(KEEPALIVE) => {
                            let ping = tokio::time::timeout(COMMAND_TIMEOUT, sink.ping::<redis::Value>()).await;
                            if !matches!(ping, Ok(Ok(_))) {
                                break "keep-alive ping unanswered".to_owned();
                            }
                        }
                    }
                }
            }
            Ok(Err(error)) => error.to_string(),
            Err(_) => "no answer in time".to_owned(),
        };
        link.set_up(false, Some(&cause));
        if hub.strong_count() == 0 {
            return;
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
}

/// Applies another node's op to this node's sockets.
fn apply(hub: &Hub, link: &Link, payload: &[u8]) {
    let Ok(text) = std::str::from_utf8(payload) else {
        return;
    };
    let op = match Op::decode(text, &link.node) {
        Ok(Some(op)) => op,
        Ok(None) => return,
        Err(error) => {
            tracing::debug!(%error, "ignoring a message on the scaling channel");
            return;
        }
    };
    tracing::trace!(?op, "applying another node's op");
    match op {
        Op::Publish {
            channel,
            pusher,
            envelope,
            except,
        } => hub.publish_local(&channel, ops::outbound(pusher, envelope), except.as_deref()),
        Op::ToUser {
            user,
            pusher,
            envelope,
            except,
        } => hub.publish_to_user_local(
            UserId(user),
            &ops::outbound(pusher, envelope),
            except.as_deref(),
        ),
        Op::Revoke { user, channels } => hub.revoke_local(UserId(user), &channels),
        Op::Grant {
            socket,
            user,
            channel,
        } => hub.grant_from_cluster(&socket, UserId(user), &channel),
        Op::Withdraw { socket, channel } => hub.withdraw_local(&socket, &channel),
        Op::Terminate { user } => {
            let kill = Kill::with_error(
                codes::UNAUTHORIZED,
                "Connection terminated by the application",
            );
            hub.terminate_user_local(&user, &kill);
        }
        Op::MemberAdded {
            channel,
            user_id,
            user_info,
        } => hub.member_changed(&channel, true, &user_id, &user_info),
        Op::MemberRemoved { channel, user_id } => {
            hub.member_changed(&channel, false, &user_id, &serde_json::Value::Null);
        }
    }
}

/// Every second: this node's counts and heartbeat into Redis; every few seconds: take out nodes
/// whose heartbeat expired (they died without leaving).
async fn housekeeping(
    link: Arc<Link>,
    hub: Weak<Hub>,
    presence: mpsc::UnboundedSender<PresenceCmd>,
) {
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
            let _ = presence.send(PresenceCmd::Reap);
        }
    }
}

// ---- counts for the Pusher HTTP API ----

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

/// Connections on every node (this one's live, the others' as of their last second).
pub(crate) async fn connection_count(hub: &Hub) -> usize {
    let local = hub.connection_count();
    let Some(link) = hub.link() else {
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
pub(crate) async fn channel(hub: &Hub, name: &str) -> ChannelInfo {
    let mut info = hub.channel(name);
    let Some(link) = hub.link() else {
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
pub(crate) async fn channels(hub: &Hub, prefix: Option<&str>) -> Vec<ChannelInfo> {
    let local = hub.channels(prefix);
    let Some(link) = hub.link() else {
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
pub(crate) async fn channel_users(hub: &Hub, name: &str) -> Vec<serde_json::Value> {
    let local = hub.channel_users(name);
    let Some(link) = hub.link() else {
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
