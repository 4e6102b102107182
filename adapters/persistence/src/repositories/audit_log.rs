//! The rooms' audit log: written in the transaction of the act it records (a room change, a pin,
//! a moderator's deletion, a report's resolution), read newest first per room by the
//! `(conversation_id, id)` index — a page costs its rows, never the log's length.

use std::collections::BTreeMap;

use confab_domain::{
    AuditAction, AuditEntry, AuditRecord, ConversationId, DomainError, MessageId, Timestamp,
    UserId, UserSummary,
};
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Statement, Value};

use super::corrupt;
use super::sql::Bound;
use crate::clock;
use crate::error::internal;

/// Records `entries` (one multi-row statement; none for none).
pub(super) async fn record(
    db: &impl ConnectionTrait,
    entries: &[AuditEntry],
) -> Result<(), DomainError> {
    if entries.is_empty() {
        return Ok(());
    }
    let now = clock::now();
    let mut bound = Bound::default();
    let rows: Vec<String> = entries
        .iter()
        .map(|entry| {
            let details = serde_json::to_string(&entry.details).unwrap_or_else(|_| "{}".into());
            bound.row([
                Value::from(entry.conversation_id.get()),
                Value::from(entry.actor.get()),
                Value::from(entry.action.as_str()),
                Value::from(entry.target_user.map(UserId::get)),
                Value::from(entry.target_message.map(MessageId::get)),
                Value::from(details),
                Value::from(now),
            ])
        })
        .collect();
    let sql = format!(
        "INSERT INTO audit_log (conversation_id, actor_id, action, target_user_id, \
                               target_message_id, details, created_at) VALUES {}",
        rows.join(", ")
    );
    db.execute_raw(bound.statement(db.get_database_backend(), &sql))
        .await
        .map_err(internal)?;
    Ok(())
}

#[derive(Debug, FromQueryResult)]
struct AuditRow {
    id: i64,
    actor_id: i64,
    actor_name: Option<String>,
    actor_avatar: Option<String>,
    action: String,
    target_user_id: Option<i64>,
    target_name: Option<String>,
    target_avatar: Option<String>,
    target_message_id: Option<i64>,
    details: String,
    created_at: Timestamp,
}

/// Up to `limit` entries of the room's log older than entry `before` (newest first), and
/// whether there are more: one statement on the index.
pub(super) async fn page(
    db: &impl ConnectionTrait,
    room: ConversationId,
    before: Option<i64>,
    limit: u64,
) -> Result<(Vec<AuditRecord>, bool), DomainError> {
    let backend: DbBackend = db.get_database_backend();
    let rows = AuditRow::find_by_statement(Statement::from_sql_and_values(
        backend,
        "SELECT a.id, a.actor_id, actor.name AS actor_name, actor.avatar AS actor_avatar, a.action, a.target_user_id, \
                target.name AS target_name, target.avatar AS target_avatar, \
                a.target_message_id, a.details, a.created_at \
         FROM audit_log a \
         LEFT JOIN users actor ON actor.id = a.actor_id \
         LEFT JOIN users target ON target.id = a.target_user_id \
         WHERE a.conversation_id = $1 AND a.id < $2 \
         ORDER BY a.id DESC LIMIT $3",
        [
            Value::from(room.get()),
            Value::from(before.unwrap_or(i64::MAX)),
            Value::from(i64::try_from(limit).unwrap_or(i64::MAX).saturating_add(1)),
        ],
    ))
    .all(db)
    .await
    .map_err(internal)?;
    let has_more = rows.len() as u64 > limit;
    let records = rows
        .into_iter()
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .map(|row| {
            let details: BTreeMap<String, String> =
                serde_json::from_str(&row.details).map_err(|e| corrupt("audit details", e))?;
            Ok(AuditRecord {
                id: row.id,
                actor: UserSummary {
                    id: UserId(row.actor_id),
                    name: row.actor_name.unwrap_or_default(),
                    avatar: super::user_names::avatar(row.actor_avatar.as_deref()),
                },
                action: AuditAction::parse(&row.action).map_err(|e| corrupt("audit action", e))?,
                target_user: row.target_user_id.map(|id| UserSummary {
                    id: UserId(id),
                    name: row.target_name.unwrap_or_default(),
                    avatar: super::user_names::avatar(row.target_avatar.as_deref()),
                }),
                target_message: row.target_message_id.map(MessageId),
                details,
                created_at: row.created_at,
            })
        })
        .collect::<Result<Vec<_>, DomainError>>()?;
    Ok((records, has_more))
}
