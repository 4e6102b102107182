//! Users' names and avatars, read where a response or event needs them: one statement for any
//! number of users. Never kept in memory — a name may change on any node at any moment
//! (`PATCH /user/me`), and what a room shows must be the name of now.

use std::collections::{BTreeSet, HashMap};

use confab_domain::{Avatar, DomainError, UserId, UserSummary};
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Value};

use super::sql::Bound;
use crate::error::internal;

#[derive(Debug, FromQueryResult)]
struct Person {
    id: i64,
    name: String,
    avatar: Option<String>,
}

/// How the users `ids` appear, in one statement (through `db`, a transaction or the pool).
pub(super) async fn user_names(
    db: &impl ConnectionTrait,
    backend: DbBackend,
    ids: &BTreeSet<i64>,
) -> Result<HashMap<i64, UserSummary>, DomainError> {
    let mut bound = Bound::default();
    let list = bound.list(ids.iter().map(|id| Value::from(*id)));
    let sql = format!("SELECT id, name, avatar FROM users WHERE id IN ({list})");
    Ok(Person::find_by_statement(bound.statement(backend, &sql))
        .all(db)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|person| {
            let summary = UserSummary {
                id: UserId(person.id),
                name: person.name,
                avatar: avatar(person.avatar.as_deref()),
            };
            (person.id, summary)
        })
        .collect())
}

/// A stored `users.avatar`, when it is one.
pub(super) fn avatar(stored: Option<&str>) -> Option<Avatar> {
    stored.and_then(Avatar::stored)
}
