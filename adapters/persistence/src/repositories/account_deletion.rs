//! Deleting an account in one transaction (see `confab_domain::account_deletion` for what stays
//! and what goes, and migration 16 for the indexes each step reads by).

use confab_domain::{DeletedAccount, DomainError, RealtimeEvent, RemovedAccount, SessionId};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, FromQueryResult, Statement, Value};

use super::attachment_rows::{ATTACHMENT_COLUMNS, AttachmentRow};
use super::message_changes::TOMBSTONE;
use super::webhook_outbox::Webhooks;
use crate::error::internal;

#[derive(Debug, FromQueryResult)]
struct Account {
    email: String,
    avatar: Option<String>,
}

#[derive(Debug, FromQueryResult)]
struct Key {
    storage_key: String,
}

#[derive(Debug, FromQueryResult)]
struct Id {
    id: String,
}

/// The ids of `$1`'s messages, in every room, found room by room through `messages_by_author`
/// (conversation, author, number) — no index by author alone is kept for this rare request, so
/// sends pay for none; the cost grows with the number of rooms, not of messages. PostgreSQL is
/// made to probe room by room (a `LATERAL` subquery kept apart by `OFFSET 0`, which the planner
/// cannot turn into a scan of every message); SQLite does so for an `IN` list on the index's
/// first column.
fn authored(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => {
            "SELECT m.id FROM conversations c CROSS JOIN LATERAL \
             (SELECT id FROM messages WHERE conversation_id = c.id AND user_id = $1 OFFSET 0) m"
        }
        _ => {
            "SELECT id FROM messages \
             WHERE conversation_id IN (SELECT id FROM conversations) AND user_id = $1"
        }
    }
}

/// Everything [`AccountRepository::delete_account`] promises, inside `txn`.
///
/// [`AccountRepository::delete_account`]: confab_domain::ports::AccountRepository::delete_account
pub(super) async fn delete(
    txn: &DatabaseTransaction,
    webhooks: &Webhooks,
    account: &DeletedAccount,
    events: &[RealtimeEvent],
) -> Result<RemovedAccount, DomainError> {
    let backend = txn.get_database_backend();
    let statement =
        |sql: &str, values: Vec<Value>| Statement::from_sql_and_values(backend, sql, values);
    let user = || Value::from(account.user.get());
    let Some(before) = Account::find_by_statement(statement(
        "SELECT email, avatar FROM users WHERE id = $1 AND deleted_at IS NULL",
        vec![user()],
    ))
    .one(txn)
    .await
    .map_err(internal)?
    else {
        // Deleted already (a repeated request): nothing left to remove.
        return Ok(RemovedAccount::default());
    };
    let mut files: Vec<String> = AttachmentRow::find_by_statement(statement(
        &format!("SELECT {ATTACHMENT_COLUMNS} FROM attachments a WHERE a.user_id = $1"),
        vec![user()],
    ))
    .all(txn)
    .await
    .map_err(internal)?
    .into_iter()
    .flat_map(|row| row.into_domain().stored_keys())
    .collect();
    // Uploads never sent, and their data exports' archives (a copy of everything they had, which
    // must go with it): one statement.
    files.extend(
        Key::find_by_statement(statement(
            "SELECT storage_key FROM attachment_uploads WHERE user_id = $1 \
             UNION ALL SELECT storage_key FROM data_exports \
             WHERE user_id = $1 AND storage_key IS NOT NULL",
            vec![user()],
        ))
        .all(txn)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|row| row.storage_key),
    );
    if let Some(avatar) = &before.avatar {
        files.extend(confab_domain::avatar::stored_keys(account.user, avatar));
    }
    let authored = authored(backend);
    let steps = [
        // What hangs on their messages first, while the messages still say whose they are.
        format!("DELETE FROM message_reactions WHERE message_id IN ({authored})"),
        // The mention-count trigger takes these out of the others' unread mentions.
        format!("DELETE FROM message_mentions WHERE message_id IN ({authored})"),
        "DELETE FROM attachments WHERE user_id = $1".to_owned(),
        "DELETE FROM attachment_uploads WHERE user_id = $1".to_owned(),
        "DELETE FROM message_reactions WHERE user_id = $1".to_owned(),
        "DELETE FROM message_mentions WHERE user_id = $1".to_owned(),
        "DELETE FROM thread_follows WHERE user_id = $1".to_owned(),
        "DELETE FROM user_blocks WHERE blocker_id = $1".to_owned(),
        "DELETE FROM user_blocks WHERE blocked_id = $1".to_owned(),
        "DELETE FROM account_tokens WHERE user_id = $1".to_owned(),
        "DELETE FROM data_exports WHERE user_id = $1".to_owned(),
    ];
    for sql in &steps {
        txn.execute_raw(statement(sql, vec![user()]))
            .await
            .map_err(internal)?;
    }
    // Tombstones, as a message deletion leaves them: every page and count stays as it was.
    txn.execute_raw(statement(
        &format!(
            "UPDATE messages SET {TOMBSTONE}, deleted_at = $2 \
             WHERE id IN ({authored}) AND deleted_at IS NULL"
        ),
        vec![user(), Value::from(account.at)],
    ))
    .await
    .map_err(internal)?;
    // Mail still waiting for the old address would reach someone who left.
    txn.execute_raw(statement(
        "DELETE FROM mail_outbox WHERE recipient = $1",
        vec![Value::from(before.email)],
    ))
    .await
    .map_err(internal)?;
    let sessions = Id::find_by_statement(statement(
        "DELETE FROM sessions WHERE user_id = $1 RETURNING id",
        vec![user()],
    ))
    .all(txn)
    .await
    .map_err(internal)?
    .into_iter()
    .map(|row| SessionId::new(row.id))
    .collect();
    txn.execute_raw(statement(
        "UPDATE users SET name = $2, email = $3, password_hash = $4, email_verified_at = NULL, \
             avatar = NULL, deleted_at = $5 WHERE id = $1",
        vec![
            user(),
            Value::from(account.name.as_str()),
            Value::from(account.email.as_str()),
            Value::from(account.password_hash.0.as_str()),
            Value::from(account.at),
        ],
    ))
    .await
    .map_err(internal)?;
    webhooks.record(txn, events).await?;
    Ok(RemovedAccount { sessions, files })
}
