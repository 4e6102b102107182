//! The avatar an account names (`users.avatar`; see `confab_domain::avatar`).

use confab_domain::{Avatar, DomainError, UserId};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, FromQueryResult, Statement, Value};

use crate::error::internal;

#[derive(Debug, FromQueryResult)]
struct Stored {
    avatar: Option<String>,
}

/// Points `user` at `avatar` (`None`: none) inside `txn`, and returns the avatar it replaced —
/// the row locked until the commit (PostgreSQL; SQLite has one writer), so of two racing uploads
/// each removes only the pictures it replaced.
pub(super) async fn replace(
    txn: &DatabaseTransaction,
    user: UserId,
    avatar: Option<&Avatar>,
) -> Result<Option<Avatar>, DomainError> {
    let backend = txn.get_database_backend();
    let lock = if backend == DbBackend::Postgres {
        " FOR UPDATE"
    } else {
        ""
    };
    let replaced = Stored::find_by_statement(Statement::from_sql_and_values(
        backend,
        format!("SELECT avatar FROM users WHERE id = $1{lock}"),
        [Value::from(user.get())],
    ))
    .one(txn)
    .await
    .map_err(internal)?
    .and_then(|row| row.avatar)
    .and_then(|name| Avatar::stored(&name));
    txn.execute_raw(Statement::from_sql_and_values(
        backend,
        "UPDATE users SET avatar = $1 WHERE id = $2",
        [
            Value::from(avatar.map(|a| a.as_str().to_owned())),
            Value::from(user.get()),
        ],
    ))
    .await
    .map_err(internal)?;
    Ok(replaced)
}
