//! The SQLite floors through SQLite's own C API: what one plain sqlite3 connection does, without
//! the per-statement hop to sqlx's worker thread. The connection is opened by sqlx with the
//! server's settings (WAL, synchronous=NORMAL, foreign keys on, 5 s busy timeout), read back to
//! be sure, and then driven directly: one prepared `INSERT` of `rows_per_txn` rows, bound, stepped
//! (an autocommit transaction of its own) and reset, back to back.
//!
//! The functions are SQLite's, linked into this binary already (sqlx bundles SQLite through
//! `libsqlite3-sys`); they are declared here rather than adding a dependency.

use std::ffi::{CStr, c_char, c_int, c_void};
use std::time::{Duration, Instant};

use sea_orm::DbBackend;
use sea_orm::sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqliteSynchronous,
};
use sea_orm::sqlx::{ConnectOptions as _, Connection as _};

use crate::common::{body_of, us_u32};
use crate::floor_plan::{Outcome, Plan, insert_sql};

const SQLITE_OK: c_int = 0;
const SQLITE_DONE: c_int = 101;

unsafe extern "C" {
    fn sqlite3_prepare_v2(
        db: *mut c_void,
        sql: *const c_char,
        bytes: c_int,
        statement: *mut *mut c_void,
        tail: *mut *const c_char,
    ) -> c_int;
    fn sqlite3_bind_int64(statement: *mut c_void, index: c_int, value: i64) -> c_int;
    fn sqlite3_bind_text(
        statement: *mut c_void,
        index: c_int,
        text: *const c_char,
        bytes: c_int,
        destructor: Option<unsafe extern "C" fn(*mut c_void)>,
    ) -> c_int;
    fn sqlite3_step(statement: *mut c_void) -> c_int;
    fn sqlite3_reset(statement: *mut c_void) -> c_int;
    fn sqlite3_finalize(statement: *mut c_void) -> c_int;
    fn sqlite3_errmsg(db: *mut c_void) -> *const c_char;
}

/// Runs one floor on a fresh connection to the file `options` names.
pub async fn run(
    options: SqliteConnectOptions,
    plan: &Plan,
    rows_per_txn: usize,
) -> Result<Outcome, String> {
    let mut conn: SqliteConnection = options
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5))
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .connect()
        .await
        .map_err(|e| format!("sqlite connect: {e}"))?;
    let settings = read_settings(&mut conn).await?;
    if settings != ("wal".to_owned(), 1, 1) {
        return Err(format!(
            "sqlite floor: connection settings (journal_mode, synchronous, foreign_keys) = {settings:?}, \
             not the server's (wal, 1 = NORMAL, 1)"
        ));
    }
    let outcome = {
        let mut handle = conn
            .lock_handle()
            .await
            .map_err(|e| format!("sqlite handle: {e}"))?;
        let db = handle.as_raw_handle().as_ptr().cast::<c_void>();
        // A tight loop of blocking calls: off the async scheduler's hands while it runs.
        tokio::task::block_in_place(|| {
            // SAFETY: `db` is a live connection, locked for this thread by `handle` (sqlx's
            // worker makes no call on it meanwhile); it outlives every statement made here.
            unsafe { insert_loop(db, plan, rows_per_txn) }
        })?
    };
    conn.close().await.map_err(|e| e.to_string())?;
    Ok(outcome)
}

async fn read_settings(conn: &mut SqliteConnection) -> Result<(String, i64, i64), String> {
    use sea_orm::sqlx::query_scalar;
    let journal: String = query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| e.to_string())?;
    let synchronous: i64 = query_scalar("PRAGMA synchronous")
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| e.to_string())?;
    let foreign_keys: i64 = query_scalar("PRAGMA foreign_keys")
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| e.to_string())?;
    Ok((journal.to_lowercase(), synchronous, foreign_keys))
}

/// # Safety
/// `db` must be an open SQLite connection no other thread uses while this runs.
unsafe fn insert_loop(
    db: *mut c_void,
    plan: &Plan,
    rows_per_txn: usize,
) -> Result<Outcome, String> {
    let sql = insert_sql(DbBackend::Sqlite, rows_per_txn);
    let mut statement: *mut c_void = std::ptr::null_mut();
    // SAFETY (every call below): `db` is valid (the caller's promise), `statement` is the one
    // prepared here until its finalize, and each bound text stays alive (in `texts`) until the
    // step that reads it is over; they are bound again before the next step.
    let rc = unsafe {
        sqlite3_prepare_v2(
            db,
            sql.as_ptr().cast(),
            sql.len() as c_int,
            &mut statement,
            std::ptr::null_mut(),
        )
    };
    if rc != SQLITE_OK {
        return Err(format!("prepare: {}", unsafe { message(db) }));
    }
    let mut out = Outcome::default();
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(plan.max_secs);
    let mut i: u64 = 0;
    let mut texts: Vec<String> = Vec::with_capacity(rows_per_txn * 2);
    while i < plan.count && Instant::now() < deadline {
        let t = Instant::now();
        let first = plan.seqs(rows_per_txn);
        let now = chrono::Utc::now()
            .format("%Y-%m-%dT%H:%M:%S%.6f+00:00")
            .to_string();
        texts.clear();
        for k in 0..rows_per_txn {
            texts.push(body_of(plan.body_bytes, i + k as u64));
            texts.push(now.clone());
        }
        let mut bound = SQLITE_OK;
        for k in 0..rows_per_txn {
            let (conversation, user) = plan.pair(i + k as u64);
            let at = (k * 5) as c_int;
            let (body, created) = (&texts[k * 2], &texts[k * 2 + 1]);
            unsafe {
                bound |= sqlite3_bind_int64(statement, at + 1, conversation);
                bound |= sqlite3_bind_int64(statement, at + 2, first - k as i64);
                bound |= sqlite3_bind_int64(statement, at + 3, user);
                bound |= sqlite3_bind_text(
                    statement,
                    at + 4,
                    body.as_ptr().cast(),
                    body.len() as c_int,
                    None,
                );
                bound |= sqlite3_bind_text(
                    statement,
                    at + 5,
                    created.as_ptr().cast(),
                    created.len() as c_int,
                    None,
                );
            }
        }
        let rc = if bound == SQLITE_OK {
            unsafe { sqlite3_step(statement) }
        } else {
            bound
        };
        if rc == SQLITE_DONE {
            out.txn_us.push(us_u32(t.elapsed()));
            out.rows += rows_per_txn as u64;
            out.txns += 1;
        } else {
            out.errors += 1;
            out.first_error
                .get_or_insert_with(|| format!("rc {rc}: {}", unsafe { message(db) }));
        }
        unsafe { sqlite3_reset(statement) };
        i += rows_per_txn as u64;
    }
    out.wall_s = started.elapsed().as_secs_f64();
    unsafe { sqlite3_finalize(statement) };
    Ok(out)
}

/// # Safety
/// `db` must be an open SQLite connection.
unsafe fn message(db: *mut c_void) -> String {
    unsafe { CStr::from_ptr(sqlite3_errmsg(db)) }
        .to_string_lossy()
        .into_owned()
}
