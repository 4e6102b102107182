use async_trait::async_trait;

use crate::{Claim, DomainError, RealtimeEvent, Timestamp, WebhookEvent};

/// Renders events for the webhooks, inside the transaction that stores the change (so it is
/// synchronous and must not fail): the events the operator asked for, in their wire shape.
pub trait WebhookRenderer: Send + Sync {
    /// Where events go; empty when webhooks are off, and then nothing is rendered or stored.
    fn destinations(&self) -> &[String];

    /// The webhook events `event` becomes — none for an event no webhook wants.
    fn render(&self, event: &RealtimeEvent) -> Vec<WebhookEvent>;
}

/// Webhooks off: no destination, nothing rendered.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoWebhooks;

impl WebhookRenderer for NoWebhooks {
    fn destinations(&self) -> &[String] {
        &[]
    }

    fn render(&self, _event: &RealtimeEvent) -> Vec<WebhookEvent> {
        Vec::new()
    }
}

/// The outbox: events waiting for each destination, numbered in the order they were stored.
/// Chat events are stored by the repositories, in the transactions of their changes; `record`
/// is for events with no transaction of their own (channels occupied, members, client events).
/// With several nodes, a destination is sent to by one node at a time: the one holding its
/// lease ([`lease_for`](crate::webhooks::lease_for)).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait WebhookOutbox: Send + Sync {
    /// Queues `events` for every destination.
    ///
    /// # Errors
    /// `Unavailable` when the database is out of reach; `Internal` otherwise.
    async fn record(&self, events: Vec<WebhookEvent>) -> Result<(), DomainError>;

    /// Takes (or renews) `node`'s lease on `destination` unless another node holds it, and gives
    /// its oldest `limit` events — unless a failed attempt set a later retry.
    ///
    /// # Errors
    /// `Unavailable` when the database is out of reach; `Internal` otherwise.
    async fn claim(
        &self,
        destination: &str,
        node: &str,
        limit: usize,
        now: Timestamp,
    ) -> Result<Claim, DomainError>;

    /// The destination took the events numbered `ids`: they leave its queue, and its failure
    /// count starts again.
    ///
    /// # Errors
    /// `Unavailable` when the database is out of reach; `Internal` otherwise.
    async fn delivered(&self, destination: &str, ids: &[i64]) -> Result<(), DomainError>;

    /// The destination refused (or did not answer): `failures` in a row now, next try at
    /// `retry_at`, by whichever node holds the lease then.
    ///
    /// # Errors
    /// `Unavailable` when the database is out of reach; `Internal` otherwise.
    async fn failed(
        &self,
        destination: &str,
        failures: u32,
        retry_at: Timestamp,
    ) -> Result<(), DomainError>;

    /// Lets go of every destination `node` holds (it is stopping), so another node, or the same
    /// one started again, sends to them at once.
    ///
    /// # Errors
    /// `Unavailable` when the database is out of reach; `Internal` otherwise.
    async fn release(&self, node: &str) -> Result<(), DomainError>;

    /// How many events wait, for every destination together (for `/metrics`).
    ///
    /// # Errors
    /// `Internal` only.
    async fn depth(&self) -> Result<u64, DomainError>;
}

/// Posts a batch of rendered events to a destination.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait WebhookSender: Send + Sync {
    /// One POST of `events` (in this order) to `destination`, stamped with `now`.
    ///
    /// # Errors
    /// `Unavailable` with the reason (a status other than 2xx, a timeout, a refused connection).
    async fn send(
        &self,
        destination: &str,
        events: &[String],
        now: Timestamp,
    ) -> Result<(), DomainError>;
}
