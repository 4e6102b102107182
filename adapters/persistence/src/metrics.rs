//! The database's figures for the operator's `/metrics`, through the `metrics` facade (a no-op
//! until `bin` installs a recorder): how long statements take, how many fail, the pool's
//! connections in use and idle, and the messages stored.

use metrics::{Counter, Histogram};
use sea_orm::{DatabaseBackend, DatabaseConnection};

/// Stored messages (new sends; an idempotent resend stores nothing). Counted where they are
/// committed, so it holds whichever door the send came through.
pub(crate) fn messages_stored(count: usize) {
    metrics::counter!("confab_messages_sent_total").increment(count as u64);
}

/// Times every statement `db` runs (SeaORM's per-statement callback). Call once, after the
/// recorder is installed: the handles are taken here, so the hot path does no lookup.
pub fn measure_statements(db: &mut DatabaseConnection) {
    let latency: Histogram = metrics::histogram!("confab_db_query_duration_seconds");
    let errors: Counter = metrics::counter!("confab_db_query_errors_total");
    db.set_metric_callback(move |info| {
        latency.record(info.elapsed.as_secs_f64());
        if info.failed {
            errors.increment(1);
        }
    });
}

/// The pool's connections: open and lent out, open and waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolFigures {
    pub in_use: u32,
    pub idle: u32,
}

pub fn pool_figures(db: &DatabaseConnection) -> PoolFigures {
    let (size, idle) = match db.get_database_backend() {
        DatabaseBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
    };
    let idle = u32::try_from(idle).unwrap_or(u32::MAX);
    PoolFigures {
        in_use: size.saturating_sub(idle),
        idle,
    }
}
