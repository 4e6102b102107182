//! Changes to a message after it was sent: edit, delete (into a tombstone) and reactions. Each is
//! one short transaction on the message's row, whatever the history's size; with webhooks on,
//! the event telling the change is stored in that transaction too.

use confab_domain::reaction::ensure_room_for;
use confab_domain::{
    DomainError, Emoji, MessageBody, MessageId, ReactionAction, RealtimeEvent, Timestamp, UserId,
};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, FromQueryResult,
    Statement, TransactionTrait, Value,
};

use super::message_rows::{NO_VIEWER, view_of};
use super::webhook_outbox::Webhooks;
use crate::error::internal;

fn statement(db: &impl ConnectionTrait, sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(db.get_database_backend(), sql, values)
}

#[derive(Debug, FromQueryResult)]
struct State {
    deleted_at: Option<Timestamp>,
    closed_at: Option<Timestamp>,
}

#[derive(Debug, FromQueryResult)]
struct Present {
    emoji: String,
}

/// One `UPDATE`, conditional on the message still being live and its room open; when it changes
/// nothing, one more read says which of the two stopped it. With webhooks on, the update and its
/// `message.updated` (the message as the update left it) are one transaction.
pub(super) async fn edit(
    db: &DatabaseConnection,
    webhooks: &Webhooks,
    id: MessageId,
    body: &MessageBody,
    at: Timestamp,
) -> Result<(), DomainError> {
    if !webhooks.are_on() {
        return edit_in(db, id, body, at).await;
    }
    let txn = db.begin().await.map_err(internal)?;
    if let Err(refused) = edit_in(&txn, id, body, at).await {
        txn.rollback().await.map_err(internal)?;
        return Err(refused);
    }
    if let Some(message) = view_of(&txn, id, NO_VIEWER).await? {
        webhooks
            .record(&txn, &[RealtimeEvent::MessageUpdated { message }])
            .await?;
    }
    txn.commit().await.map_err(internal)
}

async fn edit_in(
    db: &impl ConnectionTrait,
    id: MessageId,
    body: &MessageBody,
    at: Timestamp,
) -> Result<(), DomainError> {
    let updated = db
        .execute_raw(statement(
            db,
            "UPDATE messages SET body = $1, edited_at = $2 \
             WHERE id = $3 AND deleted_at IS NULL AND EXISTS (SELECT 1 FROM conversations c \
                   WHERE c.id = messages.conversation_id AND c.closed_at IS NULL)",
            vec![body.as_str().into(), at.into(), id.get().into()],
        ))
        .await
        .map_err(internal)?;
    if updated.rows_affected() == 1 {
        return Ok(());
    }
    let state = State::find_by_statement(statement(
        db,
        "SELECT m.deleted_at, c.closed_at FROM messages m \
         JOIN conversations c ON c.id = m.conversation_id WHERE m.id = $1",
        vec![id.get().into()],
    ))
    .one(db)
    .await
    .map_err(internal)?;
    Err(match state {
        Some(State {
            deleted_at: Some(_),
            ..
        }) => DomainError::MessageDeleted,
        Some(State {
            closed_at: Some(_), ..
        }) => DomainError::ClosedRoomIsReadOnly,
        _ => DomainError::MessageNotFound,
    })
}

/// The tombstone and the end of its reactions, in one transaction; `None` when it already was one.
pub(super) async fn delete(
    db: &DatabaseConnection,
    webhooks: &Webhooks,
    id: MessageId,
    at: Timestamp,
) -> Result<Option<Timestamp>, DomainError> {
    let txn = db.begin().await.map_err(internal)?;
    let updated = txn
        .execute_raw(statement(
            &txn,
            "UPDATE messages SET body = '', deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL",
            vec![at.into(), id.get().into()],
        ))
        .await
        .map_err(internal)?;
    if updated.rows_affected() == 0 {
        txn.rollback().await.map_err(internal)?;
        return Ok(None);
    }
    txn.execute_raw(statement(
        &txn,
        "DELETE FROM message_reactions WHERE message_id = $1",
        vec![id.get().into()],
    ))
    .await
    .map_err(internal)?;
    if webhooks.are_on()
        && let Some(message) = view_of(&txn, id, NO_VIEWER).await?
    {
        let deleted = RealtimeEvent::MessageDeleted {
            conversation_id: message.message.conversation_id,
            message_id: id,
            deleted_at: at,
        };
        webhooks.record(&txn, &[deleted]).await?;
    }
    txn.commit().await.map_err(internal)?;
    Ok(Some(at))
}

/// With the message locked (so a deletion or another reaction waits): whether it is live, the
/// emoji it carries (for the limit), then the insert or delete of the one row.
pub(super) async fn react(
    db: &DatabaseConnection,
    webhooks: &Webhooks,
    id: MessageId,
    user: UserId,
    emoji: &Emoji,
    action: ReactionAction,
    at: Timestamp,
) -> Result<bool, DomainError> {
    let txn = db.begin().await.map_err(internal)?;
    if !lock_live(&txn, id).await? {
        txn.rollback().await.map_err(internal)?;
        return Err(DomainError::MessageDeleted);
    }
    let key = vec![id.get().into(), user.get().into(), emoji.as_str().into()];
    let changed = match action {
        ReactionAction::Added => {
            let present: Vec<String> = Present::find_by_statement(statement(
                &txn,
                "SELECT DISTINCT emoji FROM message_reactions WHERE message_id = $1",
                vec![id.get().into()],
            ))
            .all(&txn)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|row| row.emoji)
            .collect();
            if let Err(refusal) = ensure_room_for(&present, emoji) {
                txn.rollback().await.map_err(internal)?;
                return Err(refusal);
            }
            let mut values = key;
            values.push(at.into());
            txn.execute_raw(statement(
                &txn,
                "INSERT INTO message_reactions (message_id, user_id, emoji, created_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                values,
            ))
            .await
            .map_err(internal)?
            .rows_affected()
        }
        ReactionAction::Removed => txn
            .execute_raw(statement(
                &txn,
                "DELETE FROM message_reactions WHERE message_id = $1 AND user_id = $2 AND emoji = $3",
                key,
            ))
            .await
            .map_err(internal)?
            .rows_affected(),
    };
    if changed > 0
        && webhooks.are_on()
        && let Some(message) = view_of(&txn, id, NO_VIEWER).await?
    {
        let reacted = RealtimeEvent::MessageReacted {
            conversation_id: message.message.conversation_id,
            message_id: id,
            emoji: emoji.clone(),
            user_id: user,
            action,
            reactions: message.reactions,
        };
        webhooks.record(&txn, &[reacted]).await?;
    }
    txn.commit().await.map_err(internal)?;
    Ok(changed > 0)
}

/// Locks the message's row if it is not a tombstone: `SELECT … FOR UPDATE` on PostgreSQL; on
/// SQLite a no-op `UPDATE` (of a column no trigger watches), which takes the write lock.
async fn lock_live(txn: &DatabaseTransaction, id: MessageId) -> Result<bool, DomainError> {
    let values = vec![id.get().into()];
    if txn.get_database_backend() == DbBackend::Postgres {
        let rows = txn
            .query_all_raw(statement(
                txn,
                "SELECT id FROM messages WHERE id = $1 AND deleted_at IS NULL FOR UPDATE",
                values,
            ))
            .await
            .map_err(internal)?;
        Ok(!rows.is_empty())
    } else {
        let updated = txn
            .execute_raw(statement(
                txn,
                "UPDATE messages SET seq = seq WHERE id = $1 AND deleted_at IS NULL",
                values,
            ))
            .await
            .map_err(internal)?;
        Ok(updated.rows_affected() == 1)
    }
}
