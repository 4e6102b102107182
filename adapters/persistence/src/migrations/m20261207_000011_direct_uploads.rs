//! Direct uploads: one row per announced upload (`POST …/attachments/uploads`) until it is
//! completed (the row becomes an `attachments` row in one transaction) or expires (the sweep
//! removes it and whatever bytes arrived). Kept apart from `attachments` so that an upload whose
//! bytes were never checked can never be sent or downloaded.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

const TABLE: &str = "CREATE TABLE attachment_uploads (\
     id TEXT PRIMARY KEY, \
     conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE, \
     user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE, \
     name TEXT NOT NULL, \
     size BIGINT NOT NULL, \
     sha256 TEXT NOT NULL, \
     storage_key TEXT NOT NULL, \
     created_at {ts} NOT NULL, \
     expires_at {ts} NOT NULL)";

const INDEX: &str = "CREATE INDEX attachment_uploads_by_expiry ON attachment_uploads (expires_at)";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let ts = if manager.get_database_backend() == DbBackend::Postgres {
            "TIMESTAMPTZ"
        } else {
            "timestamp_with_timezone_text"
        };
        let db = manager.get_connection();
        db.execute_unprepared(&TABLE.replace("{ts}", ts)).await?;
        db.execute_unprepared(INDEX).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE attachment_uploads")
            .await?;
        Ok(())
    }
}
