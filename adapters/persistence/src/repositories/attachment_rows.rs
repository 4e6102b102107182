//! The shape of a stored attachment, and the files of a page of messages in one statement.

use std::collections::HashMap;

use confab_domain::{
    Attachment, AttachmentId, ConversationId, DomainError, FileName, ImageSize, MessageId,
    ThumbnailFile, Timestamp, UserId,
};
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Statement, Value};

use super::sql::Bound;
use super::{from_db, to_db, to_db_i64};
use crate::error::internal;

/// One row of `attachments`.
#[derive(Debug, FromQueryResult)]
pub(super) struct AttachmentRow {
    pub id: i64,
    pub conversation_id: i64,
    pub user_id: i64,
    pub message_id: Option<i64>,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub thumbnail_type: Option<String>,
    pub thumbnail_size: Option<i64>,
    pub storage_key: String,
    pub created_at: Timestamp,
}

/// The columns of [`AttachmentRow`] of `attachments a`.
pub(super) const ATTACHMENT_COLUMNS: &str = "a.id, a.conversation_id, a.user_id, a.message_id, \
     a.name, a.content_type, a.size, a.sha256, a.width, a.height, a.thumbnail_type, \
     a.thumbnail_size, a.storage_key, a.created_at";

/// The same columns as a `RETURNING` list (no table alias there).
pub(super) const RETURNED_COLUMNS: &str = "id, conversation_id, user_id, message_id, name, \
     content_type, size, sha256, width, height, thumbnail_type, thumbnail_size, storage_key, \
     created_at";

impl AttachmentRow {
    pub fn into_domain(self) -> Attachment {
        let side = |n: Option<i64>| n.and_then(|n| u32::try_from(n).ok());
        let image = match (side(self.width), side(self.height)) {
            (Some(width), Some(height)) => Some(ImageSize { width, height }),
            _ => None,
        };
        Attachment {
            id: AttachmentId(self.id),
            conversation_id: ConversationId(self.conversation_id),
            uploader: UserId(self.user_id),
            // Stored already made safe; sanitizing again changes nothing and keeps the type's
            // promise whatever the row holds.
            name: FileName::sanitize(&self.name),
            content_type: self.content_type,
            size: from_db(self.size),
            sha256: self.sha256,
            image,
            thumbnail: self.thumbnail_type.map(|content_type| ThumbnailFile {
                content_type,
                size: self.thumbnail_size.map_or(0, from_db),
            }),
            storage_key: self.storage_key,
            message_id: self.message_id.map(MessageId),
            created_at: self.created_at,
        }
    }
}

/// The files of each of `messages`, in the order their sender named them: one statement (none
/// for an empty list), an index range per message.
pub(super) async fn files_of(
    db: &impl ConnectionTrait,
    backend: DbBackend,
    messages: impl IntoIterator<Item = MessageId>,
) -> Result<HashMap<MessageId, Vec<Attachment>>, DomainError> {
    let mut bound = Bound::default();
    let ids = bound.list(messages.into_iter().map(|id| Value::from(id.get())));
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT {ATTACHMENT_COLUMNS} FROM attachments a \
         WHERE a.message_id IN ({ids}) ORDER BY a.message_id, a.position"
    );
    let rows = AttachmentRow::find_by_statement(bound.statement(backend, &sql))
        .all(db)
        .await
        .map_err(internal)?;
    let mut by_message: HashMap<MessageId, Vec<Attachment>> = HashMap::new();
    for row in rows {
        let attachment = row.into_domain();
        if let Some(message) = attachment.message_id {
            by_message.entry(message).or_default().push(attachment);
        }
    }
    Ok(by_message)
}

#[derive(Debug, FromQueryResult)]
struct NewId {
    id: i64,
}

/// Stores a record through `db` (the pool, or a completion's transaction).
pub(super) async fn insert_record(
    db: &impl ConnectionTrait,
    attachment: Attachment,
) -> Result<Attachment, DomainError> {
    let side = |n: Option<u32>| Value::from(n.map(i64::from));
    let inserted = NewId::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        "INSERT INTO attachments (conversation_id, user_id, name, content_type, size, sha256, \
             width, height, thumbnail_type, thumbnail_size, storage_key, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        vec![
            attachment.conversation_id.get().into(),
            attachment.uploader.get().into(),
            attachment.name.as_str().into(),
            attachment.content_type.as_str().into(),
            to_db(attachment.size),
            attachment.sha256.as_str().into(),
            side(attachment.image.map(|i| i.width)),
            side(attachment.image.map(|i| i.height)),
            Value::from(
                attachment
                    .thumbnail
                    .as_ref()
                    .map(|t| t.content_type.clone()),
            ),
            Value::from(attachment.thumbnail.as_ref().map(|t| to_db_i64(t.size))),
            attachment.storage_key.as_str().into(),
            attachment.created_at.into(),
        ],
    ))
    .one(db)
    .await
    .map_err(internal)?
    .ok_or_else(|| DomainError::Internal("an insert returned no id".into()))?;
    Ok(Attachment {
        id: AttachmentId(inserted.id),
        message_id: None,
        ..attachment
    })
}
