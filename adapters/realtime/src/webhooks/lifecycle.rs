//! Pusher's lifecycle webhooks, told by the hub as they happen (under its lock, so this only
//! queues): `channel_occupied` / `channel_vacated` when a channel gets its first subscriber or
//! loses its last, `member_added` / `member_removed` when a presence channel's user arrives with
//! their first connection or leaves with their last, and `client_event` for each whisper. A task
//! stores the queue in the outbox, from which they leave like every other webhook.
//!
//! With several nodes, "first" and "last" are the cluster's: presence already asks Redis, and a
//! channel's occupancy is the set of nodes with a subscriber there (`scaling::occupancy`), so each
//! event is told by one node.

use std::sync::Arc;
use std::time::Duration;

use confab_domain::WebhookEvent;
use confab_domain::ports::WebhookOutbox;
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};

use super::EventFilter;
use crate::hub::LifecycleEvents;
use crate::protocol;
use crate::scaling::Vote;

/// The most events one insert takes.
const BATCH: usize = 500;
/// After the database failed to take a batch (the batch is kept and tried again).
const AFTER_ERROR: Duration = Duration::from_secs(1);

/// Where the hub tells its lifecycle events; cheap to clone.
#[derive(Clone)]
pub(crate) struct Lifecycle {
    events: EventFilter,
    queue: mpsc::UnboundedSender<Told>,
    /// Scaling on: this node's occupancy changes go to the cluster, which says whether the
    /// channel's occupancy changed (see `scaling::occupancy`).
    cluster: Option<mpsc::UnboundedSender<Vote>>,
}

impl Lifecycle {
    /// Starts the task that stores what is told in `outbox`.
    pub(crate) fn start(outbox: Arc<dyn WebhookOutbox>, events: EventFilter) -> Self {
        let (queue, incoming) = mpsc::unbounded_channel();
        tokio::spawn(store(outbox, incoming));
        Self {
            events,
            queue,
            cluster: None,
        }
    }

    /// Occupancy is decided by the cluster: this node's changes go to `votes`.
    pub(crate) fn with_cluster(mut self, votes: mpsc::UnboundedSender<Vote>) -> Self {
        self.cluster = Some(votes);
        self
    }

    /// Queues `event`, a Pusher webhook event named `name` about `channel`, if it is wanted.
    /// The server's own channels (`#online`, `#server-to-user-…`) are never told: Pusher sends
    /// no webhooks for them.
    fn tell(&self, name: &'static str, channel: &str, event: Value) {
        if !self.events.wants(name) || protocol::is_internal_channel(channel) {
            return;
        }
        let _ = self.queue.send(Told::Event(WebhookEvent {
            channel: channel.to_owned(),
            json: event.to_string(),
        }));
    }

    /// Waits until everything told so far is stored (at most `wait`): the server is stopping.
    pub(crate) async fn flush(&self, wait: Duration) {
        let (done, stored) = oneshot::channel();
        if self.queue.send(Told::Flush(done)).is_ok() {
            let _ = tokio::time::timeout(wait, stored).await;
        }
    }
}

impl LifecycleEvents for Lifecycle {
    fn occupancy_here(&self, channel: &str, occupied: bool) {
        let name = occupancy_event(occupied);
        if !self.events.wants(name) || protocol::is_internal_channel(channel) {
            return;
        }
        match &self.cluster {
            Some(votes) => {
                let _ = votes.send(Vote::Here(channel.to_owned(), occupied));
            }
            None => self.occupancy(channel, occupied),
        }
    }

    fn occupancy(&self, channel: &str, occupied: bool) {
        let name = occupancy_event(occupied);
        self.tell(name, channel, json!({"name": name, "channel": channel}));
    }

    fn member(&self, channel: &str, user_id: &Value, added: bool) {
        let name = if added {
            "member_added"
        } else {
            "member_removed"
        };
        self.tell(
            name,
            channel,
            json!({"name": name, "channel": channel, "user_id": as_text(user_id)}),
        );
    }

    fn node_gone(&self, node: &str) {
        let _ = self.queue.send(Told::Release(node.to_owned()));
    }

    /// `data` is sent as Pusher does, as a JSON string.
    fn cache_miss(&self, channel: &str) {
        self.tell(
            "cache_miss",
            channel,
            json!({"name": "cache_miss", "channel": channel}),
        );
    }

    fn client_event(
        &self,
        channel: &str,
        event: &str,
        data: &Value,
        socket: &str,
        user_id: Option<&Value>,
    ) {
        let mut told = json!({
            "name": "client_event",
            "channel": channel,
            "event": event,
            "data": data.to_string(),
            "socket_id": socket,
        });
        if let Some(user_id) = user_id {
            told["user_id"] = Value::from(as_text(user_id));
        }
        self.tell("client_event", channel, told);
    }
}

fn occupancy_event(occupied: bool) -> &'static str {
    if occupied {
        "channel_occupied"
    } else {
        "channel_vacated"
    }
}

/// Pusher's webhooks carry user ids as strings.
fn as_text(user_id: &Value) -> String {
    match user_id {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// What the store task is handed.
enum Told {
    Event(WebhookEvent),
    /// A dead node's destinations, to let go of.
    Release(String),
    /// Answer once what came before is stored.
    Flush(oneshot::Sender<()>),
}

async fn store(outbox: Arc<dyn WebhookOutbox>, mut incoming: mpsc::UnboundedReceiver<Told>) {
    let mut received = Vec::new();
    while incoming.recv_many(&mut received, BATCH).await > 0 {
        let mut batch = Vec::new();
        let mut flushes = Vec::new();
        let mut dead = Vec::new();
        for told in received.drain(..) {
            match told {
                Told::Event(event) => batch.push(event),
                Told::Flush(done) => flushes.push(done),
                Told::Release(node) => dead.push(node),
            }
        }
        while !batch.is_empty()
            && let Err(error) = outbox.record(batch.clone()).await
        {
            tracing::warn!(%error, events = batch.len(), "webhook events not stored yet; retrying");
            tokio::time::sleep(AFTER_ERROR).await;
        }
        for node in dead {
            match outbox.release(&node).await {
                Ok(()) => tracing::info!(node, "took over a dead node's webhook destinations"),
                Err(error) => {
                    tracing::warn!(%error, node, "a dead node's webhook leases will run out instead");
                }
            }
        }
        for done in flushes {
            let _ = done.send(());
        }
    }
}
