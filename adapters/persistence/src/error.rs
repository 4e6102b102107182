//! Failures of setting the database up, and the one conversion every repository uses for the rest.

use confab_domain::DomainError;
use sea_orm::{DbErr, RuntimeErr};

/// Why the database could not be opened or prepared. Only startup sees these; once the server runs,
/// repository failures are [`DomainError::Internal`].
#[derive(Debug, thiserror::Error)]
pub enum PersistenceError {
    /// The URL names a database this adapter does not speak.
    #[error("unsupported database URL {0:?}: use sqlite://… or postgres://…")]
    UnsupportedUrl(String),

    /// The directory of a SQLite file could not be created.
    #[error("cannot create the directory {path}: {source}")]
    CreateDirectory {
        path: std::path::PathBuf,
        source: std::io::Error,
    },

    /// The URL parsed but the server or file could not be reached.
    #[error("cannot connect to the database: {0}")]
    Connect(#[source] DbErr),

    /// A migration failed; the schema may be half-way (each migration is its own transaction on
    /// PostgreSQL, so re-running picks up where it stopped).
    #[error("cannot migrate the database: {0}")]
    Migrate(#[source] DbErr),
}

/// Any database failure a port does not name: `Unavailable` when the database could not be
/// reached at all (so the client is told to retry, quickly), `Internal` otherwise. The text is for
/// the log, never for a client.
pub(crate) fn internal(error: DbErr) -> DomainError {
    if is_unreachable(&error) {
        DomainError::Unavailable(error.to_string())
    } else {
        DomainError::Internal(error.to_string())
    }
}

/// No connection could be had, or the one in use broke: the database is away, not wrong.
fn is_unreachable(error: &DbErr) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    match error {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Query(RuntimeErr::SqlxError(cause)) | DbErr::Exec(RuntimeErr::SqlxError(cause)) => {
            matches!(
                cause.as_ref(),
                Sqlx::Io(_) | Sqlx::PoolTimedOut | Sqlx::PoolClosed | Sqlx::WorkerCrashed
            )
        }
        _ => false,
    }
}
