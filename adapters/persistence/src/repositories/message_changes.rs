//! Changes to a message after it was sent: edit, delete (into a tombstone) and reactions. Each is
//! one short transaction on the message's row, whatever the history's size, that returns the
//! change as stored; the events the domain says it tells (`MessageChange::events`) are stored in
//! the webhook outbox in that transaction too.

use confab_domain::message_changes::ChangeFacts;
use confab_domain::reaction::ensure_room_for;
use confab_domain::{
    AuditEntry, ConversationId, DomainError, Emoji, Mentions, MessageBody, MessageChange,
    MessageId, ReactionAction, Timestamp, UserId,
};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, FromQueryResult,
    Statement, TransactionTrait, Value,
};

use super::batch_mentions::{Reach, insert_mentions};
use super::message_rows::{id_list, view_of};
use super::webhook_outbox::Webhooks;
use crate::error::internal;

fn statement(db: &impl ConnectionTrait, sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(db.get_database_backend(), sql, values)
}

#[derive(Debug, FromQueryResult)]
struct State {
    user_id: i64,
    deleted_at: Option<Timestamp>,
    closed_at: Option<Timestamp>,
}

#[derive(Debug, FromQueryResult)]
struct Room {
    conversation_id: i64,
}

#[derive(Debug, FromQueryResult)]
struct Place {
    conversation_id: i64,
    seq: i64,
}

#[derive(Debug, FromQueryResult)]
struct Present {
    emoji: String,
}

/// With the message locked (a deletion, a reaction or another edit waits) and, on PostgreSQL, its
/// room held against a close, the edit rule's facts are read and the domain decides; then the
/// update, and the message as the edit left it (as its author, the only one who may edit, sees
/// it), whose `message.updated` is stored in the outbox in the same transaction.
pub(super) async fn edit(
    db: &DatabaseConnection,
    webhooks: &Webhooks,
    id: MessageId,
    body: &MessageBody,
    mentions: Option<Mentions>,
    at: Timestamp,
) -> Result<MessageChange, DomainError> {
    let txn = db.begin().await.map_err(internal)?;
    let author = match decide_change(&txn, id).await {
        Ok(author) => author,
        Err(refused) => {
            txn.rollback().await.map_err(internal)?;
            return Err(refused);
        }
    };
    txn.execute_raw(statement(
        &txn,
        "UPDATE messages SET body = $1, edited_at = $2 WHERE id = $3",
        vec![body.as_str().into(), at.into(), id.get().into()],
    ))
    .await
    .map_err(internal)?;
    if let Some(mentions) = &mentions {
        rename(&txn, id, author, mentions).await?;
    }
    let message = view_of(&txn, id, author)
        .await?
        .ok_or(DomainError::MessageNotFound)?;
    let change = MessageChange::Edited(message);
    webhooks.record(&txn, &change.events()).await?;
    txn.commit().await.map_err(internal)?;
    Ok(change)
}

/// Replaces whom the message names: its columns, and its mention rows (removed and written again;
/// the `message_mentions` triggers take the old ones out of the counts and put the new ones in).
async fn rename(
    txn: &DatabaseTransaction,
    id: MessageId,
    author: UserId,
    mentions: &Mentions,
) -> Result<(), DomainError> {
    let place = Place::find_by_statement(statement(
        txn,
        "UPDATE messages SET mention_ids = $1, mention_room = $2 WHERE id = $3 \
         RETURNING conversation_id, seq",
        vec![
            id_list(mentions.users()).into(),
            mentions.room().into(),
            id.get().into(),
        ],
    ))
    .one(txn)
    .await
    .map_err(internal)?
    .ok_or(DomainError::MessageNotFound)?;
    txn.execute_raw(statement(
        txn,
        "DELETE FROM message_mentions WHERE message_id = $1",
        vec![id.get().into()],
    ))
    .await
    .map_err(internal)?;
    let reach = Reach {
        room: place.conversation_id,
        seq: place.seq,
        id: id.get(),
        sender: author,
        mentions,
    };
    insert_mentions(txn, txn.get_database_backend(), &[reach]).await
}

/// The domain's answer on the facts [`change_facts`] reads (a message that is gone is not found);
/// when it allows the change, the message's author.
async fn decide_change(txn: &DatabaseTransaction, id: MessageId) -> Result<UserId, DomainError> {
    match change_facts(txn, id).await? {
        Some((facts, author)) => facts.ensure().map(|()| author),
        None => Err(DomainError::MessageNotFound),
    }
}

/// What the rules for changing a live message (edit, react) read, with the message locked: on
/// PostgreSQL `FOR UPDATE` of the message and `FOR SHARE` of its room (a close waits, as it waits
/// for a send); on SQLite a no-op `UPDATE` first, which takes the database's write lock. With the
/// facts, the message's author; `None` when there is no such message.
async fn change_facts(
    txn: &DatabaseTransaction,
    id: MessageId,
) -> Result<Option<(ChangeFacts, UserId)>, DomainError> {
    let postgres = txn.get_database_backend() == DbBackend::Postgres;
    if !postgres {
        txn.execute_raw(statement(
            txn,
            "UPDATE messages SET seq = seq WHERE id = $1",
            vec![id.get().into()],
        ))
        .await
        .map_err(internal)?;
    }
    let lock = if postgres {
        " FOR UPDATE OF m FOR SHARE OF c"
    } else {
        ""
    };
    let state = State::find_by_statement(statement(
        txn,
        &format!(
            "SELECT m.user_id, m.deleted_at, c.closed_at FROM messages m \
             JOIN conversations c ON c.id = m.conversation_id WHERE m.id = $1{lock}"
        ),
        vec![id.get().into()],
    ))
    .one(txn)
    .await
    .map_err(internal)?;
    Ok(state.map(|state| {
        let facts = ChangeFacts {
            deleted: state.deleted_at.is_some(),
            closed: state.closed_at.is_some(),
        };
        (facts, UserId(state.user_id))
    }))
}

/// The tombstone and the end of its reactions and files, in one transaction; `None` when it
/// already was one.
/// What a tombstone keeps of a message: nothing it said, named or pinned (set beside
/// `deleted_at`). A message deletion and an account deletion leave the same tombstone.
pub(super) const TOMBSTONE: &str =
    "body = '', mention_ids = '', mention_room = FALSE, pinned_at = NULL, pinned_by = NULL";

pub(super) async fn delete(
    db: &DatabaseConnection,
    webhooks: &Webhooks,
    id: MessageId,
    at: Timestamp,
    audit: Option<AuditEntry>,
) -> Result<Option<MessageChange>, DomainError> {
    let txn = db.begin().await.map_err(internal)?;
    // A tombstone is not pinned either.
    let deleted = Room::find_by_statement(statement(
        &txn,
        &format!(
            "UPDATE messages SET {TOMBSTONE}, deleted_at = $1 \
             WHERE id = $2 AND deleted_at IS NULL RETURNING conversation_id"
        ),
        vec![at.into(), id.get().into()],
    ))
    .one(&txn)
    .await
    .map_err(internal)?;
    let Some(Room { conversation_id }) = deleted else {
        txn.rollback().await.map_err(internal)?;
        return Ok(None);
    };
    for sql in [
        "DELETE FROM message_reactions WHERE message_id = $1",
        // A tombstone names nobody; the trigger takes its unread mentions out of the counts.
        "DELETE FROM message_mentions WHERE message_id = $1",
        // Their bytes are removed by the use case once this commits (it read them with the
        // message it checked).
        "DELETE FROM attachments WHERE message_id = $1",
    ] {
        txn.execute_raw(statement(&txn, sql, vec![id.get().into()]))
            .await
            .map_err(internal)?;
    }
    let change = MessageChange::Deleted {
        conversation_id: ConversationId(conversation_id),
        message_id: id,
        deleted_at: at,
    };
    webhooks.record(&txn, &change.events()).await?;
    super::audit_log::record(&txn, audit.as_slice()).await?;
    txn.commit().await.map_err(internal)?;
    Ok(Some(change))
}

/// With the message locked (so a deletion or another reaction waits): the facts the domain decides
/// on, the emoji it carries (for the limit), then the insert or delete of the one row.
pub(super) async fn react(
    db: &DatabaseConnection,
    webhooks: &Webhooks,
    id: MessageId,
    user: UserId,
    emoji: &Emoji,
    action: ReactionAction,
    at: Timestamp,
) -> Result<Option<MessageChange>, DomainError> {
    let txn = db.begin().await.map_err(internal)?;
    if let Err(refused) = decide_change(&txn, id).await {
        txn.rollback().await.map_err(internal)?;
        return Err(refused);
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
    if changed == 0 {
        txn.rollback().await.map_err(internal)?;
        return Ok(None);
    }
    let message = view_of(&txn, id, user)
        .await?
        .ok_or(DomainError::MessageNotFound)?;
    let change = MessageChange::Reacted {
        message,
        emoji: emoji.clone(),
        user_id: user,
        action,
    };
    webhooks.record(&txn, &change.events()).await?;
    txn.commit().await.map_err(internal)?;
    Ok(Some(change))
}
