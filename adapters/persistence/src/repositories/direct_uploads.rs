//! The statements of direct uploads (see the `attachment_uploads` migration): announce, read,
//! complete (the announcement becomes the attachment in one transaction) and the sweep of
//! expired ones.

use confab_domain::{
    Attachment, ConversationId, DirectUpload, DomainError, FileName, Timestamp, UserId,
};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, FromQueryResult, Statement, TransactionTrait,
    Value,
};

use super::attachment_rows::insert_record;
use super::{from_db, to_db};
use crate::error::internal;

#[derive(Debug, FromQueryResult)]
struct UploadRow {
    id: String,
    conversation_id: i64,
    user_id: i64,
    name: String,
    size: i64,
    sha256: String,
    storage_key: String,
    created_at: Timestamp,
    expires_at: Timestamp,
}

const COLUMNS: &str =
    "id, conversation_id, user_id, name, size, sha256, storage_key, created_at, expires_at";

impl UploadRow {
    fn into_domain(self) -> DirectUpload {
        DirectUpload {
            id: self.id,
            conversation_id: ConversationId(self.conversation_id),
            uploader: UserId(self.user_id),
            name: FileName::sanitize(&self.name),
            size: from_db(self.size),
            sha256: self.sha256,
            storage_key: self.storage_key,
            created_at: self.created_at,
            expires_at: self.expires_at,
        }
    }
}

fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(backend, sql, values)
}

pub(super) async fn announce(
    db: &DatabaseConnection,
    upload: DirectUpload,
) -> Result<(), DomainError> {
    let sql = format!(
        "INSERT INTO attachment_uploads ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    );
    db.execute_raw(statement(
        db.get_database_backend(),
        &sql,
        vec![
            upload.id.into(),
            upload.conversation_id.get().into(),
            upload.uploader.get().into(),
            upload.name.as_str().into(),
            to_db(upload.size),
            upload.sha256.into(),
            upload.storage_key.into(),
            upload.created_at.into(),
            upload.expires_at.into(),
        ],
    ))
    .await
    .map_err(internal)?;
    Ok(())
}

pub(super) async fn announced(
    db: &DatabaseConnection,
    id: &str,
) -> Result<Option<DirectUpload>, DomainError> {
    let sql = format!("SELECT {COLUMNS} FROM attachment_uploads WHERE id = $1");
    let row =
        UploadRow::find_by_statement(statement(db.get_database_backend(), &sql, vec![id.into()]))
            .one(db)
            .await
            .map_err(internal)?;
    Ok(row.map(UploadRow::into_domain))
}

/// The announcement's row is deleted and the attachment's inserted in one transaction; a second
/// completion finds no row to delete and stores nothing.
pub(super) async fn complete(
    db: &DatabaseConnection,
    upload_id: &str,
    attachment: Attachment,
) -> Result<Option<Attachment>, DomainError> {
    let txn = db.begin().await.map_err(internal)?;
    let taken = txn
        .execute_raw(statement(
            db.get_database_backend(),
            "DELETE FROM attachment_uploads WHERE id = $1",
            vec![upload_id.into()],
        ))
        .await
        .map_err(internal)?
        .rows_affected();
    if taken == 0 {
        txn.rollback().await.map_err(internal)?;
        return Ok(None);
    }
    let stored = insert_record(&txn, attachment).await?;
    txn.commit().await.map_err(internal)?;
    Ok(Some(stored))
}

/// One `DELETE … RETURNING` of the oldest expired announcements (see the attachments' sweep).
pub(super) async fn take_expired(
    db: &DatabaseConnection,
    cutoff: Timestamp,
    limit: u64,
) -> Result<Vec<DirectUpload>, DomainError> {
    let backend = db.get_database_backend();
    let skip_locked = if backend == DbBackend::Postgres {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let sql = format!(
        "DELETE FROM attachment_uploads WHERE id IN (SELECT id FROM attachment_uploads \
             WHERE expires_at < $1 ORDER BY expires_at LIMIT $2{skip_locked}) \
         RETURNING {COLUMNS}"
    );
    let rows =
        UploadRow::find_by_statement(statement(backend, &sql, vec![cutoff.into(), to_db(limit)]))
            .all(db)
            .await
            .map_err(internal)?;
    Ok(rows.into_iter().map(UploadRow::into_domain).collect())
}
