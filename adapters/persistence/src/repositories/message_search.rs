//! Word search with each database's own full-text engine (see the migration that builds the
//! index): SQLite FTS5, PostgreSQL `tsvector` + GIN. Both are asked for the same words (the
//! domain's [`SearchQuery`]), newest first, a page at a time, with the number of matches.
//!
//! The cost follows the number of messages matching the words (in any room), not the history's
//! size: the index yields the matches, and the scope (one room, or the rooms the viewer is in)
//! filters them. A word in most messages (`the`) therefore costs in proportion to them.

use confab_domain::{DomainError, PageRequest, SearchQuery, SearchScope};
use sea_orm::{DatabaseConnection, DbBackend, FromQueryResult, Statement, Value};

use super::message_rows::{MESSAGE_COLUMNS, MESSAGE_FROM};
use super::{from_db, to_db};
use crate::error::internal;

#[derive(Debug, FromQueryResult)]
struct Total {
    total: i64,
}

/// The two statements of a search, each driven by the engine's index: the matching ids first,
/// then the scope checked on them, and only the page's messages looked up by primary key. Left
/// to themselves both planners may instead walk the messages in id order (or a room's) and test
/// each one, which costs as much as the history (the history benchmark caught SQLite at 100,000
/// messages, and PostgreSQL at 10M, where it merged the matches with a backward scan of the
/// primary key for `ORDER BY id DESC LIMIT`). `$1` is the engine's query, `$2` the scope's value,
/// `$3`/`$4` the page's limit and offset.
struct Statements {
    count: String,
    page: String,
}

fn statements(backend: DbBackend, scope: SearchScope) -> Statements {
    match backend {
        // The matches and then the page of them as materialized CTEs: the planner cannot fold
        // them into a plan over the whole table, and the final join has at most a page of rows.
        DbBackend::Postgres => {
            let hits = "WITH hits AS MATERIALIZED (SELECT h.id, h.conversation_id FROM messages h \
                        WHERE h.body_search @@ plainto_tsquery('simple', $1))";
            let scope = within(scope, "hits.conversation_id");
            Statements {
                count: format!("{hits} SELECT COUNT(*) AS total FROM hits WHERE {scope}"),
                page: format!(
                    "{hits}, page AS MATERIALIZED (SELECT hits.id FROM hits WHERE {scope} \
                     ORDER BY hits.id DESC LIMIT $3 OFFSET $4) \
                     SELECT {MESSAGE_COLUMNS} FROM page CROSS JOIN {MESSAGE_FROM} \
                     WHERE m.id = page.id ORDER BY m.id DESC"
                ),
            }
        }
        // FTS5 first: a `CROSS JOIN` keeps SQLite to this order.
        _ => {
            let scope = within(scope, "m.conversation_id");
            let matched = "messages_fts MATCH $1 AND m.id = messages_fts.rowid";
            Statements {
                count: format!(
                    "SELECT COUNT(*) AS total FROM messages_fts CROSS JOIN messages m \
                     WHERE {matched} AND {scope}"
                ),
                page: format!(
                    "SELECT {MESSAGE_COLUMNS} FROM messages_fts CROSS JOIN {MESSAGE_FROM} \
                     WHERE {matched} AND {scope} ORDER BY m.id DESC LIMIT $3 OFFSET $4"
                ),
            }
        }
    }
}

/// The query text for the engine: FTS5 gets each word as a quoted phrase (all must match; the
/// words are letters and digits only, so nothing in them is FTS5 syntax); PostgreSQL's
/// `plainto_tsquery` ANDs plain words itself.
fn engine_query(backend: DbBackend, query: &SearchQuery) -> String {
    match backend {
        DbBackend::Postgres => query.words().join(" "),
        _ => query
            .words()
            .iter()
            .map(|word| format!("\"{word}\""))
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// The scope's condition on a match's conversation `column`, with `$2` its value.
fn within(scope: SearchScope, column: &str) -> String {
    match scope {
        SearchScope::Conversation(_) => format!("{column} = $2"),
        SearchScope::MemberOf(_) => format!(
            "{column} IN (SELECT s.conversation_id FROM participants s WHERE s.user_id = $2)"
        ),
    }
}

/// `$2`: the conversation, or the member whose rooms are searched.
fn scope_value(scope: SearchScope) -> i64 {
    match scope {
        SearchScope::Conversation(id) => id.get(),
        SearchScope::MemberOf(user) => user.get(),
    }
}

/// The number of matches, and the statement that selects the requested page of them
/// ([`MESSAGE_COLUMNS`], newest first) with its values; none when the page starts past the last
/// match. Running the page (and loading its reactions) is the repository's: this module only
/// says how each engine is asked, so it needs nothing back from `messages`.
pub(super) async fn matches(
    db: &DatabaseConnection,
    scope: SearchScope,
    query: &SearchQuery,
    page: PageRequest,
) -> Result<(u64, Option<(String, [Value; 4])>), DomainError> {
    let backend = db.get_database_backend();
    let text = engine_query(backend, query);
    let scope_value = scope_value(scope);
    let Statements { count, page: sql } = statements(backend, scope);
    let total = Total::find_by_statement(Statement::from_sql_and_values(
        backend,
        count,
        [Value::from(text.clone()), scope_value.into()],
    ))
    .one(db)
    .await
    .map_err(internal)?
    .map_or(0, |row| from_db(row.total));
    if page.offset() >= total {
        return Ok((total, None));
    }
    let values = [
        Value::from(text),
        scope_value.into(),
        to_db(page.per_page()),
        to_db(page.offset()),
    ];
    Ok((total, Some((sql, values))))
}
