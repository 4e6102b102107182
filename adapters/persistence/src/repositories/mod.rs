//! The port implementations. Each repository holds a clone of the pool (cheap: it is an `Arc`).

mod conversations;
mod known_users;
mod messages;
mod overviews;
mod users;

pub use conversations::SeaConversationRepository;
pub use messages::SeaMessageRepository;
pub use users::SeaUserRepository;

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

/// Page bounds as SQL wants them; an offset past `i64::MAX` is simply past the end.
fn limit_offset(page: confab_domain::PageRequest) -> (Value, Value) {
    let clamp = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    (clamp(page.per_page()).into(), clamp(page.offset()).into())
}
