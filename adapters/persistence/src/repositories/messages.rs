//! Messages.

use async_trait::async_trait;
use confab_domain::ports::MessageRepository;
use confab_domain::{
    ConversationId, DomainError, Message, MessageId, MessageView, NewMessage, Page, PageRequest,
    Timestamp, UserId, UserSummary,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, EntityTrait, FromQueryResult,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, Statement, TransactionTrait,
};

use super::known_users::KnownUsers;
use super::limit_offset;
use crate::entities::{conversations, messages, participants, users};
use crate::error::internal;

/// [`MessageRepository`] on SeaORM.
#[derive(Debug, Clone)]
pub struct SeaMessageRepository {
    db: DatabaseConnection,
    /// Authors' names by id, so a send does not look its author up every time; names never change.
    authors: KnownUsers<String>,
}

impl SeaMessageRepository {
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            authors: KnownUsers::new(),
        }
    }
}

/// A message joined with its author's name: the shape every message read returns.
#[derive(Debug, FromQueryResult)]
pub(super) struct MessageRow {
    pub id: i64,
    pub conversation_id: i64,
    pub user_id: i64,
    pub author_name: String,
    pub body: String,
    pub created_at: Timestamp,
}

/// The columns of [`MessageRow`], for queries aliasing `messages` as `m` and the author as `u`.
pub(super) const MESSAGE_COLUMNS: &str =
    "m.id, m.conversation_id, m.user_id, u.name AS author_name, m.body, m.created_at";

impl MessageRow {
    pub fn into_view(self) -> MessageView {
        MessageView {
            message: Message {
                id: MessageId(self.id),
                conversation_id: ConversationId(self.conversation_id),
                sender: UserId(self.user_id),
                body: self.body,
                created_at: self.created_at,
            },
            author: UserSummary {
                id: UserId(self.user_id),
                name: self.author_name,
            },
        }
    }
}

#[async_trait]
impl MessageRepository for SeaMessageRepository {
    /// Insert first, so the transaction takes SQLite's write lock at its first statement (a
    /// transaction that reads first and then writes can fail with "database is locked" instead of
    /// waiting).
    async fn append(&self, new: NewMessage) -> Result<MessageView, DomainError> {
        let txn = self.db.begin().await.map_err(internal)?;
        let row = messages::ActiveModel {
            conversation_id: Set(new.conversation_id.get()),
            user_id: Set(new.sender.get()),
            body: Set(new.body.as_str().to_owned()),
            created_at: Set(new.created_at),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(internal)?;
        conversations::Entity::update_many()
            .col_expr(
                conversations::Column::UpdatedAt,
                Expr::value(new.created_at),
            )
            .filter(conversations::Column::Id.eq(row.conversation_id))
            .exec(&txn)
            .await
            .map_err(internal)?;
        participants::Entity::update_many()
            .col_expr(participants::Column::LastReadMessageId, Expr::value(row.id))
            .filter(participants::Column::ConversationId.eq(row.conversation_id))
            .filter(participants::Column::UserId.eq(row.user_id))
            .filter(
                Condition::any()
                    .add(participants::Column::LastReadMessageId.is_null())
                    .add(participants::Column::LastReadMessageId.lt(row.id)),
            )
            .exec(&txn)
            .await
            .map_err(internal)?;
        let author_name = match self.authors.get(row.user_id) {
            Some(name) => name,
            None => {
                let author = users::Entity::find_by_id(row.user_id)
                    .one(&txn)
                    .await
                    .map_err(internal)?
                    .ok_or_else(|| {
                        DomainError::Internal(format!("sender {} does not exist", row.user_id))
                    })?;
                self.authors.remember(row.user_id, author.name.clone());
                author.name
            }
        };
        txn.commit().await.map_err(internal)?;
        Ok(MessageRow {
            id: row.id,
            conversation_id: row.conversation_id,
            user_id: row.user_id,
            author_name,
            body: row.body,
            created_at: row.created_at,
        }
        .into_view())
    }

    async fn latest_id(
        &self,
        conversation: ConversationId,
    ) -> Result<Option<MessageId>, DomainError> {
        let newest = messages::Entity::find()
            .filter(messages::Column::ConversationId.eq(conversation.get()))
            .order_by_desc(messages::Column::Id)
            .limit(1)
            .one(&self.db)
            .await
            .map_err(internal)?;
        Ok(newest.map(|m| MessageId(m.id)))
    }

    /// Two queries: the page joined with author names, and the total.
    async fn list(
        &self,
        conversation: ConversationId,
        page: PageRequest,
    ) -> Result<Page<MessageView>, DomainError> {
        let total = messages::Entity::find()
            .filter(messages::Column::ConversationId.eq(conversation.get()))
            .count(&self.db)
            .await
            .map_err(internal)?;
        let (limit, offset) = limit_offset(page);
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages m JOIN users u ON u.id = m.user_id \
             WHERE m.conversation_id = $1 ORDER BY m.id DESC LIMIT $2 OFFSET $3"
        );
        let statement = Statement::from_sql_and_values(
            self.db.get_database_backend(),
            sql,
            [conversation.get().into(), limit, offset],
        );
        let rows = MessageRow::find_by_statement(statement)
            .all(&self.db)
            .await
            .map_err(internal)?;
        Ok(Page {
            items: rows.into_iter().map(MessageRow::into_view).collect(),
            request: page,
            total,
        })
    }
}
