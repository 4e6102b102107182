//! Attachments: the records of uploaded files (their bytes are in the file store).
//!
//! - `message_id` is null until a send takes the upload; the send sets it in its own transaction
//!   with `WHERE message_id IS NULL`, so two racing sends cannot both take one file.
//! - `attachments_by_message` serves a page's files in one statement (`message_id IN (…)`), in
//!   the order the sender named them (`position`).
//! - `attachments_unsent` is a partial index on the uploads not yet in a message, by age: what the
//!   orphan sweep reads, however many files were ever sent.
//! - Rows go with their conversation (`ON DELETE CASCADE`); a deleted message's rows are removed
//!   by the deletion itself.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

const TABLE: &str = "CREATE TABLE attachments (\
     id {pk}, \
     conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE, \
     user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE, \
     message_id BIGINT NULL REFERENCES messages (id) ON DELETE CASCADE, \
     position BIGINT NOT NULL DEFAULT 0, \
     name TEXT NOT NULL, \
     content_type TEXT NOT NULL, \
     size BIGINT NOT NULL, \
     sha256 TEXT NOT NULL, \
     width BIGINT NULL, \
     height BIGINT NULL, \
     thumbnail_type TEXT NULL, \
     thumbnail_size BIGINT NULL, \
     storage_key TEXT NOT NULL, \
     created_at {ts} NOT NULL)";

const INDEXES: &[&str] = &[
    "CREATE INDEX attachments_by_message ON attachments (message_id, position) \
     WHERE message_id IS NOT NULL",
    "CREATE INDEX attachments_unsent ON attachments (created_at) WHERE message_id IS NULL",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let (pk, ts) = if manager.get_database_backend() == DbBackend::Postgres {
            ("BIGSERIAL PRIMARY KEY", "TIMESTAMPTZ")
        } else {
            (
                "INTEGER PRIMARY KEY AUTOINCREMENT",
                "timestamp_with_timezone_text",
            )
        };
        let db = manager.get_connection();
        db.execute_unprepared(&TABLE.replace("{pk}", pk).replace("{ts}", ts))
            .await?;
        for sql in INDEXES {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE attachments")
            .await?;
        Ok(())
    }
}
