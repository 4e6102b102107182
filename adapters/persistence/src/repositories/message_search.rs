//! Word search with each database's own full-text engine (see the migration that builds the
//! index): SQLite FTS5, PostgreSQL `tsvector` + GIN. Both are asked for the same words (the
//! domain's [`SearchQuery`]), newest first, a page at a time, with the number of matches.
//!
//! The cost follows the number of messages matching the words (in any room), not the history's
//! size: the index yields the matches, and the scope (one room, or the rooms the viewer is in)
//! filters them. A word in most messages (`the`) therefore costs in proportion to them.

use confab_domain::{
    DomainError, MessageView, Page, PageRequest, SearchQuery, SearchScope, UserId,
};
use sea_orm::{DbBackend, FromQueryResult, Statement, Value};

use super::message_rows::{MESSAGE_COLUMNS, MESSAGE_FROM};
use super::messages::SeaMessageRepository;
use super::{from_db, to_db};
use crate::error::internal;

#[derive(Debug, FromQueryResult)]
struct Total {
    total: i64,
}

/// Where the matches of `$1` come from, so that the engine's index drives every search: the
/// matching message ids first, then each looked up by primary key and checked against the scope.
/// Left to themselves both planners may instead walk a room's messages and test each one, which
/// costs as much as the room's history (the history benchmark caught it at 100,000 messages).
struct Matches {
    /// A prefix to the statement (PostgreSQL: the matches, computed once, before anything else).
    with: &'static str,
    /// What stands before `messages m` in `FROM` (a `CROSS JOIN` keeps SQLite to this order).
    from: &'static str,
    /// Ties `m` to a match.
    condition: &'static str,
}

fn matches(backend: DbBackend) -> Matches {
    match backend {
        DbBackend::Postgres => Matches {
            with: "WITH hits AS MATERIALIZED (SELECT h.id FROM messages h \
                   WHERE h.body_search @@ plainto_tsquery('simple', $1)) ",
            from: "hits CROSS JOIN ",
            condition: "m.id = hits.id",
        },
        _ => Matches {
            with: "",
            from: "messages_fts CROSS JOIN ",
            condition: "messages_fts MATCH $1 AND m.id = messages_fts.rowid",
        },
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

/// The scope's condition on `m`, with `$2` the conversation or the viewer.
fn within(scope: SearchScope) -> (&'static str, i64) {
    match scope {
        SearchScope::Conversation(id) => ("m.conversation_id = $2", id.get()),
        SearchScope::MemberOf(user) => (
            "m.conversation_id IN (SELECT s.conversation_id FROM participants s WHERE s.user_id = $2)",
            user.get(),
        ),
    }
}

/// Three statements: the number of matches, the page, and the page's reactions.
pub(super) async fn search(
    repository: &SeaMessageRepository,
    scope: SearchScope,
    query: &SearchQuery,
    page: PageRequest,
    viewer: UserId,
) -> Result<Page<MessageView>, DomainError> {
    let db = repository.db();
    let backend = db.get_database_backend();
    let text = engine_query(backend, query);
    let (scope_sql, scope_value) = within(scope);
    let Matches {
        with,
        from,
        condition,
    } = matches(backend);
    let condition = format!("{condition} AND {scope_sql}");
    let total = Total::find_by_statement(Statement::from_sql_and_values(
        backend,
        format!("{with}SELECT COUNT(*) AS total FROM {from}messages m WHERE {condition}"),
        [Value::from(text.clone()), scope_value.into()],
    ))
    .one(db)
    .await
    .map_err(internal)?
    .map_or(0, |row| from_db(row.total));
    let items = if page.offset() >= total {
        Vec::new()
    } else {
        let sql = format!(
            "{with}SELECT {MESSAGE_COLUMNS} FROM {from}{MESSAGE_FROM} WHERE {condition} \
             ORDER BY m.id DESC LIMIT $3 OFFSET $4"
        );
        let values = [
            Value::from(text),
            scope_value.into(),
            to_db(page.per_page()),
            to_db(page.offset()),
        ];
        repository.views(&sql, values, viewer).await?
    };
    Ok(Page {
        items,
        request: page,
        total,
    })
}
