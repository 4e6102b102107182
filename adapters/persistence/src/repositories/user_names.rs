//! Users' names, read where a response or event needs them: one statement for any number of
//! users. Never kept in memory — a name may change on any node at any moment (`PATCH /user/me`),
//! and what a room shows must be the name of now.

use std::collections::{BTreeSet, HashMap};

use confab_domain::DomainError;
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Value};

use super::sql::Bound;
use crate::error::internal;

#[derive(Debug, FromQueryResult)]
struct Author {
    id: i64,
    name: String,
}

/// The names of the users `ids`, in one statement (through `db`, a transaction or the pool).
pub(super) async fn user_names(
    db: &impl ConnectionTrait,
    backend: DbBackend,
    ids: &BTreeSet<i64>,
) -> Result<HashMap<i64, String>, DomainError> {
    let mut bound = Bound::default();
    let list = bound.list(ids.iter().map(|id| Value::from(*id)));
    let sql = format!("SELECT id, name FROM users WHERE id IN ({list})");
    Ok(Author::find_by_statement(bound.statement(backend, &sql))
        .all(db)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|author| (author.id, author.name))
        .collect())
}
