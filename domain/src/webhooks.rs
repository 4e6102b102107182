//! Webhooks: what happened, pushed to the operator's own HTTP endpoints. An event is written to an
//! outbox in the same transaction as the change it describes, then posted to each destination in
//! batches, oldest first, and retried until the destination takes it — so nothing is lost when a
//! receiver is down or the server restarts.
//!
//! The domain says what an outbox entry is and how long a failed delivery waits; which events a
//! change produces is `change_events`'s answer, the same for webhooks and live delivery. The realtime adapter renders the events (Pusher's webhook shapes),
//! persistence keeps the outbox, and the `deliver_webhooks` use case moves it.

use std::time::Duration;

/// One event as a receiver gets it: `json` is the rendered object (one element of a batch's
/// `events`), `channel` the channel it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEvent {
    pub channel: String,
    pub json: String,
}

/// The oldest events queued for one destination, as the outbox numbered them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookBatch {
    pub ids: Vec<i64>,
    pub events: Vec<String>,
    /// Failed attempts so far at the head of this destination's queue.
    pub failures: u32,
}

/// What asking the outbox for a destination's next batch gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Ours to send (this node holds the destination's lease).
    Batch(WebhookBatch),
    /// Nothing queued.
    Empty,
    /// Another node holds the destination: it sends, this one waits.
    Elsewhere,
    /// The last attempt failed; the next waits until then.
    RetryAt(crate::Timestamp),
}

/// The most events one POST carries.
pub const WEBHOOK_BATCH_SIZE: usize = 100;

/// How long a receiver has to answer a POST unless the operator says otherwise.
pub const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a node holds a destination after claiming it, for POSTs that may take `timeout`:
/// three times as long, so two nodes never send to one destination at once, and short enough that
/// a node that died holding destinations is taken over soon (30 s with the default 10 s timeout;
/// a node that stops cleanly lets go at once).
pub fn lease_for(timeout: Duration) -> Duration {
    timeout.saturating_mul(3).max(Duration::from_secs(3))
}

/// The first retry waits [`FIRST_RETRY`]; each failure after doubles it, up to a longest wait
/// ([`LAST_RETRY`] unless the operator sets another): a receiver that is down for an hour is asked
/// about once every five minutes, and one back after a blip gets its events within seconds.
pub const FIRST_RETRY: Duration = Duration::from_secs(1);
pub const LAST_RETRY: Duration = Duration::from_secs(300);

/// How long to wait after the `failures`-th failure in a row (`failures` ≥ 1), at most `longest`.
pub fn retry_delay(failures: u32, longest: Duration) -> Duration {
    let doublings = failures.saturating_sub(1).min(16);
    FIRST_RETRY.saturating_mul(1 << doublings).min(longest)
}

#[cfg(test)]
mod tests;
