//! The shape every message read returns, and what is loaded beside a page of them.
//!
//! A message row comes with its author's name and its reply preview in the same statement (two
//! `LEFT JOIN`s by primary key); the reactions of a whole page come in one more statement,
//! grouped per message and emoji, and its files in another. So a page of any size costs the same
//! three statements — four when a message on it names people, whose names are read together.

use std::borrow::BorrowMut;
use std::collections::{BTreeSet, HashMap};

use confab_domain::{
    ClientId, ConversationId, DomainError, Message, MessageId, MessageView, Pin, ReactionCount,
    ReplyPreview, ThreadSummary, Timestamp, UserId, UserSummary,
};
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Statement, Value};

use super::attachment_rows::files_of;
use super::sql::Bound;
use super::user_names::{avatar, user_names};
use super::{corrupt, from_db};
use crate::error::internal;

/// A message joined with its author's name and the message it answers.
#[derive(Debug, FromQueryResult)]
pub(super) struct MessageRow {
    pub id: i64,
    pub conversation_id: i64,
    pub seq: i64,
    pub user_id: i64,
    pub author_name: String,
    pub author_avatar: Option<String>,
    pub body: String,
    pub created_at: Timestamp,
    pub edited_at: Option<Timestamp>,
    pub deleted_at: Option<Timestamp>,
    pub client_id: Option<String>,
    pub reply_to_id: Option<i64>,
    pub reply_body: Option<String>,
    pub reply_user_id: Option<i64>,
    pub reply_author_name: Option<String>,
    pub reply_author_avatar: Option<String>,
    /// The people it names, as stored (`2,5,9`; see [`id_list`]).
    pub mention_ids: String,
    pub mention_room: bool,
    pub thread_id: Option<i64>,
    /// The thread under it (0 replies: none), its repliers stored like `mention_ids`.
    pub thread_reply_count: i64,
    pub thread_last_reply_at: Option<Timestamp>,
    pub thread_last_reply_id: Option<i64>,
    pub thread_participant_ids: String,
    pub pinned_at: Option<Timestamp>,
    pub pinned_by: Option<i64>,
}

/// The columns of [`MessageRow`], selected from [`MESSAGE_FROM`].
pub(super) const MESSAGE_COLUMNS: &str = "m.id, m.conversation_id, m.seq, m.user_id, \
     u.name AS author_name, u.avatar AS author_avatar, m.body, m.created_at, m.edited_at, m.deleted_at, m.client_id, \
     m.reply_to_id, p.body AS reply_body, p.user_id AS reply_user_id, \
     pu.name AS reply_author_name, pu.avatar AS reply_author_avatar, m.mention_ids, m.mention_room, m.thread_id, \
     m.thread_reply_count, m.thread_last_reply_at, m.thread_last_reply_id, \
     m.thread_participant_ids, m.pinned_at, m.pinned_by";

/// People as a message row keeps them (whom it names, or a root's repliers): ids in order,
/// comma-separated.
pub(super) fn id_list(users: &[UserId]) -> String {
    let ids: Vec<String> = users.iter().map(|user| user.get().to_string()).collect();
    ids.join(",")
}

/// [`mention_ids`] read back, each as a summary whose name is still to be filled in.
pub(super) fn unnamed_people(stored: &str) -> Result<Vec<UserSummary>, DomainError> {
    stored
        .split(',')
        .filter(|id| !id.is_empty())
        .map(|id| {
            let id = id.parse().map_err(|e| corrupt("mention ids", e))?;
            Ok(UserSummary::named(UserId(id), String::new()))
        })
        .collect()
}

/// `messages m` with the joins [`MESSAGE_COLUMNS`] reads from.
pub(super) const MESSAGE_FROM: &str = "messages m JOIN users u ON u.id = m.user_id \
     LEFT JOIN messages p ON p.id = m.reply_to_id LEFT JOIN users pu ON pu.id = p.user_id";

impl MessageRow {
    /// The message without its reactions and files (see [`with_reactions_and_files`]).
    pub fn into_view(self) -> Result<MessageView, DomainError> {
        let client_id = stored_client_id(self.client_id)?;
        let mentions = unnamed_people(&self.mention_ids)?;
        let thread = match (self.thread_last_reply_at, self.thread_last_reply_id) {
            (Some(last_reply_at), Some(last_reply_id)) if self.thread_reply_count > 0 => {
                Some(ThreadSummary {
                    reply_count: from_db(self.thread_reply_count),
                    last_reply_at,
                    last_reply_id: MessageId(last_reply_id),
                    participants: unnamed_people(&self.thread_participant_ids)?,
                })
            }
            _ => None,
        };
        let reply_to = match (self.reply_to_id, self.reply_user_id) {
            (Some(id), Some(user)) => Some(ReplyPreview {
                id: MessageId(id),
                body: self.reply_body.unwrap_or_default(),
                author: UserSummary {
                    id: UserId(user),
                    name: self.reply_author_name.unwrap_or_default(),
                    avatar: avatar(self.reply_author_avatar.as_deref()),
                },
            }),
            _ => None,
        };
        Ok(MessageView {
            message: Message {
                id: MessageId(self.id),
                conversation_id: ConversationId(self.conversation_id),
                seq: from_db(self.seq),
                sender: UserId(self.user_id),
                body: self.body,
                created_at: self.created_at,
                edited_at: self.edited_at,
                deleted_at: self.deleted_at,
                client_id,
                reply_to: self.reply_to_id.map(MessageId),
                mention_room: self.mention_room,
                thread_id: self.thread_id.map(MessageId),
                pinned: match (self.pinned_at, self.pinned_by) {
                    (Some(at), Some(by)) => Some(Pin { at, by: UserId(by) }),
                    _ => None,
                },
            },
            author: UserSummary {
                id: UserId(self.user_id),
                name: self.author_name,
                avatar: avatar(self.author_avatar.as_deref()),
            },
            reply_to,
            reactions: Vec::new(),
            attachments: Vec::new(),
            mentions,
            thread,
            author_blocked: false,
        })
    }
}

/// A stored `client_id`, checked again as the domain's [`ClientId`].
pub(super) fn stored_client_id(raw: Option<String>) -> Result<Option<ClientId>, DomainError> {
    raw.map(|raw| ClientId::parse(&raw).map_err(|e| corrupt("client id", e)))
        .transpose()
}

#[derive(Debug, FromQueryResult)]
struct ReactionRow {
    message_id: i64,
    emoji: String,
    count: i64,
    me: i64,
}

/// The rows as views, each with its reactions as `viewer` sees them, its files, and whether the
/// viewer blocks its author: one statement for all the reactions, one for all the files and one
/// for the blocks (none for an empty list; no blocks statement when every message is the
/// viewer's), each message's emoji in the order first used.
pub(super) async fn with_reactions_and_files(
    db: &impl ConnectionTrait,
    backend: DbBackend,
    rows: Vec<MessageRow>,
    viewer: UserId,
) -> Result<Vec<MessageView>, DomainError> {
    let mut views = rows
        .into_iter()
        .map(MessageRow::into_view)
        .collect::<Result<Vec<_>, _>>()?;
    if views.is_empty() {
        return Ok(views);
    }
    let mut bound = Bound::default();
    let reader = bound.list([Value::from(viewer.get())]);
    let ids = bound.list(views.iter().map(|v| Value::from(v.message.id.get())));
    let sql = format!(
        "SELECT message_id, emoji, CAST(COUNT(*) AS BIGINT) AS count, \
                CAST(MAX(CASE WHEN user_id = {reader} THEN 1 ELSE 0 END) AS BIGINT) AS me \
         FROM message_reactions WHERE message_id IN ({ids}) \
         GROUP BY message_id, emoji ORDER BY message_id, MIN(id)"
    );
    let found = ReactionRow::find_by_statement(bound.statement(backend, &sql))
        .all(db)
        .await
        .map_err(internal)?;
    let mut by_message: HashMap<i64, Vec<ReactionCount>> = HashMap::new();
    for row in found {
        by_message
            .entry(row.message_id)
            .or_default()
            .push(ReactionCount {
                emoji: row.emoji,
                count: from_db(row.count),
                me: row.me > 0,
            });
    }
    let mut files = files_of(db, backend, views.iter().map(|v| v.message.id)).await?;
    name_people(db, backend, &mut views).await?;
    super::blocks::mark_blocked_authors(db, backend, &mut views, viewer).await?;
    for view in &mut views {
        if let Some(reactions) = by_message.remove(&view.message.id.get()) {
            view.reactions = reactions;
        }
        if let Some(attachments) = files.remove(&view.message.id) {
            view.attachments = attachments;
        }
    }
    Ok(views)
}

/// The people `view` shows by id only: whom it names and who replied in its thread.
fn people_of(view: &mut MessageView) -> impl Iterator<Item = &mut UserSummary> {
    let repliers = view
        .thread
        .iter_mut()
        .flat_map(|t| t.participants.iter_mut());
    view.mentions.iter_mut().chain(repliers)
}

/// Fills in the names of the people `views` name and of their threads' repliers: one statement,
/// none when there is nobody.
pub(super) async fn name_people<V: BorrowMut<MessageView>>(
    db: &impl ConnectionTrait,
    backend: DbBackend,
    views: &mut [V],
) -> Result<(), DomainError> {
    let ids: BTreeSet<i64> = views
        .iter_mut()
        .flat_map(|view| {
            people_of(view.borrow_mut())
                .map(|person| person.id.get())
                .collect::<Vec<_>>()
        })
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    let names = user_names(db, backend, &ids).await?;
    for person in views
        .iter_mut()
        .flat_map(|view| people_of(view.borrow_mut()))
    {
        if let Some(named) = names.get(&person.id.get()) {
            person.clone_from(named);
        }
    }
    Ok(())
}

/// One message by primary key with its reactions as `viewer` sees them, read through `db` — the
/// pool, or the transaction that just changed it (the change's answer, and its events once the
/// domain has taken `me` out). Three statements.
pub(super) async fn view_of(
    db: &impl ConnectionTrait,
    id: MessageId,
    viewer: UserId,
) -> Result<Option<MessageView>, DomainError> {
    let backend = db.get_database_backend();
    let sql = format!("SELECT {MESSAGE_COLUMNS} FROM {MESSAGE_FROM} WHERE m.id = $1");
    let rows = MessageRow::find_by_statement(Statement::from_sql_and_values(
        backend,
        &sql,
        [id.get().into()],
    ))
    .all(db)
    .await
    .map_err(internal)?;
    Ok(with_reactions_and_files(db, backend, rows, viewer)
        .await?
        .pop())
}
