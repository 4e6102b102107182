//! `/metrics`: installs the Prometheus recorder (the `metrics` facade the adapters count
//! through) when `CONFAB_METRICS_TOKEN` is set, and refreshes, at each scrape, the figures that
//! are read rather than counted: realtime connections and channels, the database pool, the
//! Redis link, the webhooks' queue.

use std::sync::Arc;
use std::time::Duration;

use confab_http::MetricsEndpoint;
use confab_realtime::webhooks::WebhookFigures;
use confab_realtime::{Realtime, ScalingStatus};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use sea_orm::DatabaseConnection;

use crate::config::Cli;
use crate::wiring::BoxError;

/// Latency buckets, in seconds: from a cached read to a request that waited on a lock.
const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// How often histograms are folded between scrapes, so samples do not pile up.
const UPKEEP: Duration = Duration::from_secs(5);

/// Installs the recorder and starts timing `db`'s statements; `None` when metrics are off. Call
/// before `db` is cloned into the repositories (each clone keeps the statement timer it had).
pub fn install(
    cli: &Cli,
    db: &mut DatabaseConnection,
) -> Result<Option<PrometheusHandle>, BoxError> {
    if cli.metrics_token.as_deref().is_none_or(str::is_empty) {
        return Ok(None);
    }
    let handle = PrometheusBuilder::new()
        .set_buckets(BUCKETS)?
        .install_recorder()?;
    describe();
    confab_persistence::measure_statements(db);
    let upkeep = handle.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(UPKEEP).await;
            upkeep.run_upkeep();
        }
    });
    Ok(Some(handle))
}

/// The `/metrics` route, reading the live figures at each scrape.
pub fn endpoint(
    cli: &Cli,
    handle: PrometheusHandle,
    db: &DatabaseConnection,
    realtime: Option<&Realtime>,
    webhooks: Option<Arc<WebhookFigures>>,
) -> MetricsEndpoint {
    let db = db.clone();
    let realtime = realtime.cloned();
    MetricsEndpoint {
        token: cli.metrics_token.clone().unwrap_or_default(),
        render: Arc::new(move || {
            read_figures(&db, realtime.as_ref(), webhooks.as_deref());
            handle.render()
        }),
    }
}

fn read_figures(
    db: &DatabaseConnection,
    realtime: Option<&Realtime>,
    webhooks: Option<&WebhookFigures>,
) {
    let pool = confab_persistence::pool_figures(db);
    metrics::gauge!("confab_db_pool_connections", "state" => "in_use").set(pool.in_use);
    metrics::gauge!("confab_db_pool_connections", "state" => "idle").set(pool.idle);
    if let Some(webhooks) = webhooks {
        metrics::gauge!("confab_webhook_queue_depth").set(webhooks.queued() as f64);
        metrics::counter!("confab_webhook_events_delivered_total").absolute(webhooks.delivered());
        metrics::counter!("confab_webhook_failures_total").absolute(webhooks.failures());
    }
    let Some(realtime) = realtime else {
        return;
    };
    let figures = realtime.figures();
    metrics::gauge!("confab_realtime_connections", "protocol" => "pusher")
        .set(figures.pusher_connections as f64);
    metrics::gauge!("confab_realtime_connections", "protocol" => "envelope")
        .set(figures.envelope_connections as f64);
    metrics::gauge!("confab_realtime_channels").set(figures.channels as f64);
    metrics::counter!("confab_realtime_deliveries_total").absolute(figures.deliveries);
    metrics::counter!("confab_realtime_slow_consumer_disconnects_total")
        .absolute(figures.slow_consumer_disconnects);
    let redis = match realtime.scaling_status() {
        ScalingStatus::Disabled => None,
        ScalingStatus::Connected => Some(1.0),
        ScalingStatus::Unavailable => Some(0.0),
    };
    if let Some(up) = redis {
        metrics::gauge!("confab_redis_up").set(up);
    }
}

/// The `# HELP` lines.
fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        "confab_http_requests_total",
        "API requests by the document's path template, method and status"
    );
    describe_histogram!(
        "confab_http_request_duration_seconds",
        Unit::Seconds,
        "API request latency by path template and method"
    );
    describe_counter!(
        "confab_messages_sent_total",
        "Messages stored (any door; idempotent resends store nothing)"
    );
    // Shown from the start (at 0), so a rate over it has a first sample.
    metrics::counter!("confab_messages_sent_total").increment(0);
    describe_gauge!(
        "confab_realtime_connections",
        "Open realtime sockets on this node, by protocol"
    );
    describe_gauge!(
        "confab_realtime_channels",
        "Channels with a subscriber on this node"
    );
    describe_counter!(
        "confab_realtime_deliveries_total",
        "Event frames queued for sockets on this node"
    );
    describe_counter!(
        "confab_realtime_slow_consumer_disconnects_total",
        "Sockets dropped for not reading their events (4100)"
    );
    describe_gauge!(
        "confab_db_pool_connections",
        "Database pool connections, in use or idle"
    );
    describe_histogram!(
        "confab_db_query_duration_seconds",
        Unit::Seconds,
        "Database statement latency"
    );
    describe_counter!(
        "confab_db_query_errors_total",
        "Database statements that failed"
    );
    describe_gauge!(
        "confab_webhook_queue_depth",
        "Webhook events waiting for their destinations (all nodes' outbox, counted every 5 s)"
    );
    describe_counter!(
        "confab_webhook_events_delivered_total",
        "Webhook events this node delivered (2xx)"
    );
    describe_counter!(
        "confab_webhook_failures_total",
        "Webhook POSTs from this node that failed (non-2xx, timeout, refused) and will be retried"
    );
    describe_counter!(
        "confab_mail_sent_total",
        "Mails this node handed to the SMTP server (or, with mail off, wrote to the log)"
    );
    describe_counter!(
        "confab_mail_failures_total",
        "Mails this node could not hand over; each is retried (10 s doubling up to an hour)"
    );
    metrics::counter!("confab_mail_sent_total").increment(0);
    metrics::counter!("confab_mail_failures_total").increment(0);
    describe_gauge!(
        "confab_redis_up",
        "1 when the link to the other nodes (Redis) is up, 0 when down; absent on a single node"
    );
}
