//! Scale-out: several Confab nodes behind one load balancer, sharing one Redis (Laravel Reverb's
//! scaling model, without its weak spots). This module is the hub's [`Replica`]: the hub calls
//! it, it never reaches into the hub but through [`Hub::apply`] and the presence calls.
//!
//! * **Delivery** ([`stream`]). Every hub operation that concerns sockets on other nodes — a
//!   publish to a channel (domain broadcasts, the Pusher HTTP API, whispers, envelope pings), a
//!   publish to a user, a revocation, a grant, `terminate_connections` — is applied to this
//!   node's sockets at once and handed, as an [`Op`], to a publisher task that adds it to the
//!   Redis Stream `confab:{REVERB_SCALING_CHANNEL}:ops`. Every node reads that stream from the
//!   last entry it read and applies the *other* nodes' ops to its own sockets, once each, in each
//!   node's order — after an outage too: what was added meanwhile is read when the link is back.
//! * **Presence** ([`presence`]) lives in Redis hashes changed only by Lua scripts; a join that
//!   makes a user's count 1 adds `member_added` to the stream from inside the script, a leave that
//!   makes it 0 `member_removed`. Nodes that die are noticed by their expired heartbeat.
//! * **Counts** ([`counts`]) for the HTTP API: each node writes its own every second.
//! * **Redis away.** Local delivery never waits on Redis: the hub only `try_send`s to the
//!   publisher's bounded queue ([`OUTBOX`] ops), which holds what cannot be added yet and adds it
//!   when Redis is back (beyond the queue, ops are dropped and counted: logged once per outage).
//!   The reader reconnects with back-off (100 ms doubling to 5 s), the outage and the recovery are
//!   logged once each, `/health` says `degraded`, and the node writes its presence share and its
//!   channels' occupancy back ([`occupancy`] decides nothing while Redis is away). What the reader
//!   then reads back goes to the sockets at their pace (`Hub::make_room`).
//!   Until the link has been back for [`DOUBT_AFTER_RECOVERY`], the node is *in doubt*: it may
//!   not have heard a revocation yet, so deliveries to a room are checked against the database
//!   first (`RoomGuard`).
//!
//! Depends on: the hub (it implements [`Replica`], applies other nodes' ops, and tells a channel's
//! cluster-wide occupancy through the hub's `LifecycleEvents`), `room_guard` and `protocol`. It
//! does not know the webhooks: they send it their [`Vote`]s.

mod commands;
mod counts;
mod occupancy;
mod presence;
mod stream;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use crate::hub::{Hub, LifecycleEvents, Member, Op, Replica, Snapshot};
use crate::room_guard::RoomGuard;
use commands::Commands;

pub(crate) use counts::Nodes;
pub(crate) use occupancy::Vote;
use presence::PresenceCmd;

/// Ops waiting for the publisher; beyond this, while Redis is away, new ones are dropped.
pub(crate) const OUTBOX: usize = 10_000;
/// How long one Redis command may take before it counts as failed.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(1);
/// Reconnection back-off of the reader.
const BACKOFF_START: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(5);
/// How long after the link is back a node still doubts it heard every revocation: the other
/// nodes reconnect within one back-off step of it and then add what they held at once.
const DOUBT_AFTER_RECOVERY: Duration = Duration::from_secs(10);

/// What `REDIS_URL`, `REVERB_SCALING_CHANNEL` say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScalingConfig {
    /// `redis://host:port[/db]`.
    pub redis_url: String,
    /// The namespace of the nodes' keys (`confab:{channel}:…`, the ops stream among them), so
    /// two clusters can share one Redis.
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

/// One node's link to the others: hands ops to the publisher, knows whether Redis is there.
pub(crate) struct Link {
    pub(crate) node: String,
    pub(crate) prefix: String,
    /// The ops stream's key.
    stream: String,
    outbox: mpsc::Sender<Outgoing>,
    up: watch::Sender<bool>,
    /// How many times the link came up, so the publisher notices every reconnection.
    generation: AtomicU64,
    /// When the link last came up; `None` before it ever did.
    recovered_at: Mutex<Option<Instant>>,
    /// Ops dropped because the queue was full (Redis away too long).
    dropped: AtomicU64,
    /// Whether the current outage's drops were already logged.
    drop_logged: AtomicBool,
    /// Whether the link's state was ever logged (so a first failure is logged too).
    announced: AtomicBool,
    commands: Commands,
    presence: mpsc::UnboundedSender<PresenceCmd>,
    /// Webhooks on: where this node's channel occupancy changes go (see `occupancy`).
    occupancy: OnceLock<mpsc::UnboundedSender<Vote>>,
}

impl Replica for Link {
    fn emit(&self, op: Op) {
        self.enqueue(Outgoing { op, confirm: None });
    }

    fn emit_confirmed(&self, op: Op) -> oneshot::Receiver<()> {
        let (tx, rx) = oneshot::channel();
        self.enqueue(Outgoing {
            op,
            confirm: Some(tx),
        });
        rx
    }

    fn is_up(&self) -> bool {
        *self.up.borrow()
    }

    fn in_doubt(&self) -> bool {
        if !self.is_up() {
            return true;
        }
        let recovered_at = *self
            .recovered_at
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        recovered_at.is_none_or(|at| at.elapsed() < DOUBT_AFTER_RECOVERY)
    }

    fn presence_join(
        &self,
        channel: &str,
        socket: &str,
        member: &Member,
        only: Option<&[String]>,
    ) -> Option<oneshot::Receiver<Option<Snapshot>>> {
        let (reply, answer) = oneshot::channel();
        self.presence
            .send(PresenceCmd::Join {
                channel: channel.to_owned(),
                socket: socket.to_owned(),
                member: member.clone(),
                only: only.map(<[String]>::to_vec),
                reply,
            })
            .is_ok()
            .then_some(answer)
    }

    fn presence_left(&self, channel: &str, socket: &str, member: Member) {
        let _ = self.presence.send(PresenceCmd::Leave {
            channel: channel.to_owned(),
            socket: socket.to_owned(),
            member,
        });
    }
}

impl Link {
    fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
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
        if up {
            *self
                .recovered_at
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Some(Instant::now());
            self.generation.fetch_add(1, Ordering::SeqCst);
        }
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
            // Redis may have restarted empty, or missed leaves: write this node's share of
            // presence back before anything else of the presence task's, and its channels'
            // occupancy (decided by nobody while Redis was away).
            let _ = self.presence.send(PresenceCmd::Resync);
            if let Some(occupancy) = self.occupancy.get() {
                let _ = occupancy.send(Vote::Resync);
            }
        } else if !up && (was || first) {
            tracing::warn!(
                node = %self.node,
                cause = cause.unwrap_or("connection closed"),
                "Redis unavailable: serving this node's sockets only, reconnecting"
            );
        }
    }
}

/// The running cluster membership of one node: its link and its background tasks.
pub(crate) struct Cluster {
    pub(crate) link: Arc<Link>,
    hub: Weak<Hub>,
    tasks: Vec<JoinHandle<()>>,
}

impl Cluster {
    /// Attaches `hub` to the cluster and starts the publisher, reader, presence and counts
    /// tasks. Nothing is awaited: with Redis away the node starts and serves its own sockets.
    ///
    /// # Errors
    /// An unparsable `redis_url`.
    pub(crate) fn start(
        hub: &Arc<Hub>,
        config: &ScalingConfig,
        guard: Arc<RoomGuard>,
    ) -> redis::RedisResult<Self> {
        let client = redis::Client::open(config.redis_url.as_str())?;
        let (outbox, queue) = mpsc::channel(OUTBOX);
        let (presence, presence_queue) = mpsc::unbounded_channel();
        let prefix = config.key_prefix();
        let link = Arc::new(Link {
            node: format!("{:016x}", rand::random::<u64>()),
            stream: format!("{prefix}ops"),
            prefix,
            outbox,
            up: watch::Sender::new(false),
            generation: AtomicU64::new(0),
            recovered_at: Mutex::new(None),
            dropped: AtomicU64::new(0),
            drop_logged: AtomicBool::new(false),
            announced: AtomicBool::new(false),
            commands: Commands {
                client: client.clone(),
                connection: tokio::sync::Mutex::new(None),
            },
            presence,
            occupancy: OnceLock::new(),
        });
        hub.attach(link.clone());
        let weak = Arc::downgrade(hub);
        let tasks = vec![
            tokio::spawn(stream::publisher(link.clone(), queue)),
            tokio::spawn(stream::reader(link.clone(), client, weak.clone(), guard)),
            tokio::spawn(presence::run(link.clone(), weak.clone(), presence_queue)),
            tokio::spawn(counts::housekeeping(link.clone(), weak.clone())),
        ];
        tracing::info!(node = %link.node, channel = %config.channel, "scaling through Redis on");
        Ok(Self {
            link,
            hub: weak,
            tasks,
        })
    }

    /// Webhooks on: this node's channel occupancy is decided with the other nodes' (see
    /// `occupancy`), so `channel_occupied` / `channel_vacated` are told once for the cluster, to
    /// `lifecycle`. Returns where this node's own occupancy changes are to be sent.
    pub(crate) fn decide_occupancy(
        &self,
        lifecycle: Arc<dyn LifecycleEvents>,
    ) -> mpsc::UnboundedSender<Vote> {
        let votes = occupancy::start(self.link.clone(), lifecycle, self.hub.clone());
        let _ = self.link.occupancy.set(votes.clone());
        // Redis may be up already: this node's channels so far were decided by nobody.
        if self.link.is_up() {
            let _ = votes.send(Vote::Resync);
        }
        votes
    }

    /// Whether Redis answers.
    pub(crate) fn is_up(&self) -> bool {
        self.link.is_up()
    }

    /// Takes this node out of the cluster: its channels' occupancy and its presence entries leave
    /// Redis (the others are told `member_removed` where that was a user's last socket), its
    /// counts go, the tasks stop.
    pub(crate) async fn stop(&self) {
        if let Some(occupancy) = self.link.occupancy.get() {
            let (done, finished) = oneshot::channel();
            if occupancy.send(Vote::Depart(done)).is_ok() {
                let _ = tokio::time::timeout(Duration::from_secs(2), finished).await;
            }
        }
        let (done, finished) = oneshot::channel();
        if self
            .link
            .presence
            .send(PresenceCmd::Depart { done })
            .is_ok()
        {
            let _ = tokio::time::timeout(Duration::from_secs(2), finished).await;
        }
        for task in &self.tasks {
            task.abort();
        }
    }
}
