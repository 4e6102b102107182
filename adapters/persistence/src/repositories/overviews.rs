//! The conversation list as one viewer sees it, in a fixed number of queries that do not grow
//! with the conversations' histories.
//!
//! [`load`] runs exactly three statements however many conversations the viewer is in and however
//! many messages they hold (one when there are none, two when none has a message yet; one more
//! when a newest message names someone, for the names):
//!
//! 1. the viewer's conversations, newest activity first, each with its creator's name, the
//!    viewer's read position, and its newest message with the author's name — found by one
//!    index probe each, `(conversation_id, seq = last_seq)`;
//! 2. every member of those conversations with their name and the message they have read up to
//!    (one index probe each, `(conversation_id, seq = read_seq)`), in join order;
//! 3. the files of those newest messages (`attachment_rows::files_of`).
//!
//! The unread count is not counted: it is [`ReadPosition::unread`] of the conversation's
//! `last_seq`, the domain's arithmetic — less the unread messages by people the viewer blocks,
//! one range of `messages (conversation_id, user_id, seq)` per person blocked (none read when the
//! viewer blocks nobody). `overview` runs the same statements narrowed to one
//! conversation, so the list and the single view cannot disagree. The behaviour suite counts the
//! statements through SeaORM's metric callback.
//!
//! Plain SQL rather than the query builder: the joins read as what they are. `$n` placeholders
//! work on both drivers (sqlx binds `$n` by number on SQLite too).

use std::collections::{BTreeMap, HashMap};

use confab_domain::{
    ConversationId, ConversationKind, ConversationOverview, DomainError, Message, MessageId,
    MessageView, NotificationLevel, NotificationSettings, ReadPosition, Role, SlowMode, Standing,
    Timestamp, UserId, UserSummary,
};
use sea_orm::{DatabaseConnection, FromQueryResult, Statement, Value};

use super::attachment_rows::files_of;
use super::message_rows::{name_people, unnamed_people};
use super::{corrupt, from_db};
use crate::clock;
use crate::error::internal;

#[derive(Debug, FromQueryResult)]
struct ConversationRow {
    id: i64,
    kind: String,
    name: Option<String>,
    description: Option<String>,
    slow_mode_seconds: i64,
    created_by: i64,
    creator_name: String,
    creator_avatar: Option<String>,
    closed_at: Option<Timestamp>,
    updated_at: Timestamp,
    last_seq: i64,
    read_seq: i64,
    own_after_read: i64,
    unread_mentions: i64,
    /// Unread messages by people the viewer blocks (not counted as unread).
    blocked_unread: i64,
    notify_level: String,
    muted_until: Option<Timestamp>,
    last_id: Option<i64>,
    last_user_id: Option<i64>,
    last_author_name: Option<String>,
    last_author_avatar: Option<String>,
    last_body: Option<String>,
    last_created_at: Option<Timestamp>,
    last_edited_at: Option<Timestamp>,
    last_deleted_at: Option<Timestamp>,
    last_mention_ids: Option<String>,
    last_mention_room: Option<bool>,
}

impl ConversationRow {
    /// The newest message, when the conversation has one (the `LEFT JOIN` matched).
    fn last_message(&mut self) -> Option<MessageView> {
        let sender = UserId(self.last_user_id?);
        let mut message = Message::sent(
            MessageId(self.last_id?),
            ConversationId(self.id),
            from_db(self.last_seq),
            sender,
            self.last_body.take()?,
            self.last_created_at?,
        );
        message.edited_at = self.last_edited_at;
        message.deleted_at = self.last_deleted_at;
        message.mention_room = self.last_mention_room.unwrap_or(false);
        let mut view = MessageView::new(
            message,
            UserSummary {
                id: sender,
                name: self.last_author_name.take()?,
                avatar: super::user_names::avatar(self.last_author_avatar.as_deref()),
            },
        );
        view.mentions = unnamed_people(self.last_mention_ids.as_deref().unwrap_or("")).ok()?;
        Some(view)
    }

    fn notifications(&self) -> Result<NotificationSettings, DomainError> {
        Ok(NotificationSettings {
            level: NotificationLevel::parse(&self.notify_level)
                .map_err(|e| corrupt("notification level", e))?,
            muted_until: self.muted_until,
        })
    }

    fn read_position(&self) -> ReadPosition {
        ReadPosition {
            seq: from_db(self.read_seq),
            own_after: from_db(self.own_after_read),
        }
    }
}

#[derive(Debug, FromQueryResult)]
struct MemberRow {
    conversation_id: i64,
    user_id: i64,
    name: String,
    avatar: Option<String>,
    role: String,
    timed_out_until: Option<Timestamp>,
    last_read_id: Option<i64>,
}

/// The overviews of `viewer`'s conversations, or of just `only` (empty when `viewer` is not in it).
pub(super) async fn load(
    db: &DatabaseConnection,
    viewer: UserId,
    only: Option<ConversationId>,
) -> Result<Vec<ConversationOverview>, DomainError> {
    let scope = Scope::new(db, viewer, only);

    let mut conversations: Vec<ConversationRow> = scope
        .fetch(&format!(
            "SELECT c.id, c.kind, c.name, c.description, c.slow_mode_seconds, c.created_by, \
                    creator.name AS creator_name, creator.avatar AS creator_avatar, \
                    c.closed_at, c.updated_at, c.last_seq, v.read_seq, v.own_after_read, \
                    v.unread_mentions, v.notify_level, v.muted_until, \
                    (SELECT COUNT(*) FROM user_blocks ub \
                     JOIN messages bm ON bm.conversation_id = c.id \
                                     AND bm.user_id = ub.blocked_id AND bm.seq > v.read_seq \
                     WHERE ub.blocker_id = $1) AS blocked_unread, \
                    m.id AS last_id, m.user_id AS last_user_id, author.name AS last_author_name, \
                    author.avatar AS last_author_avatar, \
                    m.body AS last_body, m.created_at AS last_created_at, \
                    m.edited_at AS last_edited_at, m.deleted_at AS last_deleted_at, \
                    m.mention_ids AS last_mention_ids, m.mention_room AS last_mention_room \
             FROM participants v \
             JOIN conversations c ON c.id = v.conversation_id \
             JOIN users creator ON creator.id = c.created_by \
             LEFT JOIN messages m ON m.conversation_id = c.id AND m.seq = c.last_seq \
             LEFT JOIN users author ON author.id = m.user_id \
             WHERE v.user_id = $1 AND {} \
             ORDER BY c.updated_at DESC, c.id DESC",
            scope.narrow("c.id"),
        ))
        .await?;
    if conversations.is_empty() {
        return Ok(Vec::new());
    }

    let mut members: HashMap<i64, Vec<UserSummary>> = HashMap::new();
    let mut receipts: HashMap<i64, BTreeMap<UserId, MessageId>> = HashMap::new();
    let mut standings: HashMap<i64, BTreeMap<UserId, Standing>> = HashMap::new();
    // A timeout that has run out reads as none.
    let now = clock::now();
    let member_rows: Vec<MemberRow> = scope
        .fetch(&format!(
            "SELECT p.conversation_id, p.user_id, u.name, u.avatar, p.role, p.timed_out_until, \
                    r.id AS last_read_id \
             FROM participants p JOIN users u ON u.id = p.user_id \
             LEFT JOIN messages r ON r.conversation_id = p.conversation_id AND r.seq = p.read_seq \
             WHERE p.conversation_id IN ({}) \
             ORDER BY p.conversation_id, p.id",
            scope.viewer_conversations(),
        ))
        .await?;
    for row in member_rows {
        if let Some(read) = row.last_read_id {
            receipts
                .entry(row.conversation_id)
                .or_default()
                .insert(UserId(row.user_id), MessageId(read));
        }
        standings.entry(row.conversation_id).or_default().insert(
            UserId(row.user_id),
            Standing {
                role: Role::parse(&row.role).map_err(|e| corrupt("role", e))?,
                timed_out_until: row.timed_out_until.filter(|until| *until > now),
            },
        );
        members
            .entry(row.conversation_id)
            .or_default()
            .push(UserSummary {
                id: UserId(row.user_id),
                name: row.name,
                avatar: super::user_names::avatar(row.avatar.as_deref()),
            });
    }

    let newest = conversations
        .iter()
        .filter_map(|row| row.last_id)
        .map(MessageId);
    let mut files = files_of(db, db.get_database_backend(), newest).await?;

    let mut last_messages: Vec<Option<MessageView>> = conversations
        .iter_mut()
        .map(ConversationRow::last_message)
        .collect();
    let mut named: Vec<&mut MessageView> = last_messages.iter_mut().flatten().collect();
    name_people(db, db.get_database_backend(), &mut named).await?;
    conversations
        .into_iter()
        .zip(last_messages)
        .map(|(row, mut last_message)| {
            let kind =
                ConversationKind::parse(&row.kind).map_err(|e| corrupt("conversation kind", e))?;
            if let Some(view) = &mut last_message {
                view.attachments = files.remove(&view.message.id).unwrap_or_default();
            }
            let unread_count = row
                .read_position()
                .unread(from_db(row.last_seq))
                .saturating_sub(from_db(row.blocked_unread));
            let notifications = row.notifications()?;
            Ok(ConversationOverview {
                id: ConversationId(row.id),
                kind,
                name: row.name,
                description: row.description,
                slow_mode: SlowMode::parse(row.slow_mode_seconds)
                    .map_err(|e| corrupt("slow mode", e))?,
                standings: match kind {
                    ConversationKind::Group => standings.remove(&row.id).unwrap_or_default(),
                    ConversationKind::Direct => BTreeMap::new(),
                },
                created_by: UserSummary {
                    id: UserId(row.created_by),
                    name: row.creator_name,
                    avatar: super::user_names::avatar(row.creator_avatar.as_deref()),
                },
                closed_at: row.closed_at,
                participants: members.remove(&row.id).unwrap_or_default(),
                last_read: receipts.remove(&row.id).unwrap_or_default(),
                last_message,
                unread_count,
                unread_mentions: from_db(row.unread_mentions),
                notifications,
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
