//! Data exports (migration 17's `data_exports`) and the reads that fill one. Every read is one
//! statement over one index range (`messages_by_author`, `message_reactions_by_user`,
//! `attachments_by_uploader`, each ending in the order it pages by), so a page costs the same
//! however much everyone else wrote.

use async_trait::async_trait;
use confab_domain::ports::ExportRepository;
use confab_domain::{
    AccountToken, Attachment, AttachmentId, AuthoredMessage, ConversationId, DataExport,
    DomainError, ExportFile, GivenReaction, Mail, MessageId, NewToken, Timestamp, User, UserId,
};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, FromQueryResult, Statement, TransactionTrait, Value,
};

use super::accounts::hash;
use super::attachment_rows::{ATTACHMENT_COLUMNS, AttachmentRow};
use super::mail_outbox::enqueue;
use super::{from_db, to_db};
use crate::error::internal;
use rows::{EXPORT_COLUMNS, Expired, ExportRow, Id, MessageRow, ReactionRow};

mod rows;

/// [`ExportRepository`] on SeaORM.
#[derive(Debug, Clone)]
pub struct SeaExportRepository {
    db: DatabaseConnection,
}

impl SeaExportRepository {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    fn statement(&self, sql: &str, values: Vec<Value>) -> Statement {
        Statement::from_sql_and_values(self.db.get_database_backend(), sql, values)
    }

    /// Every row `sql` returns, as `R`.
    async fn all<R: FromQueryResult>(
        &self,
        sql: &str,
        values: Vec<Value>,
    ) -> Result<Vec<R>, DomainError> {
        R::find_by_statement(self.statement(sql, values))
            .all(&self.db)
            .await
            .map_err(internal)
    }

    async fn one(&self, sql: &str, values: Vec<Value>) -> Result<Option<DataExport>, DomainError> {
        ExportRow::find_by_statement(self.statement(sql, values))
            .one(&self.db)
            .await
            .map_err(internal)?
            .map(ExportRow::into_domain)
            .transpose()
    }
}

/// A page size as a SQL value.
fn limit_of(limit: usize) -> Value {
    Value::from(i64::try_from(limit).unwrap_or(i64::MAX))
}

#[async_trait]
impl ExportRepository for SeaExportRepository {
    async fn latest(&self, user: UserId) -> Result<Option<DataExport>, DomainError> {
        self.one(
            &format!(
                "SELECT {EXPORT_COLUMNS} FROM data_exports WHERE user_id = $1 \
                 ORDER BY id DESC LIMIT 1"
            ),
            vec![Value::from(user.get())],
        )
        .await
    }

    /// `data_exports_under_way` lets one queued-or-building row per person in; a second
    /// request at the same moment inserts nothing and is given the first.
    async fn request(
        &self,
        user: UserId,
        now: Timestamp,
    ) -> Result<(DataExport, bool), DomainError> {
        let inserted = self
            .one(
                &format!(
                    "INSERT INTO data_exports (user_id, state, requested_at, due_at, attempts) \
                     VALUES ($1, 'queued', $2, $2, 0) ON CONFLICT DO NOTHING \
                     RETURNING {EXPORT_COLUMNS}"
                ),
                vec![Value::from(user.get()), Value::from(now)],
            )
            .await?;
        if let Some(export) = inserted {
            return Ok((export, true));
        }
        let under_way = self.latest(user).await?.ok_or_else(|| {
            DomainError::Internal("an export under way vanished while queuing another".into())
        })?;
        Ok((under_way, false))
    }

    /// Of two nodes claiming at once, the `due_at` check in the `UPDATE` (read again under the
    /// row's lock) gives the export to one.
    async fn claim(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
    ) -> Result<Option<DataExport>, DomainError> {
        self.one(
            &format!(
                "UPDATE data_exports SET state = 'building', due_at = $1, attempts = attempts + 1 \
                 WHERE id IN (SELECT id FROM data_exports \
                     WHERE state IN ('queued', 'building') AND due_at <= $2 \
                     ORDER BY due_at, id LIMIT 1) \
                 AND due_at <= $2 \
                 RETURNING {EXPORT_COLUMNS}"
            ),
            vec![Value::from(lease_until), Value::from(now)],
        )
        .await
    }

    async fn finish(
        &self,
        export: i64,
        archive: ExportFile,
        token: NewToken,
        user: &User,
    ) -> Result<bool, DomainError> {
        let txn = self.db.begin().await.map_err(internal)?;
        let stored = txn
            .execute_raw(self.statement(
                "UPDATE data_exports SET state = 'ready', finished_at = $2, expires_at = $3, \
                 storage_key = $4, size = $5, sha256 = $6, token_hash = $7 WHERE id = $1",
                vec![
                    Value::from(export),
                    Value::from(token.created_at),
                    Value::from(token.expires_at),
                    Value::from(archive.storage_key),
                    to_db(archive.size),
                    Value::from(archive.sha256),
                    Value::from(hash(&token.secret)),
                ],
            ))
            .await
            .map_err(internal)?;
        if stored.rows_affected() == 0 {
            // Deleted with its account meanwhile: no mail to an address that is gone.
            return Ok(false);
        }
        enqueue(&txn, &Mail::carrying(&token, user), token.created_at).await?;
        txn.commit().await.map_err(internal)?;
        Ok(true)
    }

    async fn failed(&self, export: i64, retry_at: Option<Timestamp>) -> Result<(), DomainError> {
        let (sql, values) = match retry_at {
            Some(at) => (
                "UPDATE data_exports SET state = 'queued', due_at = $2 WHERE id = $1",
                vec![Value::from(export), Value::from(at)],
            ),
            None => (
                "UPDATE data_exports SET state = 'failed' WHERE id = $1",
                vec![Value::from(export)],
            ),
        };
        self.db
            .execute_raw(self.statement(sql, values))
            .await
            .map_err(internal)?;
        Ok(())
    }

    async fn by_download_token(
        &self,
        token: &AccountToken,
    ) -> Result<Option<DataExport>, DomainError> {
        self.one(
            &format!(
                "SELECT {EXPORT_COLUMNS} FROM data_exports \
                 WHERE token_hash = $1 AND state = 'ready'"
            ),
            vec![Value::from(hash(token))],
        )
        .await
    }

    /// The link's token goes with the archive: an expired export's link matches nothing.
    async fn take_expired(
        &self,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<ExportFile>, DomainError> {
        let rows: Vec<Expired> = self
            .all(
                "UPDATE data_exports SET state = 'expired', token_hash = NULL \
             WHERE id IN (SELECT id FROM data_exports \
                 WHERE state = 'ready' AND expires_at <= $1 ORDER BY expires_at LIMIT $2) \
             AND state = 'ready' \
             RETURNING storage_key, size, sha256",
                vec![Value::from(now), limit_of(limit)],
            )
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                Some(ExportFile {
                    storage_key: row.storage_key?,
                    size: from_db(row.size?),
                    sha256: row.sha256?,
                })
            })
            .collect())
    }

    /// One probe of `messages_by_author` per room after `after`.
    async fn rooms_written_in(
        &self,
        user: UserId,
        after: Option<ConversationId>,
        limit: usize,
    ) -> Result<Vec<ConversationId>, DomainError> {
        let rows: Vec<Id> = self
            .all(
                "SELECT c.id FROM conversations c WHERE c.id > $2 AND EXISTS (\
                 SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.user_id = $1 \
                 AND m.deleted_at IS NULL) \
             ORDER BY c.id LIMIT $3",
                vec![
                    Value::from(user.get()),
                    Value::from(after.map_or(0, ConversationId::get)),
                    limit_of(limit),
                ],
            )
            .await?;
        Ok(rows.into_iter().map(|row| ConversationId(row.id)).collect())
    }

    /// `seq >= $3` bounds the index range; the `OR` only orders the replies that share seq 0.
    async fn messages_written(
        &self,
        user: UserId,
        room: ConversationId,
        after: Option<(u64, MessageId)>,
        limit: usize,
    ) -> Result<Vec<AuthoredMessage>, DomainError> {
        let (seq, id) = after.map_or((Value::from(-1_i64), Value::from(0_i64)), |(seq, id)| {
            (to_db(seq), Value::from(id.get()))
        });
        let rows: Vec<MessageRow> = self
            .all(
            "SELECT id, conversation_id, seq, body, created_at, edited_at, reply_to_id, thread_id \
             FROM messages WHERE conversation_id = $1 AND user_id = $2 AND deleted_at IS NULL \
             AND seq >= $3 AND (seq > $3 OR id > $4) \
             ORDER BY seq, id LIMIT $5",
            vec![
                Value::from(room.get()),
                Value::from(user.get()),
                seq,
                id,
                limit_of(limit),
            ],
        )
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| AuthoredMessage {
                id: MessageId(row.id),
                conversation_id: ConversationId(row.conversation_id),
                seq: from_db(row.seq),
                body: row.body,
                created_at: row.created_at,
                edited_at: row.edited_at,
                reply_to: row.reply_to_id.map(MessageId),
                thread_id: row.thread_id.map(MessageId),
            })
            .collect())
    }

    async fn reactions_given(
        &self,
        user: UserId,
        after: Option<i64>,
        limit: usize,
    ) -> Result<Vec<GivenReaction>, DomainError> {
        let rows: Vec<ReactionRow> = self
            .all(
                "SELECT r.id, r.message_id, m.conversation_id, r.emoji, r.created_at \
             FROM message_reactions r JOIN messages m ON m.id = r.message_id \
             WHERE r.user_id = $1 AND r.id > $2 ORDER BY r.id LIMIT $3",
                vec![
                    Value::from(user.get()),
                    Value::from(after.unwrap_or(0)),
                    limit_of(limit),
                ],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| GivenReaction {
                id: row.id,
                message_id: MessageId(row.message_id),
                conversation_id: ConversationId(row.conversation_id),
                emoji: row.emoji,
                created_at: row.created_at,
            })
            .collect())
    }

    async fn files_uploaded(
        &self,
        user: UserId,
        after: Option<AttachmentId>,
        limit: usize,
    ) -> Result<Vec<Attachment>, DomainError> {
        let rows: Vec<AttachmentRow> = self
            .all(
                &format!(
                    "SELECT {ATTACHMENT_COLUMNS} FROM attachments a \
                 WHERE a.user_id = $1 AND a.id > $2 ORDER BY a.id LIMIT $3"
                ),
                vec![
                    Value::from(user.get()),
                    Value::from(after.map_or(0, |id| id.0)),
                    limit_of(limit),
                ],
            )
            .await?;
        Ok(rows.into_iter().map(AttachmentRow::into_domain).collect())
    }
}
