//! Who blocks whom (`user_blocks`, keyed `(blocker_id, blocked_id)` with the reverse index for
//! "who blocks this sender"), and what a reader's blocks change in what they read: messages by
//! someone they block are marked `author_blocked`.

use std::collections::BTreeSet;

use confab_domain::{BlockedUser, DomainError, MessageView, Timestamp, UserId, UserSummary};
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Statement, Value};

use super::sql::Bound;
use crate::error::internal;

pub(super) async fn block(
    db: &impl ConnectionTrait,
    blocker: UserId,
    blocked: UserId,
    at: Timestamp,
) -> Result<bool, DomainError> {
    let done = db
        .execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "INSERT INTO user_blocks (blocker_id, blocked_id, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (blocker_id, blocked_id) DO NOTHING",
            [blocker.get().into(), blocked.get().into(), at.into()],
        ))
        .await
        .map_err(internal)?;
    Ok(done.rows_affected() > 0)
}

pub(super) async fn unblock(
    db: &impl ConnectionTrait,
    blocker: UserId,
    blocked: UserId,
) -> Result<bool, DomainError> {
    let done = db
        .execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "DELETE FROM user_blocks WHERE blocker_id = $1 AND blocked_id = $2",
            [blocker.get().into(), blocked.get().into()],
        ))
        .await
        .map_err(internal)?;
    Ok(done.rows_affected() > 0)
}

#[derive(Debug, FromQueryResult)]
struct BlockRow {
    blocked_id: i64,
    name: String,
    avatar: Option<String>,
    created_at: Timestamp,
}

pub(super) async fn blocks_of(
    db: &impl ConnectionTrait,
    user: UserId,
) -> Result<Vec<BlockedUser>, DomainError> {
    let rows = BlockRow::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        "SELECT b.blocked_id, u.name, u.avatar, b.created_at FROM user_blocks b \
         JOIN users u ON u.id = b.blocked_id \
         WHERE b.blocker_id = $1 ORDER BY b.created_at DESC, b.blocked_id DESC",
        [user.get().into()],
    ))
    .all(db)
    .await
    .map_err(internal)?;
    Ok(rows
        .into_iter()
        .map(|row| BlockedUser {
            user: UserSummary {
                id: UserId(row.blocked_id),
                name: row.name,
                avatar: super::user_names::avatar(row.avatar.as_deref()),
            },
            blocked_at: row.created_at,
        })
        .collect())
}

#[derive(Debug, FromQueryResult)]
struct Blocker {
    id: i64,
}

/// Of `among`, who blocks `user`; of `user`, whom they block among `among` with `reverse`.
async fn pairs(
    db: &impl ConnectionTrait,
    backend: DbBackend,
    user: UserId,
    among: &BTreeSet<i64>,
    reverse: bool,
) -> Result<BTreeSet<i64>, DomainError> {
    if among.is_empty() {
        return Ok(BTreeSet::new());
    }
    let mut bound = Bound::default();
    let one = bound.list([Value::from(user.get())]);
    let many = bound.list(among.iter().map(|id| Value::from(*id)));
    let sql = if reverse {
        format!(
            "SELECT blocked_id AS id FROM user_blocks WHERE blocker_id = {one} AND blocked_id IN ({many})"
        )
    } else {
        format!(
            "SELECT blocker_id AS id FROM user_blocks WHERE blocked_id = {one} AND blocker_id IN ({many})"
        )
    };
    let rows = Blocker::find_by_statement(bound.statement(backend, &sql))
        .all(db)
        .await
        .map_err(internal)?;
    Ok(rows.into_iter().map(|row| row.id).collect())
}

/// Those of `among` who have blocked `user`.
pub(super) async fn blockers_of(
    db: &impl ConnectionTrait,
    user: UserId,
    among: &BTreeSet<i64>,
) -> Result<Vec<UserId>, DomainError> {
    let found = pairs(db, db.get_database_backend(), user, among, false).await?;
    Ok(found.into_iter().map(UserId).collect())
}

/// Marks the views whose author `viewer` blocks: one statement, none when every message is the
/// viewer's own (or there are none).
pub(super) async fn mark_blocked_authors(
    db: &impl ConnectionTrait,
    backend: DbBackend,
    views: &mut [MessageView],
    viewer: UserId,
) -> Result<(), DomainError> {
    let authors: BTreeSet<i64> = views
        .iter()
        .map(|view| view.message.sender.get())
        .filter(|author| *author != viewer.get())
        .collect();
    let blocked = pairs(db, backend, viewer, &authors, true).await?;
    if blocked.is_empty() {
        return Ok(());
    }
    for view in views {
        view.author_blocked = blocked.contains(&view.message.sender.get());
    }
    Ok(())
}
