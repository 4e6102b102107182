//! Word search with each database's own full-text engine (see the migration that builds the
//! index): SQLite FTS5, PostgreSQL `tsvector` + GIN. Both are asked for the same words (the
//! domain's [`SearchQuery`]), newest first, a page at a time, with the number of matches.
//!
//! The cost follows the number of matching messages in scope, not the history's size: the index
//! yields the matches, and the scope (one room, or the rooms the viewer is in) filters them.

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

/// The condition on `m` that the engine's index answers, with `$1` the engine's query text.
fn matches(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => "m.body_search @@ plainto_tsquery('simple', $1)",
        _ => "m.id IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH $1)",
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
    let condition = format!("{} AND {scope_sql}", matches(backend));
    let total = Total::find_by_statement(Statement::from_sql_and_values(
        backend,
        format!("SELECT COUNT(*) AS total FROM messages m WHERE {condition}"),
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
            "SELECT {MESSAGE_COLUMNS} FROM {MESSAGE_FROM} WHERE {condition} \
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
