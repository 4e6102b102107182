//! Confab's storage adapter: SeaORM repositories for the domain's ports, on SQLite or PostgreSQL.
//!
//! The domain never sees a table. Entities and migrations live here; each repository turns rows into
//! domain values and database failures into [`DomainError`](confab_domain::DomainError)s as the ports
//! document them (a taken email is `Invalid`, a database out of reach is `Unavailable`,
//! everything else is `Internal`). The same behaviour suite runs against both databases.
//!
//! The clock and the send throttle (in memory, or in Redis when nodes share it) live here too: they are the other stateful outside-world pieces
//! the server needs, and neither deserves a crate of its own.

mod clock;
mod connection;
mod entities;
mod error;
mod login_throttle;
mod metrics;
mod migrations;
mod redis_counters;
mod redis_throttle;
mod repositories;
mod throttle;
mod typing_throttle;

pub use clock::SystemClock;
pub use connection::{connect, migrate, migrate_first, open, ping, sqlite_url_for};
pub use error::PersistenceError;
pub use login_throttle::{InMemoryLoginThrottle, RedisLoginThrottle};
pub use metrics::{PoolFigures, measure_statements, pool_figures};
pub use redis_throttle::RedisSendThrottle;
pub use repositories::{
    SeaAccountRepository, SeaAttachmentRepository, SeaConversationRepository, SeaExportRepository,
    SeaMailOutbox, SeaMessageRepository, SeaModerationRepository, SeaSessionStore,
    SeaUserRepository, SeaWebhookOutbox,
};
pub use throttle::InMemorySendThrottle;
pub use typing_throttle::{InMemoryTypingThrottle, RedisTypingThrottle};

/// The pool every repository holds, re-exported so callers need not name SeaORM to pass it around.
pub use sea_orm::DatabaseConnection;
