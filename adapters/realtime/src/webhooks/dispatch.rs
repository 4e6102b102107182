//! The delivery loops: one task per destination runs the `deliver_webhooks` use case's step
//! again and again, waiting as each step says — at once after a sent batch (more may wait), a
//! short poll when the queue was empty or another node holds the destination, the backoff after
//! a failure. A queue is read in the order it was stored, so each destination gets its events
//! in order, however long it was away; on several nodes the outbox's lease picks one sender.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use confab_application::use_cases::deliver_webhooks::{Delivered, WebhookDelivery};
use confab_domain::ports::WebhookOutbox;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How often an empty queue is looked at again (the delay a new event may wait to leave).
const POLL: Duration = Duration::from_millis(200);
/// After the database failed to answer.
const AFTER_ERROR: Duration = Duration::from_secs(1);
/// How often the queue's depth is counted for `/metrics`.
const COUNT_EVERY: Duration = Duration::from_secs(5);
/// The longest a loop waits for a retry another node set (it may have been stopped meanwhile).
const RECHECK: Duration = Duration::from_secs(5);

/// Webhook figures of this node since start, for `/metrics`.
#[derive(Debug, Default)]
pub struct WebhookFigures {
    delivered: AtomicU64,
    failures: AtomicU64,
    queued: AtomicU64,
}

impl WebhookFigures {
    /// Events this node delivered.
    pub fn delivered(&self) -> u64 {
        self.delivered.load(Ordering::Relaxed)
    }

    /// POSTs that failed (non-2xx, timeout, refused), each retried later.
    pub fn failures(&self) -> u64 {
        self.failures.load(Ordering::Relaxed)
    }

    /// Events waiting, for every destination, when last counted.
    pub fn queued(&self) -> u64 {
        self.queued.load(Ordering::Relaxed)
    }
}

/// The running delivery loops.
pub struct Dispatch {
    pub figures: Arc<WebhookFigures>,
    loops: Vec<JoinHandle<()>>,
    delivery: WebhookDelivery,
}

impl Dispatch {
    /// After `stopped` turned true: waits for the loops to finish the POST they are in (at most
    /// `grace`), then lets go of this node's destinations so another node, or this one started
    /// again, takes them at once.
    pub async fn finish(self, grace: Duration) {
        let loops = futures_util::future::join_all(self.loops);
        let _ = tokio::time::timeout(grace, loops).await;
        if let Err(error) = self.delivery.release().await {
            tracing::warn!(%error, "could not let go of the webhook destinations; their leases will expire");
        }
    }
}

/// Starts a delivery loop per destination (and the depth count); they stop when `stopped`
/// turns true (see [`Dispatch::finish`]).
pub fn deliver(
    delivery: WebhookDelivery,
    outbox: Arc<dyn WebhookOutbox>,
    destinations: &[String],
    stopped: watch::Receiver<bool>,
) -> Dispatch {
    let figures = Arc::new(WebhookFigures::default());
    let loops = destinations
        .iter()
        .map(|destination| {
            tokio::spawn(run(
                delivery.clone(),
                destination.clone(),
                figures.clone(),
                stopped.clone(),
            ))
        })
        .collect();
    tokio::spawn(count(outbox, figures.clone(), stopped));
    Dispatch {
        figures,
        loops,
        delivery,
    }
}

async fn run(
    delivery: WebhookDelivery,
    destination: String,
    figures: Arc<WebhookFigures>,
    mut stopped: watch::Receiver<bool>,
) {
    while !*stopped.borrow() {
        let wait = match delivery.step(&destination).await {
            Ok(Delivered::Sent(events)) => {
                figures
                    .delivered
                    .fetch_add(events as u64, Ordering::Relaxed);
                continue;
            }
            Ok(Delivered::Idle | Delivered::Elsewhere) => POLL,
            Ok(Delivered::Waiting(until)) => until.clamp(POLL, RECHECK),
            Ok(Delivered::Failed {
                failures,
                retry_in,
                reason,
            }) => {
                figures.failures.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(%destination, failures, retry_in_ms = retry_in.as_millis() as u64, %reason, "webhook not taken; retrying later");
                retry_in
            }
            Err(error) => {
                tracing::warn!(%destination, %error, "webhook outbox unavailable");
                AFTER_ERROR
            }
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            _ = stopped.changed() => {}
        }
    }
}

async fn count(
    outbox: Arc<dyn WebhookOutbox>,
    figures: Arc<WebhookFigures>,
    mut stopped: watch::Receiver<bool>,
) {
    while !*stopped.borrow() {
        if let Ok(depth) = outbox.depth().await {
            figures.queued.store(depth, Ordering::Relaxed);
        }
        tokio::select! {
            () = tokio::time::sleep(COUNT_EVERY) => {}
            _ = stopped.changed() => {}
        }
    }
}
