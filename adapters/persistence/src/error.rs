//! Failures of setting the database up, and the one conversion every repository uses for the rest.

use confab_domain::DomainError;
use sea_orm::DbErr;

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

/// Any database failure a port does not name: the text is for the log, never for a client.
pub(crate) fn internal(error: DbErr) -> DomainError {
    DomainError::Internal(error.to_string())
}
