//! The webhook outbox (see the domain's `webhooks.rs`). Chat events are rendered and stored by
//! [`Webhooks::record`] inside the transaction of the change they tell (a send's group commit, a
//! message's edit, a room's change), so an event is stored exactly when its change is; the
//! [`SeaWebhookOutbox`] port takes the rest (events with no transaction of their own) and serves
//! the delivery loop: a destination's oldest rows, a lease so one node sends to it, the backoff.
//!
//! With webhooks off (no destination) nothing here runs a statement.

use std::sync::Arc;

use async_trait::async_trait;
use confab_domain::ports::{NoWebhooks, WebhookOutbox, WebhookRenderer};
use std::time::Duration;

use confab_domain::webhooks::{WEBHOOK_TIMEOUT, lease_for};
use confab_domain::{Claim, DomainError, RealtimeEvent, Timestamp, WebhookBatch, WebhookEvent};
use sea_orm::{ConnectionTrait, DatabaseConnection, FromQueryResult, Statement, Value};

use super::sql::Bound;
use crate::error::internal;

/// Rows per `INSERT`: four values each, well inside both databases' parameter limits.
const ROWS_PER_INSERT: usize = 200;

/// Counting the queue stops here: `/metrics` should not scan a backlog of millions to say it is
/// large.
const DEPTH_COUNTED_UP_TO: u64 = 1_000_000;

/// The renderer the repositories store chat events with, in their own transactions.
#[derive(Clone)]
pub(crate) struct Webhooks(Arc<dyn WebhookRenderer>);

impl std::fmt::Debug for Webhooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Webhooks")
            .field(&self.0.destinations())
            .finish()
    }
}

impl Default for Webhooks {
    fn default() -> Self {
        Self(Arc::new(NoWebhooks))
    }
}

impl Webhooks {
    pub(crate) fn new(renderer: Arc<dyn WebhookRenderer>) -> Self {
        Self(renderer)
    }

    /// Whether any destination is configured (else nothing is rendered or read for them).
    pub(super) fn are_on(&self) -> bool {
        !self.0.destinations().is_empty()
    }

    /// Renders `events` and queues what the webhooks want, for every destination, in `db` — the
    /// transaction of the change the events tell.
    pub(super) async fn record(
        &self,
        db: &impl ConnectionTrait,
        events: &[RealtimeEvent],
    ) -> Result<(), DomainError> {
        if !self.are_on() {
            return Ok(());
        }
        let rendered: Vec<WebhookEvent> = events.iter().flat_map(|e| self.0.render(e)).collect();
        insert(db, self.0.destinations(), &rendered).await
    }
}

/// One row per event and destination, in the order given (the ids keep it).
async fn insert(
    db: &impl ConnectionTrait,
    destinations: &[String],
    events: &[WebhookEvent],
) -> Result<(), DomainError> {
    let now = chrono::Utc::now().timestamp_millis();
    let rows: Vec<(&String, &WebhookEvent)> = destinations
        .iter()
        .flat_map(|destination| events.iter().map(move |event| (destination, event)))
        .collect();
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let mut bound = Bound::default();
        let values: Vec<String> = chunk
            .iter()
            .map(|(destination, event)| {
                bound.row([
                    Value::from(destination.as_str()),
                    event.channel.as_str().into(),
                    event.json.as_str().into(),
                    now.into(),
                ])
            })
            .collect();
        let sql = format!(
            "INSERT INTO webhook_outbox (destination, channel, event, created_at_ms) VALUES {}",
            values.join(", ")
        );
        db.execute_raw(bound.statement(db.get_database_backend(), &sql))
            .await
            .map_err(internal)?;
    }
    Ok(())
}

/// [`WebhookOutbox`] on SeaORM.
#[derive(Debug, Clone)]
pub struct SeaWebhookOutbox {
    db: DatabaseConnection,
    destinations: Vec<String>,
    lease: Duration,
}

impl SeaWebhookOutbox {
    pub fn new(db: DatabaseConnection, destinations: Vec<String>) -> Self {
        Self {
            db,
            destinations,
            lease: lease_for(WEBHOOK_TIMEOUT),
        }
    }

    /// Leases for POSTs that may take `timeout` (see [`lease_for`]).
    pub fn with_post_timeout(mut self, timeout: Duration) -> Self {
        self.lease = lease_for(timeout);
        self
    }

    fn statement(&self, sql: &str, values: impl IntoIterator<Item = Value>) -> Statement {
        Statement::from_sql_and_values(self.db.get_database_backend(), sql, values)
    }

    /// Takes `node`'s lease on `destination` (new, its own, or expired): the destination's
    /// failures and retry time when it got it.
    async fn lease(
        &self,
        destination: &str,
        node: &str,
        now_ms: i64,
    ) -> Result<Option<Lease>, DomainError> {
        let until = now_ms.saturating_add(i64::try_from(self.lease.as_millis()).unwrap_or(0));
        let take = || {
            self.statement(
                "UPDATE webhook_destinations SET node = $2, lease_until_ms = $3 \
                 WHERE url = $1 AND (node = $2 OR lease_until_ms < $4) \
                 RETURNING failures, retry_at_ms",
                [destination.into(), node.into(), until.into(), now_ms.into()],
            )
        };
        if let Some(lease) = Lease::find_by_statement(take())
            .one(&self.db)
            .await
            .map_err(internal)?
        {
            return Ok(Some(lease));
        }
        // The first claim of a destination ever: its row, then the lease.
        self.db
            .execute_raw(self.statement(
                "INSERT INTO webhook_destinations (url, node, lease_until_ms, failures) \
                 VALUES ($1, '', 0, 0) ON CONFLICT (url) DO NOTHING",
                [destination.into()],
            ))
            .await
            .map_err(internal)?;
        Lease::find_by_statement(take())
            .one(&self.db)
            .await
            .map_err(internal)
    }
}

#[derive(Debug, FromQueryResult)]
struct Lease {
    failures: i32,
    retry_at_ms: Option<i64>,
}

#[derive(Debug, FromQueryResult)]
struct Queued {
    id: i64,
    event: String,
}

#[derive(Debug, FromQueryResult)]
struct Depth {
    depth: i64,
}

#[async_trait]
impl WebhookOutbox for SeaWebhookOutbox {
    async fn record(&self, events: Vec<WebhookEvent>) -> Result<(), DomainError> {
        insert(&self.db, &self.destinations, &events).await
    }

    /// A read of the queue's head first (an idle destination costs one indexed read and no
    /// write); then the lease, one conditional `UPDATE … RETURNING`.
    async fn claim(
        &self,
        destination: &str,
        node: &str,
        limit: usize,
        now: Timestamp,
    ) -> Result<Claim, DomainError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let queued = Queued::find_by_statement(self.statement(
            "SELECT id, event FROM webhook_outbox WHERE destination = $1 ORDER BY id LIMIT $2",
            [destination.into(), limit.into()],
        ))
        .all(&self.db)
        .await
        .map_err(internal)?;
        if queued.is_empty() {
            return Ok(Claim::Empty);
        }
        let now_ms = now.timestamp_millis();
        let Some(lease) = self.lease(destination, node, now_ms).await? else {
            return Ok(Claim::Elsewhere);
        };
        if let Some(at) = lease.retry_at_ms.filter(|at| *at > now_ms) {
            return Ok(Claim::RetryAt(
                chrono::DateTime::from_timestamp_millis(at).unwrap_or(now),
            ));
        }
        let (ids, events) = queued.into_iter().map(|q| (q.id, q.event)).unzip();
        Ok(Claim::Batch(WebhookBatch {
            ids,
            events,
            failures: u32::try_from(lease.failures).unwrap_or(0),
        }))
    }

    async fn delivered(&self, destination: &str, ids: &[i64]) -> Result<(), DomainError> {
        let mut bound = Bound::default();
        bound.list([Value::from(destination)]);
        let list = bound.list(ids.iter().map(|id| Value::from(*id)));
        let sql = format!("DELETE FROM webhook_outbox WHERE destination = $1 AND id IN ({list})");
        self.db
            .execute_raw(bound.statement(self.db.get_database_backend(), &sql))
            .await
            .map_err(internal)?;
        self.db
            .execute_raw(self.statement(
                "UPDATE webhook_destinations SET failures = 0, retry_at_ms = NULL \
                 WHERE url = $1 AND failures > 0",
                [destination.into()],
            ))
            .await
            .map_err(internal)?;
        Ok(())
    }

    async fn failed(
        &self,
        destination: &str,
        failures: u32,
        retry_at: Timestamp,
    ) -> Result<(), DomainError> {
        let failures = i32::try_from(failures).unwrap_or(i32::MAX);
        self.db
            .execute_raw(self.statement(
                "UPDATE webhook_destinations SET failures = $2, retry_at_ms = $3 WHERE url = $1",
                [
                    destination.into(),
                    failures.into(),
                    retry_at.timestamp_millis().into(),
                ],
            ))
            .await
            .map_err(internal)?;
        Ok(())
    }

    async fn release(&self, node: &str) -> Result<(), DomainError> {
        self.db
            .execute_raw(self.statement(
                "UPDATE webhook_destinations SET lease_until_ms = 0 WHERE node = $1",
                [node.into()],
            ))
            .await
            .map_err(internal)?;
        Ok(())
    }

    async fn depth(&self) -> Result<u64, DomainError> {
        let sql = format!(
            "SELECT COUNT(*) AS depth FROM \
             (SELECT 1 AS one FROM webhook_outbox LIMIT {DEPTH_COUNTED_UP_TO}) queued"
        );
        let depth = Depth::find_by_statement(self.statement(&sql, []))
            .one(&self.db)
            .await
            .map_err(internal)?
            .map_or(0, |row| row.depth);
        Ok(u64::try_from(depth).unwrap_or(0))
    }
}
