//! The conversation list as one viewer sees it, in a fixed number of queries.
//!
//! [`load`] runs exactly four statements however many conversations the viewer is in (fewer
//! when there are none), each selecting over "the viewer's conversations" as a subquery:
//!
//! 1. the conversations with the creator's name, newest activity first;
//! 2. every member of those conversations with their name, in join order;
//! 3. the newest message of each (the largest id per conversation) with its author's name;
//! 4. the unread count of each, grouped: others' messages after the viewer's read position.
//!
//! `overview` runs the same statements narrowed to one conversation, so the list and the single
//! view cannot disagree. The behaviour suite counts the statements through SeaORM's metric callback.
//!
//! Plain SQL rather than the query builder: the joins and subqueries read as what they are. `$n`
//! placeholders work on both drivers (sqlx binds `$n` by number on SQLite too).

use std::collections::HashMap;

use confab_domain::{
    ConversationId, ConversationKind, ConversationOverview, DomainError, MessageView, Timestamp,
    UserId, UserSummary,
};
use sea_orm::{DatabaseConnection, FromQueryResult, Statement, Value};

use super::corrupt;
use super::messages::{MESSAGE_COLUMNS, MessageRow};
use crate::error::internal;

#[derive(Debug, FromQueryResult)]
struct ConversationRow {
    id: i64,
    kind: String,
    name: Option<String>,
    created_by: i64,
    creator_name: String,
    closed_at: Option<Timestamp>,
    updated_at: Timestamp,
}

#[derive(Debug, FromQueryResult)]
struct MemberRow {
    conversation_id: i64,
    user_id: i64,
    name: String,
}

#[derive(Debug, FromQueryResult)]
struct UnreadRow {
    conversation_id: i64,
    unread: i64,
}

/// The overviews of `viewer`'s conversations, or of just `only` (empty when `viewer` is not in it).
pub(super) async fn load(
    db: &DatabaseConnection,
    viewer: UserId,
    only: Option<ConversationId>,
) -> Result<Vec<ConversationOverview>, DomainError> {
    let scope = Scope::new(db, viewer, only);

    let conversations: Vec<ConversationRow> = scope
        .fetch(&format!(
            "SELECT c.id, c.kind, c.name, c.created_by, creator.name AS creator_name, \
                    c.closed_at, c.updated_at \
             FROM conversations c \
             JOIN participants v ON v.conversation_id = c.id AND v.user_id = $1 \
             JOIN users creator ON creator.id = c.created_by \
             WHERE {} \
             ORDER BY c.updated_at DESC, c.id DESC",
            scope.narrow("c.id"),
        ))
        .await?;
    if conversations.is_empty() {
        return Ok(Vec::new());
    }

    let mut members: HashMap<i64, Vec<UserSummary>> = HashMap::new();
    let member_rows: Vec<MemberRow> = scope
        .fetch(&format!(
            "SELECT p.conversation_id, p.user_id, u.name \
             FROM participants p JOIN users u ON u.id = p.user_id \
             WHERE p.conversation_id IN ({}) \
             ORDER BY p.conversation_id, p.id",
            scope.viewer_conversations(),
        ))
        .await?;
    for row in member_rows {
        members
            .entry(row.conversation_id)
            .or_default()
            .push(UserSummary {
                id: UserId(row.user_id),
                name: row.name,
            });
    }

    let last_rows: Vec<MessageRow> = scope
        .fetch(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages m JOIN users u ON u.id = m.user_id \
             WHERE m.id IN (SELECT MAX(l.id) FROM messages l \
                            WHERE l.conversation_id IN ({}) \
                            GROUP BY l.conversation_id)",
            scope.viewer_conversations(),
        ))
        .await?;
    let mut last: HashMap<i64, MessageView> = last_rows
        .into_iter()
        .map(|row| (row.conversation_id, row.into_view()))
        .collect();

    let unread_rows: Vec<UnreadRow> = scope
        .fetch(&format!(
            "SELECT m.conversation_id, COUNT(*) AS unread \
             FROM messages m \
             JOIN participants v ON v.conversation_id = m.conversation_id AND v.user_id = $1 \
             WHERE m.user_id <> $1 \
               AND (v.last_read_message_id IS NULL OR m.id > v.last_read_message_id) \
               AND {} \
             GROUP BY m.conversation_id",
            scope.narrow("m.conversation_id"),
        ))
        .await?;
    let unread: HashMap<i64, u64> = unread_rows
        .into_iter()
        .map(|row| (row.conversation_id, u64::try_from(row.unread).unwrap_or(0)))
        .collect();

    conversations
        .into_iter()
        .map(|row| {
            let kind =
                ConversationKind::parse(&row.kind).map_err(|e| corrupt("conversation kind", e))?;
            Ok(ConversationOverview {
                id: ConversationId(row.id),
                kind,
                name: row.name,
                created_by: UserSummary {
                    id: UserId(row.created_by),
                    name: row.creator_name,
                },
                closed_at: row.closed_at,
                participants: members.remove(&row.id).unwrap_or_default(),
                last_message: last.remove(&row.id),
                unread_count: unread.get(&row.id).copied().unwrap_or(0),
                updated_at: row.updated_at,
            })
        })
        .collect()
}

/// The viewer (`$1`) and, for a single overview, the conversation (`$2`) every statement is bound to.
struct Scope<'a> {
    db: &'a DatabaseConnection,
    viewer: UserId,
    only: Option<ConversationId>,
}

impl<'a> Scope<'a> {
    fn new(db: &'a DatabaseConnection, viewer: UserId, only: Option<ConversationId>) -> Self {
        Self { db, viewer, only }
    }

    /// The condition restricting `column` to the one conversation, or a no-op for the full list.
    fn narrow(&self, column: &str) -> String {
        match self.only {
            Some(_) => format!("{column} = $2"),
            None => "1 = 1".to_owned(),
        }
    }

    /// The ids of the viewer's conversations (narrowed when asked), as a subquery.
    fn viewer_conversations(&self) -> String {
        format!(
            "SELECT s.conversation_id FROM participants s WHERE s.user_id = $1 AND {}",
            self.narrow("s.conversation_id")
        )
    }

    async fn fetch<T: FromQueryResult>(&self, sql: &str) -> Result<Vec<T>, DomainError> {
        let mut values: Vec<Value> = vec![self.viewer.get().into()];
        if let Some(id) = self.only {
            values.push(id.get().into());
        }
        let statement = Statement::from_sql_and_values(self.db.get_database_backend(), sql, values);
        T::find_by_statement(statement)
            .all(self.db)
            .await
            .map_err(internal)
    }
}
