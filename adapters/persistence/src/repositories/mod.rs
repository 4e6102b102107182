//! The port implementations. Each repository holds a clone of the pool (cheap: it is an `Arc`).

mod account_deletion;
mod accounts;
mod attachment_rows;
mod attachments;
mod audit_log;
mod avatars;
mod batch_attachments;
mod batch_audience;
mod batch_mentions;
mod batch_statements;
mod batch_threads;
mod batches;
mod blocks;
mod conversations;
mod direct_uploads;
mod exports;
mod group_commit;
mod mail_outbox;
mod message_changes;
mod message_rows;
mod message_search;
mod messages;
mod moderation;
mod overviews;
mod reports;
mod room_state;
mod session_reads;
mod sessions;
mod sql;
mod threads;
mod user_names;
mod users;
mod webhook_outbox;

pub use accounts::SeaAccountRepository;
pub use attachments::SeaAttachmentRepository;
pub use conversations::SeaConversationRepository;
pub use exports::SeaExportRepository;
pub use mail_outbox::SeaMailOutbox;
pub use messages::SeaMessageRepository;
pub use moderation::SeaModerationRepository;
pub use sessions::SeaSessionStore;
pub use users::SeaUserRepository;
pub use webhook_outbox::SeaWebhookOutbox;

use confab_domain::DomainError;
use sea_orm::{SqlErr, sea_query::Value};

/// Whether a write failed on a unique index: the database is the only judge that two concurrent
/// requests cannot fool.
fn is_unique_violation(error: &sea_orm::DbErr) -> bool {
    matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// A stored value that no longer parses into the domain: a bug or a hand-edited row.
fn corrupt(what: &str, detail: impl std::fmt::Display) -> DomainError {
    DomainError::Internal(format!("stored {what} is invalid: {detail}"))
}

/// A count or sequence number as the databases store it (`BIGINT`); past `i64::MAX` is simply
/// "more than there can be".
fn to_db(n: u64) -> Value {
    to_db_i64(n).into()
}

fn to_db_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A stored count or sequence number. The one negative kind is the `seq` of a reply that is only
/// in its thread, read as 0: no place in the room's timeline.
fn from_db(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}
