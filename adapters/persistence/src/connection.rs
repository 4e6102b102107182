//! Opening, migrating and probing the database.
//!
//! SQLite needs more care than PostgreSQL to serve a multi-task server: WAL so readers never wait
//! for the writer, a busy timeout so a writer waits for another writer instead of failing, and
//! foreign keys switched on (SQLite leaves them off by default, per connection).

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use sea_orm_migration::MigratorTrait;

use crate::PersistenceError;
use crate::migrations::Migrator;

/// How long a SQLite writer waits for another writer before giving up with "database is locked".
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// SQLite has one writer at a time whatever the pool size; a few connections let reads run beside it.
const SQLITE_POOL_SIZE: u32 = 4;
/// Enough for two cores' worth of request handlers without exhausting a small PostgreSQL's
/// `max_connections` (100 by default) when a few instances run side by side.
const POSTGRES_POOL_SIZE: u32 = 10;
/// How long a request waits for a connection: past it the database counts as away and the client
/// is told so (503) well within 2 s, instead of hanging while it is down.
const ACQUIRE_TIMEOUT: Duration = Duration::from_millis(1500);

/// Opens a pool for `sqlite://path?mode=rwc` (creating the file's directory) or `postgres://…`.
///
/// # Errors
/// `UnsupportedUrl` for another scheme, `CreateDirectory` when the SQLite file's directory cannot
/// be made, `Connect` when the database cannot be reached.
pub async fn connect(url: &str) -> Result<DatabaseConnection, PersistenceError> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .acquire_timeout(ACQUIRE_TIMEOUT)
        // sqlx logs every statement at INFO otherwise; a chat server would log every message twice.
        .sqlx_logging(false);
    if url.starts_with("sqlite:") {
        let parsed = SqliteConnectOptions::from_str(url).map_err(|e| {
            PersistenceError::Connect(sea_orm::DbErr::Conn(sea_orm::RuntimeErr::Internal(
                e.to_string(),
            )))
        })?;
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        if !in_memory {
            create_parent_directory(parsed.get_filename())?;
        }
        // An in-memory database exists once per connection: one connection, or tables vanish.
        options.max_connections(if in_memory { 1 } else { SQLITE_POOL_SIZE });
        options.map_sqlx_sqlite_opts(move |opts| {
            let opts = opts.foreign_keys(true).busy_timeout(SQLITE_BUSY_TIMEOUT);
            if in_memory {
                opts
            } else {
                // NORMAL is durable across application crashes in WAL mode, and much faster than FULL.
                opts.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
            }
        });
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        options.max_connections(POSTGRES_POOL_SIZE);
        // No JIT: every statement here is an index probe answered in about a millisecond, but the
        // planner prices a full-text match at a fixed 0.5 % of the table, so at 10M messages a
        // one-row search crossed `jit_above_cost` and spent ~500 ms compiling (the history
        // benchmark caught it; with JIT off the same search takes 0.5 ms).
        options.map_sqlx_postgres_opts(|opts| opts.options([("jit", "off")]));
    } else {
        return Err(PersistenceError::UnsupportedUrl(redact(url)));
    }
    let db = Database::connect(options)
        .await
        .map_err(PersistenceError::Connect)?;
    tracing::debug!(backend = ?db.get_database_backend(), "database pool open");
    Ok(db)
}

/// Brings the schema up to date; already applied migrations are skipped, so it runs at every start.
///
/// # Errors
/// `Migrate` when a migration fails.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), PersistenceError> {
    Migrator::up(db, None)
        .await
        .map_err(PersistenceError::Migrate)
}

/// Opens the pool a server runs on, its schema up to date. The migrations run on a pool of their
/// own, closed before the server's is opened: sqlx keeps prepared statements per connection, and a
/// SQLite connection that was in the pool while a migration changed a table can hand back rows
/// shaped by the old schema (seen as "missing value for column" right after an upgrade).
///
/// # Errors
/// As [`connect`] and [`migrate`].
pub async fn open(url: &str) -> Result<DatabaseConnection, PersistenceError> {
    let migrating = connect(url).await?;
    migrate(&migrating).await?;
    migrating.close().await.ok();
    connect(url).await
}

/// Applies only the first `count` pending migrations, leaving the schema as an older Confab left
/// it: the upgrade tests build such a database, fill it, then run [`migrate`] on it.
///
/// # Errors
/// `Migrate` when a migration fails.
#[doc(hidden)]
pub async fn migrate_first(db: &DatabaseConnection, count: u32) -> Result<(), PersistenceError> {
    Migrator::up(db, Some(count))
        .await
        .map_err(PersistenceError::Migrate)
}

/// Whether the database answers, for a health check. Never an error: "no" is the answer.
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.ping().await.is_ok()
}

/// The URL [`connect`] wants for a SQLite file, created if missing. Characters that mean something
/// in a URL are escaped so any path works.
pub fn sqlite_url_for(path: &Path) -> String {
    let mut escaped = String::new();
    for c in path.to_string_lossy().chars() {
        match c {
            '%' => escaped.push_str("%25"),
            '?' => escaped.push_str("%3F"),
            '#' => escaped.push_str("%23"),
            c => escaped.push(c),
        }
    }
    format!("sqlite://{escaped}?mode=rwc")
}

fn create_parent_directory(file: &Path) -> Result<(), PersistenceError> {
    match file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => {
            std::fs::create_dir_all(dir).map_err(|source| PersistenceError::CreateDirectory {
                path: dir.to_owned(),
                source,
            })
        }
        _ => Ok(()),
    }
}

/// A URL may carry a password; an error message must not.
fn redact(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, _)) => format!("{scheme}://…"),
        None => "…".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_url_escapes_characters_that_would_end_the_path() {
        assert_eq!(
            sqlite_url_for(Path::new("/tmp/a?b#c%d.db")),
            "sqlite:///tmp/a%3Fb%23c%25d.db?mode=rwc"
        );
    }

    #[test]
    fn sqlite_url_round_trips_through_the_driver_parser() {
        let url = sqlite_url_for(Path::new("/tmp/x y/conf?ab.db"));
        let parsed = SqliteConnectOptions::from_str(&url).unwrap();
        assert_eq!(parsed.get_filename(), Path::new("/tmp/x y/conf?ab.db"));
    }

    #[test]
    fn unsupported_url_names_no_credentials() {
        assert_eq!(redact("mysql://root:secret@db/x"), "mysql://…");
    }
}
