//! Message features: edits, tombstones, idempotent sends, replies, reactions and full-text search.
//!
//! - `messages.edited_at`, `messages.deleted_at` (a deleted message keeps its row, so sequence
//!   numbers, pages and unread counts do not move), `messages.client_id` with a unique index on
//!   `(conversation_id, user_id, client_id)` (the judge of a repeated send), and
//!   `messages.reply_to_id` (no foreign key: messages are only ever removed with their
//!   conversation, replies included).
//! - `message_reactions`: one row per (message, user, emoji); its unique index leads with
//!   `message_id`, which is what a page's reactions are read by.
//! - Search: on SQLite an FTS5 table over `messages.body` kept by triggers (external content, so
//!   the text is stored once; `unicode61` without diacritic folding, to split words as
//!   PostgreSQL's `simple` configuration does); on PostgreSQL a generated `tsvector` column with a
//!   GIN index. A tombstone's body is empty, so it leaves the index by the same path as an edit.
//!
//! Existing databases are upgraded in place; the search index is built from the rows stored.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// Timestamps as the earlier tables store them: `timestamptz` on PostgreSQL, RFC 3339 text on
/// SQLite (the type name SeaORM's schema builder gives it there).
const TIMESTAMP_POSTGRES: &str = "TIMESTAMPTZ";
const TIMESTAMP_SQLITE: &str = "timestamp_with_timezone_text";

const COMMON: &[&str] = &[
    "ALTER TABLE messages ADD COLUMN edited_at {ts} NULL",
    "ALTER TABLE messages ADD COLUMN deleted_at {ts} NULL",
    "ALTER TABLE messages ADD COLUMN client_id TEXT NULL",
    "ALTER TABLE messages ADD COLUMN reply_to_id BIGINT NULL",
    "CREATE UNIQUE INDEX messages_client_id_unique \
     ON messages (conversation_id, user_id, client_id) WHERE client_id IS NOT NULL",
];

const REACTIONS_SQLITE: &str = "CREATE TABLE message_reactions (\
     id INTEGER PRIMARY KEY AUTOINCREMENT, \
     message_id BIGINT NOT NULL REFERENCES messages (id) ON DELETE CASCADE, \
     user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE, \
     emoji TEXT NOT NULL, \
     created_at timestamp_with_timezone_text NOT NULL)";

const REACTIONS_POSTGRES: &str = "CREATE TABLE message_reactions (\
     id BIGSERIAL PRIMARY KEY, \
     message_id BIGINT NOT NULL REFERENCES messages (id) ON DELETE CASCADE, \
     user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE, \
     emoji TEXT NOT NULL, \
     created_at TIMESTAMPTZ NOT NULL)";

const REACTIONS_INDEX: &str = "CREATE UNIQUE INDEX message_reactions_unique \
     ON message_reactions (message_id, user_id, emoji)";

const SEARCH_SQLITE: &[&str] = &[
    "CREATE VIRTUAL TABLE messages_fts USING fts5(body, content = 'messages', \
     content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 0')",
    "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN \
     INSERT INTO messages_fts (rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN \
     INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages BEGIN \
     INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.id, old.body); \
     INSERT INTO messages_fts (rowid, body) VALUES (new.id, new.body); END",
    "INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')",
];

const SEARCH_POSTGRES: &[&str] = &[
    "ALTER TABLE messages ADD COLUMN body_search tsvector \
     GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED",
    "CREATE INDEX messages_body_search_index ON messages USING GIN (body_search)",
];

const DOWN_SQLITE: &[&str] = &[
    "DROP TRIGGER messages_fts_update",
    "DROP TRIGGER messages_fts_delete",
    "DROP TRIGGER messages_fts_insert",
    "DROP TABLE messages_fts",
];

const DOWN_POSTGRES: &[&str] = &[
    "DROP INDEX messages_body_search_index",
    "ALTER TABLE messages DROP COLUMN body_search",
];

const DOWN_COMMON: &[&str] = &[
    "DROP TABLE message_reactions",
    "DROP INDEX messages_client_id_unique",
    "ALTER TABLE messages DROP COLUMN reply_to_id",
    "ALTER TABLE messages DROP COLUMN client_id",
    "ALTER TABLE messages DROP COLUMN deleted_at",
    "ALTER TABLE messages DROP COLUMN edited_at",
];

async fn run(manager: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    let ts = if manager.get_database_backend() == DbBackend::Postgres {
        TIMESTAMP_POSTGRES
    } else {
        TIMESTAMP_SQLITE
    };
    let db = manager.get_connection();
    for sql in statements {
        db.execute_unprepared(&sql.replace("{ts}", ts)).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, COMMON).await?;
        let postgres = manager.get_database_backend() == DbBackend::Postgres;
        let reactions = if postgres {
            REACTIONS_POSTGRES
        } else {
            REACTIONS_SQLITE
        };
        run(manager, &[reactions, REACTIONS_INDEX]).await?;
        run(
            manager,
            if postgres {
                SEARCH_POSTGRES
            } else {
                SEARCH_SQLITE
            },
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let postgres = manager.get_database_backend() == DbBackend::Postgres;
        run(manager, if postgres { DOWN_POSTGRES } else { DOWN_SQLITE }).await?;
        run(manager, DOWN_COMMON).await
    }
}
