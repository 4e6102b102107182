//! Messages, stored and read by their per-conversation sequence number: a send takes the next
//! number from the conversation row (in a group commit, see `group_commit`), and every read is a
//! seek on `(conversation_id, seq)`, so nothing here counts or skips over a room's history.
//! Changes after the send are in `message_changes`, search in `message_search`; the row shape and
//! the reactions loaded beside a page in `message_rows`.

use async_trait::async_trait;
use std::sync::Arc;

use confab_domain::ports::{MessageRepository, NoWebhooks, WebhookRenderer};
use confab_domain::{
    Appended, AuditEntry, ConversationId, Cursor, Direction, DomainError, Emoji, Mentions, Message,
    MessageBody, MessageChange, MessageId, MessageView, NewMessage, Page, PageRequest,
    ReactionAction, SearchQuery, SearchScope, Slice, Timestamp, UserId,
};
use confab_domain::{FollowedThread, ThreadPage, ThreadRead};
use sea_orm::{DatabaseConnection, FromQueryResult, Statement, Value};

use tokio::sync::{mpsc, oneshot};

use super::group_commit::{self, Pending};
use super::message_rows::{
    MESSAGE_COLUMNS, MESSAGE_FROM, MessageRow, stored_client_id, view_of, with_reactions_and_files,
};
use super::webhook_outbox::Webhooks;
use super::{from_db, message_changes, message_search, threads, to_db};
use crate::error::internal;

/// [`MessageRepository`] on SeaORM.
#[derive(Debug, Clone)]
pub struct SeaMessageRepository {
    db: DatabaseConnection,
    /// The group-commit writer every send goes through.
    writer: mpsc::Sender<Pending>,
    /// What the webhooks want told, stored with each change.
    webhooks: Webhooks,
}

impl SeaMessageRepository {
    /// Starts the repository's writer task: call inside a Tokio runtime.
    pub fn new(db: DatabaseConnection) -> Self {
        Self::with_webhooks(db, Arc::new(NoWebhooks))
    }

    /// As [`Self::new`], storing the events `webhooks` renders in the outbox, in the transaction
    /// of each send, edit, deletion and reaction.
    pub fn with_webhooks(db: DatabaseConnection, webhooks: Arc<dyn WebhookRenderer>) -> Self {
        let webhooks = Webhooks::new(webhooks);
        // Authors' names by id, so a send does not look its author up every time.
        let writer = group_commit::spawn(db.clone(), webhooks.clone());
        Self {
            db,
            writer,
            webhooks,
        }
    }

    fn statement(&self, sql: &str, values: impl IntoIterator<Item = Value>) -> Statement {
        Statement::from_sql_and_values(self.db.get_database_backend(), sql, values)
    }

    /// The messages `sql` selects ([`MESSAGE_COLUMNS`]), with their reactions as `viewer` sees
    /// them and their files: three statements, one when nothing matched.
    async fn views(
        &self,
        sql: &str,
        values: impl IntoIterator<Item = Value>,
        viewer: UserId,
    ) -> Result<Vec<MessageView>, DomainError> {
        let rows = MessageRow::find_by_statement(self.statement(sql, values))
            .all(&self.db)
            .await
            .map_err(internal)?;
        with_reactions_and_files(&self.db, self.db.get_database_backend(), rows, viewer).await
    }
}

#[derive(Debug, FromQueryResult)]
struct Counters {
    last_seq: i64,
    message_count: i64,
}

#[derive(Debug, FromQueryResult)]
struct Newest {
    id: i64,
    seq: i64,
    user_id: i64,
    body: String,
    created_at: Timestamp,
    edited_at: Option<Timestamp>,
    deleted_at: Option<Timestamp>,
    client_id: Option<String>,
    reply_to_id: Option<i64>,
    mention_room: bool,
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
    async fn append(&self, new: NewMessage) -> Result<Appended, DomainError> {
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

    /// One probe: the conversation's `last_seq` names the newest message (its author's name is
    /// not needed by what asks: a read position moving to it).
    async fn newest(&self, conversation: ConversationId) -> Result<Option<Message>, DomainError> {
        let found = Newest::find_by_statement(self.statement(
            "SELECT m.id, m.seq, m.user_id, m.body, m.created_at, m.edited_at, m.deleted_at, \
                    m.client_id, m.reply_to_id, m.mention_room FROM conversations c \
             JOIN messages m ON m.conversation_id = c.id AND m.seq = c.last_seq \
             WHERE c.id = $1",
            [conversation.get().into()],
        ))
        .one(&self.db)
        .await
        .map_err(internal)?;
        found
            .map(|row| {
                let client_id = stored_client_id(row.client_id)?;
                Ok(Message {
                    id: MessageId(row.id),
                    conversation_id: conversation,
                    seq: from_db(row.seq),
                    sender: UserId(row.user_id),
                    body: row.body,
                    created_at: row.created_at,
                    edited_at: row.edited_at,
                    deleted_at: row.deleted_at,
                    client_id,
                    reply_to: row.reply_to_id.map(MessageId),
                    mention_room: row.mention_room,
                    thread_id: None,
                    pinned: None,
                })
            })
            .transpose()
    }

    /// Three statements: the conversation's counters (the total, and where page N starts), the
    /// page as a range seek, and the page's reactions. Page N holds exactly the sequence numbers
    /// [`PageRequest::seq_range`] names, so no row before it is read.
    async fn list(
        &self,
        conversation: ConversationId,
        page: PageRequest,
        viewer: UserId,
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
                "SELECT {MESSAGE_COLUMNS} FROM {MESSAGE_FROM} \
                 WHERE m.conversation_id = $1 AND m.seq > $2 AND m.seq <= $3 \
                 ORDER BY m.seq DESC"
            );
            let values = [conversation.get().into(), to_db(low), to_db(high)];
            self.views(&sql, values, viewer).await?
        };
        Ok(Page {
            items,
            request: page,
            total: from_db(counters.message_count),
        })
    }

    /// Three statements: the cursor message's `seq` (by primary key, checked against the
    /// conversation), then up to `limit + 1` rows from it as a range seek; the extra row only says
    /// whether there is more; then the reactions of the rows.
    async fn slice(
        &self,
        conversation: ConversationId,
        cursor: Cursor,
        viewer: UserId,
    ) -> Result<Option<Slice<MessageView>>, DomainError> {
        let from = Seq::find_by_statement(self.statement(
            "SELECT seq FROM messages WHERE id = $1 AND conversation_id = $2",
            [cursor.from.get().into(), conversation.get().into()],
        ))
        .one(&self.db)
        .await
        .map_err(internal)?;
        // A reply only in its thread has no place in the timeline to read from.
        let Some(from) = from.filter(|from| from.seq > 0) else {
            return Ok(None);
        };
        let (comparison, order) = match cursor.direction {
            Direction::Before => ("<", "DESC"),
            Direction::After => (">", "ASC"),
        };
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM {MESSAGE_FROM} \
             WHERE m.conversation_id = $1 AND m.seq {comparison} $2 AND m.seq > 0 \
             ORDER BY m.seq {order} LIMIT $3"
        );
        let values = [
            conversation.get().into(),
            from.seq.into(),
            to_db(cursor.limit.saturating_add(1)),
        ];
        let rows = self.views(&sql, values, viewer).await?;
        Ok(Some(Slice::from_probe(rows, cursor.limit)))
    }

    /// Three statements: the message by primary key (checked against the conversation), then its
    /// reactions, then its files.
    async fn find(
        &self,
        conversation: ConversationId,
        id: MessageId,
        viewer: UserId,
    ) -> Result<Option<MessageView>, DomainError> {
        let found = view_of(&self.db, id, viewer).await?;
        Ok(found.filter(|view| view.message.conversation_id == conversation))
    }

    async fn edit(
        &self,
        id: MessageId,
        body: &MessageBody,
        mentions: Option<Mentions>,
        at: Timestamp,
    ) -> Result<MessageChange, DomainError> {
        message_changes::edit(&self.db, &self.webhooks, id, body, mentions, at).await
    }

    async fn delete(
        &self,
        id: MessageId,
        at: Timestamp,
        audit: Option<AuditEntry>,
    ) -> Result<Option<MessageChange>, DomainError> {
        message_changes::delete(&self.db, &self.webhooks, id, at, audit).await
    }

    async fn react(
        &self,
        id: MessageId,
        user: UserId,
        emoji: &Emoji,
        action: ReactionAction,
        at: Timestamp,
    ) -> Result<Option<MessageChange>, DomainError> {
        message_changes::react(&self.db, &self.webhooks, id, user, emoji, action, at).await
    }

    /// Three statements: the number of matches and the page (how each engine is asked is in
    /// [`message_search`]), then the page's reactions.
    async fn search(
        &self,
        scope: SearchScope,
        query: &SearchQuery,
        page: PageRequest,
        viewer: UserId,
    ) -> Result<Page<MessageView>, DomainError> {
        let (total, page_sql) = message_search::matches(&self.db, scope, query, page).await?;
        let items = match page_sql {
            Some((sql, values)) => self.views(&sql, values, viewer).await?,
            None => Vec::new(),
        };
        Ok(Page {
            items,
            request: page,
            total,
        })
    }

    /// A range of the `(user_id, message_id)` index picks the page (one row more says whether
    /// there is more), then the messages by primary key with what is loaded beside them.
    async fn thread(
        &self,
        conversation: ConversationId,
        root: MessageId,
        read: ThreadRead,
        viewer: UserId,
    ) -> Result<Option<ThreadPage>, DomainError> {
        threads::page(&self.db, conversation, root, read, viewer).await
    }

    async fn follow_thread(
        &self,
        conversation: ConversationId,
        root: MessageId,
        user: UserId,
        follow: bool,
    ) -> Result<(), DomainError> {
        threads::follow(&self.db, conversation, root, user, follow).await
    }

    async fn mark_thread_read(&self, root: MessageId, user: UserId) -> Result<(), DomainError> {
        threads::mark_read(&self.db, root, user).await
    }

    async fn threads_of(
        &self,
        user: UserId,
        before: Option<MessageId>,
        limit: u64,
    ) -> Result<Slice<FollowedThread>, DomainError> {
        threads::followed(&self.db, user, before, limit).await
    }

    async fn mentions_of(
        &self,
        user: UserId,
        before: Option<MessageId>,
        limit: u64,
    ) -> Result<Slice<MessageView>, DomainError> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM {MESSAGE_FROM} WHERE m.id IN \
                 (SELECT mm.message_id FROM message_mentions mm \
                  WHERE mm.user_id = $1 AND mm.message_id < $2 \
                  ORDER BY mm.message_id DESC LIMIT $3) \
             ORDER BY m.id DESC"
        );
        let before = before.map_or(i64::MAX, MessageId::get);
        let values = [user.get().into(), before.into(), to_db(limit + 1)];
        let rows = self.views(&sql, values, user).await?;
        Ok(Slice::from_probe(rows, limit))
    }
}
