//! What has been read about users, kept in memory.
//!
//! A registered user barely changes: the API has no rename and no delete, and the one thing that
//! does change — the password hash — is never checked against this memory (login reads by email,
//! a password change reads the user through the session; `update_password` forgets the entry on
//! its own node anyway). So a row read once stays true, and the two lookups every chat send paid — the token's user, the message's author — can
//! come from memory after the first time. (A user deleted by hand in the database stays known to a
//! running server until it restarts.) Bounded: past `CAPACITY` entries the map starts over, which
//! costs a few re-reads and never a wrong answer. Names not in memory are read by [`user_names`],
//! one statement for any number of users.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, RwLock};

use confab_domain::DomainError;
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Value};

use super::sql::Bound;
use crate::error::internal;

#[derive(Debug, FromQueryResult)]
struct Author {
    id: i64,
    name: String,
}

const CAPACITY: usize = 100_000;

/// Values by user id; clones share one map. A `std` lock: no `.await` happens while it is held.
#[derive(Debug, Clone)]
pub(crate) struct KnownUsers<V> {
    entries: Arc<RwLock<HashMap<i64, V>>>,
}

impl<V: Clone> KnownUsers<V> {
    pub(crate) fn new() -> Self {
        Self {
            entries: Arc::new(RwLock::new(HashMap::new())),
        }
    }

    pub(crate) fn get(&self, id: i64) -> Option<V> {
        self.entries.read().ok()?.get(&id).cloned()
    }

    pub(crate) fn remember(&self, id: i64, value: V) {
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() >= CAPACITY && !entries.contains_key(&id) {
                entries.clear();
            }
            entries.insert(id, value);
        }
    }

    pub(crate) fn forget(&self, id: i64) {
        if let Ok(mut entries) = self.entries.write() {
            entries.remove(&id);
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_and_forgets_everything_when_full() {
        let known = KnownUsers::new();
        known.remember(1, "Ann".to_owned());
        assert_eq!(known.get(1).as_deref(), Some("Ann"));
        assert_eq!(known.get(2), None);
        for id in 2..=CAPACITY as i64 {
            known.remember(id, String::new());
        }
        known.remember(0, "new".to_owned());
        assert_eq!(known.get(1), None, "the map started over");
        assert_eq!(known.get(0).as_deref(), Some("new"));
    }
}
