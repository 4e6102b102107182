//! Attachments (the domain's `AttachmentRepository`): the records of uploaded files. A send takes
//! them into its message in its own transaction (`batch_attachments`); a deletion removes them
//! with the message (`message_changes`); the sweep below removes uploads never sent.

use async_trait::async_trait;
use confab_domain::ports::AttachmentRepository;
use confab_domain::{
    Attachment, AttachmentId, DirectUpload, DomainError, DownloadFacts, Timestamp, UserId,
};
use sea_orm::{DatabaseConnection, DbBackend, FromQueryResult, Statement, Value};

use super::attachment_rows::{ATTACHMENT_COLUMNS, AttachmentRow, RETURNED_COLUMNS, insert_record};
use super::direct_uploads;
use super::to_db;
use crate::error::internal;

/// [`AttachmentRepository`] on SeaORM.
#[derive(Debug, Clone)]
pub struct SeaAttachmentRepository {
    db: DatabaseConnection,
}

impl SeaAttachmentRepository {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    fn statement(&self, sql: &str, values: Vec<Value>) -> Statement {
        Statement::from_sql_and_values(self.db.get_database_backend(), sql, values)
    }
}

/// A record with whether the viewer is in its room.
#[derive(Debug, FromQueryResult)]
struct Visible {
    #[sea_orm(nested)]
    row: AttachmentRow,
    participant: i64,
}

#[async_trait]
impl AttachmentRepository for SeaAttachmentRepository {
    async fn insert(&self, attachment: Attachment) -> Result<Attachment, DomainError> {
        insert_record(&self.db, attachment).await
    }

    /// One statement: the record by primary key, and the viewer's membership by the
    /// participants' primary index.
    async fn find_for(
        &self,
        id: AttachmentId,
        viewer: Option<UserId>,
    ) -> Result<Option<(Attachment, DownloadFacts)>, DomainError> {
        let sql = format!(
            "SELECT {ATTACHMENT_COLUMNS}, CAST(CASE WHEN EXISTS (SELECT 1 FROM participants p \
                    WHERE p.conversation_id = a.conversation_id AND p.user_id = $2) \
                    THEN 1 ELSE 0 END AS BIGINT) AS participant \
             FROM attachments a WHERE a.id = $1"
        );
        let found = Visible::find_by_statement(
            self.statement(&sql, vec![id.get().into(), viewer.map(UserId::get).into()]),
        )
        .one(&self.db)
        .await
        .map_err(internal)?;
        Ok(found.map(|v| {
            let facts = DownloadFacts {
                participant: v.participant > 0,
            };
            (v.row.into_domain(), facts)
        }))
    }

    async fn announce(&self, upload: DirectUpload) -> Result<(), DomainError> {
        direct_uploads::announce(&self.db, upload).await
    }

    async fn announced(&self, id: &str) -> Result<Option<DirectUpload>, DomainError> {
        direct_uploads::announced(&self.db, id).await
    }

    async fn complete(
        &self,
        upload_id: &str,
        attachment: Attachment,
    ) -> Result<Option<Attachment>, DomainError> {
        direct_uploads::complete(&self.db, upload_id, attachment).await
    }

    async fn take_expired_announcements(
        &self,
        cutoff: Timestamp,
        limit: u64,
    ) -> Result<Vec<DirectUpload>, DomainError> {
        direct_uploads::take_expired(&self.db, cutoff, limit).await
    }

    /// One `DELETE … RETURNING` of the oldest unsent uploads: a row deleted by one node is not
    /// returned to another (PostgreSQL skips the rows another sweep holds; SQLite has one writer).
    async fn take_orphans(
        &self,
        cutoff: Timestamp,
        limit: u64,
    ) -> Result<Vec<Attachment>, DomainError> {
        let skip_locked = if self.db.get_database_backend() == DbBackend::Postgres {
            " FOR UPDATE SKIP LOCKED"
        } else {
            ""
        };
        let sql = format!(
            "DELETE FROM attachments WHERE id IN (SELECT id FROM attachments \
                 WHERE message_id IS NULL AND created_at < $1 \
                 ORDER BY created_at LIMIT $2{skip_locked}) \
             AND message_id IS NULL RETURNING {RETURNED_COLUMNS}"
        );
        let rows = AttachmentRow::find_by_statement(
            self.statement(&sql, vec![cutoff.into(), to_db(limit)]),
        )
        .all(&self.db)
        .await
        .map_err(internal)?;
        Ok(rows.into_iter().map(AttachmentRow::into_domain).collect())
    }
}
