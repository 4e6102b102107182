//! The chat path's floors: message rows of the server's shape (conversation_id, seq, user_id,
//! body, created_at) inserted straight into the database the server uses, with none of its work
//! around them. Four kinds, each until `--count` rows or `--max-secs`:
//!
//! - `single`: the raw single-connection commit rate — one connection, single-row `INSERT`s back
//!   to back, each its own autocommit transaction. On SQLite through SQLite's own C API on a
//!   connection opened with the server's settings (`floor_sqlite.rs`), i.e. what a plain sqlite3
//!   connection does; on PostgreSQL one connection through sea-orm and sqlx.
//! - `batch`: the raw batched-insert rate — the same connection, one multi-row
//!   `INSERT … VALUES (…),(…),…` of `--batch` rows per (autocommit) transaction.
//! - `single-sqlx` (SQLite only): `single` through sqlx, the driver the server uses, whose worker
//!   thread costs every statement two cross-thread wake-ups.
//! - `pool`: C tasks over a pool of the server's size, single-row inserts through sea-orm.
//!
//! `seq` is unique per conversation: floor rows take negative numbers (counting down from below
//! any already stored, shared by every kind and task of a run), which the server never reads.

use std::str::FromStr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, Statement, Value as DbValue,
};
use serde_json::json;

use crate::common::*;
use crate::floor_plan::{Outcome, Plan, insert_sql};

#[derive(Debug, clap::Args)]
pub struct FloorArgs {
    /// The database confab uses (sqlite://…/confab.db or postgres://…).
    #[arg(long)]
    pub database_url: String,
    #[arg(long, default_value = "sqlite")]
    pub backend: String,
    /// Floors to run, in order, of single, batch, single-sqlx (SQLite only), pool.
    #[arg(long, default_value = "single,batch,pool")]
    pub kinds: String,
    /// Rows per transaction of the `batch` floor.
    #[arg(long, default_value_t = 64)]
    pub batch: usize,
    /// Concurrencies of the `pool` floor.
    #[arg(long, default_value = "16,64", value_parser = parse_list)]
    pub concurrency: std::vec::Vec<usize>,
    /// Rows per floor (each stops at this count or at `--max-secs`).
    #[arg(long, default_value_t = 100_000)]
    pub count: u64,
    #[arg(long, default_value_t = 5.0)]
    pub max_secs: f64,
    /// Pool size of the `pool` floor (default: what confab uses, 4 for SQLite and 10 for PostgreSQL).
    #[arg(long)]
    pub pool: Option<u32>,
    #[arg(long, default_value_t = 64)]
    pub body_bytes: usize,
}

pub async fn floor(args: FloorArgs) -> Result<(), String> {
    let sqlite = args.database_url.starts_with("sqlite:");
    let pool = args.pool.unwrap_or(if sqlite { 4 } else { 10 });
    let db = connect(&args.database_url, pool).await?;
    let backend = db.get_database_backend();
    // Rows for the rooms and members that exist (those the chat scenario made).
    let pairs: Vec<(i64, i64)> = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT conversation_id, user_id FROM participants ORDER BY id LIMIT 4096",
        ))
        .await
        .map_err(|e| e.to_string())?
        .iter()
        .filter_map(|row| {
            Some((
                row.try_get_by_index::<i64>(0).ok()?,
                row.try_get_by_index::<i64>(1).ok()?,
            ))
        })
        .collect();
    if pairs.is_empty() {
        return Err("no participants in the database: run the chat scenario first".into());
    }
    let lowest = db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT COALESCE(MIN(seq), 0) FROM messages",
        ))
        .await
        .map_err(|e| e.to_string())?
        .and_then(|row| row.try_get_by_index::<i64>(0).ok())
        .unwrap_or(0);
    let plan = Plan {
        pairs,
        seq: AtomicI64::new(lowest.min(0) - 1),
        count: args.count,
        max_secs: args.max_secs,
        body_bytes: args.body_bytes,
    };
    let batch = args.batch.max(1);
    let mut table = Vec::new();
    for kind in args
        .kinds
        .split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
    {
        // (concurrency, connections, rows per transaction, outcome) per run of this kind
        let runs: Vec<(usize, u32, usize, Outcome)> = match (kind, sqlite) {
            ("single", true) => vec![(1, 1, 1, sqlite_c(&args.database_url, &plan, 1).await?)],
            ("batch", true) => vec![(
                1,
                1,
                batch,
                sqlite_c(&args.database_url, &plan, batch).await?,
            )],
            ("single", false) | ("single-sqlx", true) => {
                let one = connect(&args.database_url, 1).await?;
                vec![(1, 1, 1, one_connection(&one, &plan, 1).await)]
            }
            ("batch", false) => {
                let one = connect(&args.database_url, 1).await?;
                vec![(1, 1, batch, one_connection(&one, &plan, batch).await)]
            }
            ("pool", _) => {
                let mut runs = Vec::new();
                for &c in &args.concurrency {
                    runs.push((c, pool, 1, pooled(&db, &plan, c).await));
                }
                runs
            }
            ("single-sqlx", false) => {
                eprintln!(
                    "floor: single-sqlx is SQLite only (PostgreSQL's single is sqlx already)"
                );
                continue;
            }
            _ => {
                return Err(format!(
                    "floor: unknown kind '{kind}' (single, batch, single-sqlx, pool)"
                ));
            }
        };
        let driver = match (kind, sqlite) {
            ("single" | "batch", true) => "SQLite C API, one connection, one prepared statement",
            ("single" | "batch" | "single-sqlx", _) => "sea-orm over sqlx, one connection",
            _ => "sea-orm over the sqlx pool",
        };
        for (concurrency, connections, rows_per_txn, outcome) in runs {
            let lat = Latencies::from_vec(outcome.txn_us);
            let result = json!({
                "scenario": "floor",
                "backend": args.backend,
                "kind": kind.replace('-', "_"),
                "driver": driver,
                "settings": if sqlite { "journal_mode=WAL, synchronous=NORMAL, foreign_keys=ON, busy_timeout=5s" } else { "server defaults" },
                "concurrency": concurrency,
                "connections": connections,
                "rows_per_txn": rows_per_txn,
                "body_bytes": args.body_bytes,
                "rows": outcome.rows,
                "txns": outcome.txns,
                "errors": outcome.errors,
                "first_error": outcome.first_error,
                "wall_s": round(outcome.wall_s, 3),
                "rows_per_s": round(outcome.rows as f64 / outcome.wall_s.max(1e-9), 1),
                "txns_per_s": round(outcome.txns as f64 / outcome.wall_s.max(1e-9), 1),
                "txn_p50_ms": opt_round(lat.pct_ms(50.0), 3),
                "txn_p99_ms": opt_round(lat.pct_ms(99.0), 3),
            });
            emit(&result);
            table.push(vec![
                args.backend.clone(),
                kind.to_owned(),
                concurrency.to_string(),
                connections.to_string(),
                rows_per_txn.to_string(),
                outcome.rows.to_string(),
                outcome.errors.to_string(),
                cell(result["rows_per_s"].as_f64(), 0),
                cell(lat.pct_ms(50.0), 3),
                cell(lat.pct_ms(99.0), 3),
            ]);
        }
    }
    print_table(
        "floors: INSERT INTO messages straight into the server's database",
        &[
            "db",
            "floor",
            "C",
            "conns",
            "rows/txn",
            "rows",
            "errors",
            "rows/s",
            "txn p50 ms",
            "txn p99 ms",
        ],
        &table,
    );
    Ok(())
}

/// A sea-orm pool of `size` connections with the server's SQLite settings.
async fn connect(url: &str, size: u32) -> Result<DatabaseConnection, String> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(size)
        .min_connections(size.min(1))
        .acquire_timeout(Duration::from_secs(30))
        .sqlx_logging(false);
    if url.starts_with("sqlite:") {
        // The same settings confab opens its SQLite file with (adapters/persistence connection.rs).
        options.map_sqlx_sqlite_opts(|opts| {
            opts.foreign_keys(true)
                .busy_timeout(Duration::from_secs(5))
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
        });
    }
    Database::connect(options)
        .await
        .map_err(|e| format!("connect: {e}"))
}

async fn sqlite_c(url: &str, plan: &Plan, rows_per_txn: usize) -> Result<Outcome, String> {
    let options = sea_orm::sqlx::sqlite::SqliteConnectOptions::from_str(url)
        .map_err(|e| format!("{url}: {e}"))?;
    crate::floor_sqlite::run(options, plan, rows_per_txn).await
}

/// The values of `rows` rows starting at row `i`, in column order.
fn row_values(plan: &Plan, i: u64, rows: usize) -> Vec<DbValue> {
    let first = plan.seqs(rows);
    let now = chrono::Utc::now();
    let mut values = Vec::with_capacity(rows * 5);
    for k in 0..rows {
        let (conversation, user) = plan.pair(i + k as u64);
        values.push(conversation.into());
        values.push((first - k as i64).into());
        values.push(user.into());
        values.push(body_of(plan.body_bytes, i + k as u64).into());
        values.push(now.into());
    }
    values
}

/// One connection, `rows_per_txn` rows per autocommit `INSERT`, back to back.
async fn one_connection(db: &DatabaseConnection, plan: &Plan, rows_per_txn: usize) -> Outcome {
    let backend = db.get_database_backend();
    let sql = insert_sql(backend, rows_per_txn);
    let mut out = Outcome::default();
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(plan.max_secs);
    let mut i = 0;
    while i < plan.count && Instant::now() < deadline {
        let t = Instant::now();
        let statement =
            Statement::from_sql_and_values(backend, &sql, row_values(plan, i, rows_per_txn));
        match db.execute_raw(statement).await {
            Ok(_) => {
                out.txn_us.push(us_u32(t.elapsed()));
                out.rows += rows_per_txn as u64;
                out.txns += 1;
            }
            Err(e) => {
                out.errors += 1;
                out.first_error.get_or_insert(e.to_string());
            }
        }
        i += rows_per_txn as u64;
    }
    out.wall_s = started.elapsed().as_secs_f64();
    out
}

/// `concurrency` tasks over the pool, single-row autocommit inserts.
async fn pooled(db: &DatabaseConnection, plan: &Plan, concurrency: usize) -> Outcome {
    let backend = db.get_database_backend();
    let sql = insert_sql(backend, 1);
    let next = AtomicU64::new(0);
    let errors = AtomicU64::new(0);
    let first_error: Mutex<Option<String>> = Mutex::new(None);
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(plan.max_secs);
    let workers = (0..concurrency).map(|_| {
        let (sql, next, errors, first_error) = (&sql, &next, &errors, &first_error);
        async move {
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= plan.count || Instant::now() > deadline {
                    break;
                }
                let t = Instant::now();
                let statement =
                    Statement::from_sql_and_values(backend, sql, row_values(plan, i, 1));
                match db.execute_raw(statement).await {
                    Ok(_) => latencies.push(us_u32(t.elapsed())),
                    Err(e) => {
                        errors.fetch_add(1, Ordering::SeqCst);
                        first_error.lock().unwrap().get_or_insert(e.to_string());
                    }
                }
            }
            latencies
        }
    });
    let per_worker = futures_util::future::join_all(workers).await;
    let txn_us: Vec<u32> = per_worker.into_iter().flatten().collect();
    Outcome {
        rows: txn_us.len() as u64,
        txns: txn_us.len() as u64,
        errors: errors.load(Ordering::SeqCst),
        first_error: first_error.lock().unwrap().clone(),
        wall_s: started.elapsed().as_secs_f64(),
        txn_us,
    }
}
