//! Messages, stored and read by their per-conversation sequence number: a send takes the next
//! number from the conversation row (in a group commit, see `group_commit`), and every read is a
//! seek on `(conversation_id, seq)`, so nothing here counts or skips over a room's history.

use async_trait::async_trait;
use confab_domain::ports::MessageRepository;
use confab_domain::{
    ConversationId, Cursor, Direction, DomainError, Message, MessageId, MessageView, NewMessage,
    Page, PageRequest, Slice, Timestamp, UserId, UserSummary,
};
use sea_orm::{DatabaseConnection, FromQueryResult, Statement, Value};

use tokio::sync::{mpsc, oneshot};

use super::group_commit::{self, Pending};
use super::known_users::KnownUsers;
use super::{from_db, to_db};
use crate::error::internal;

/// [`MessageRepository`] on SeaORM.
#[derive(Debug, Clone)]
pub struct SeaMessageRepository {
    db: DatabaseConnection,
    /// The group-commit writer every send goes through.
    writer: mpsc::Sender<Pending>,
}

impl SeaMessageRepository {
    /// Starts the repository's writer task: call inside a Tokio runtime.
    pub fn new(db: DatabaseConnection) -> Self {
        // Authors' names by id, so a send does not look its author up every time.
        let writer = group_commit::spawn(db.clone(), KnownUsers::new());
        Self { db, writer }
    }

    fn statement(&self, sql: &str, values: impl IntoIterator<Item = Value>) -> Statement {
        Statement::from_sql_and_values(self.db.get_database_backend(), sql, values)
    }

    async fn rows(
        &self,
        sql: &str,
        values: impl IntoIterator<Item = Value>,
    ) -> Result<Vec<MessageView>, DomainError> {
        let rows = MessageRow::find_by_statement(self.statement(sql, values))
            .all(&self.db)
            .await
            .map_err(internal)?;
        Ok(rows.into_iter().map(MessageRow::into_view).collect())
    }
}

/// A message joined with its author's name: the shape every message read returns.
#[derive(Debug, FromQueryResult)]
pub(super) struct MessageRow {
    pub id: i64,
    pub conversation_id: i64,
    pub seq: i64,
    pub user_id: i64,
    pub author_name: String,
    pub body: String,
    pub created_at: Timestamp,
}

/// The columns of [`MessageRow`], for queries aliasing `messages` as `m` and the author as `u`.
pub(super) const MESSAGE_COLUMNS: &str =
    "m.id, m.conversation_id, m.seq, m.user_id, u.name AS author_name, m.body, m.created_at";

impl MessageRow {
    pub fn into_view(self) -> MessageView {
        MessageView {
            message: Message {
                id: MessageId(self.id),
                conversation_id: ConversationId(self.conversation_id),
                seq: from_db(self.seq),
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

#[derive(Debug, FromQueryResult)]
struct Counters {
    last_seq: i64,
    message_count: i64,
}

#[derive(Debug, FromQueryResult)]
struct Seq {
    seq: i64,
}

#[async_trait]
impl MessageRepository for SeaMessageRepository {
    /// Through the group-commit writer (see [`group_commit`]): the send joins the next batch and
    /// is answered after that batch's commit. Numbered from the conversation's `last_seq` with the
    /// room locked, so sends to a room are numbered in commit order with no gap or duplicate and
    /// ids grow with `seq`; the posting rule is checked again on what is committed, and a send that
    /// a ban, removal or close got to first is refused, storing nothing.
    async fn append(&self, new: NewMessage) -> Result<MessageView, DomainError> {
        let (reply, answer) = oneshot::channel();
        self.writer
            .send(Pending {
                message: new,
                reply,
            })
            .await
            .map_err(|_| DomainError::Internal("the message writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| DomainError::Internal("the message writer dropped a send".into()))?
    }

    /// One probe: the conversation's `last_seq` names the newest message.
    async fn newest(&self, conversation: ConversationId) -> Result<Option<Message>, DomainError> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM conversations c \
             JOIN messages m ON m.conversation_id = c.id AND m.seq = c.last_seq \
             JOIN users u ON u.id = m.user_id \
             WHERE c.id = $1"
        );
        let mut rows = self.rows(&sql, [conversation.get().into()]).await?;
        Ok(rows.pop().map(|view| view.message))
    }

    /// Two statements: the conversation's counters (the total, and where page N starts), then the
    /// page as a range seek. Page N holds exactly the sequence numbers
    /// [`PageRequest::seq_range`] names, so no row before it is read.
    async fn list(
        &self,
        conversation: ConversationId,
        page: PageRequest,
    ) -> Result<Page<MessageView>, DomainError> {
        let counters = Counters::find_by_statement(self.statement(
            "SELECT last_seq, message_count FROM conversations WHERE id = $1",
            [conversation.get().into()],
        ))
        .one(&self.db)
        .await
        .map_err(internal)?;
        let Some(counters) = counters else {
            return Ok(Page {
                items: Vec::new(),
                request: page,
                total: 0,
            });
        };
        let (low, high) = page.seq_range(from_db(counters.last_seq));
        let items = if low == high {
            Vec::new()
        } else {
            let sql = format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages m JOIN users u ON u.id = m.user_id \
                 WHERE m.conversation_id = $1 AND m.seq > $2 AND m.seq <= $3 \
                 ORDER BY m.seq DESC"
            );
            self.rows(&sql, [conversation.get().into(), to_db(low), to_db(high)])
                .await?
        };
        Ok(Page {
            items,
            request: page,
            total: from_db(counters.message_count),
        })
    }

    /// Two statements: the cursor message's `seq` (by primary key, checked against the
    /// conversation), then up to `limit + 1` rows from it as a range seek; the extra row only says
    /// whether there is more.
    async fn slice(
        &self,
        conversation: ConversationId,
        cursor: Cursor,
    ) -> Result<Option<Slice<MessageView>>, DomainError> {
        let from = Seq::find_by_statement(self.statement(
            "SELECT seq FROM messages WHERE id = $1 AND conversation_id = $2",
            [cursor.from.get().into(), conversation.get().into()],
        ))
        .one(&self.db)
        .await
        .map_err(internal)?;
        let Some(from) = from else {
            return Ok(None);
        };
        let (comparison, order) = match cursor.direction {
            Direction::Before => ("<", "DESC"),
            Direction::After => (">", "ASC"),
        };
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages m JOIN users u ON u.id = m.user_id \
             WHERE m.conversation_id = $1 AND m.seq {comparison} $2 \
             ORDER BY m.seq {order} LIMIT $3"
        );
        let rows = self
            .rows(
                &sql,
                [
                    conversation.get().into(),
                    from.seq.into(),
                    to_db(cursor.limit.saturating_add(1)),
                ],
            )
            .await?;
        Ok(Some(Slice::from_probe(rows, cursor.limit)))
    }
}
