//! The statements of one group-committed batch (see `group_commit`), each covering the whole
//! batch: its size changes the rows of a statement, never the number of statements. (Locking
//! the batch's rooms is `room_state::lock_rooms`, shared with room changes.)

use std::collections::{BTreeMap, BTreeSet, HashMap};

use confab_domain::message_changes::ReplyTarget;
use confab_domain::thread::RootFacts;
use confab_domain::{ConversationId, DomainError, NewMessage, Timestamp};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, FromQueryResult, Value};

use super::message_rows::id_list;
use super::sql::Bound;
use crate::error::internal;

#[derive(Debug, FromQueryResult)]
struct Inserted {
    id: i64,
    conversation_id: i64,
    seq: i64,
}

/// Each room's `last_seq`, `message_count` and `updated_at` (its newest accepted message's time)
/// from the messages of its timeline, and its `thread_only_seq` from the replies only in their
/// threads (negative numbers) — a room the batch only replied in keeps the rest as it was.
pub(super) async fn move_rooms(
    txn: &DatabaseTransaction,
    backend: DbBackend,
    accepted: &[(&NewMessage, i64)],
) -> Result<(), DomainError> {
    #[derive(Default)]
    struct Moved {
        last: Option<i64>,
        added: i64,
        at: Option<Timestamp>,
        aside: Option<i64>,
    }
    let mut per_room: BTreeMap<i64, Moved> = BTreeMap::new();
    for (message, seq) in accepted {
        let entry = per_room.entry(message.conversation_id.get()).or_default();
        if *seq > 0 {
            entry.last = entry.last.max(Some(*seq));
            entry.added += 1;
            entry.at = entry.at.max(Some(message.created_at));
        } else {
            entry.aside = Some(entry.aside.map_or(*seq, |aside| aside.min(*seq)));
        }
    }
    let mut bound = Bound::default();
    let rows: Vec<String> = per_room
        .iter()
        .map(|(room, moved)| {
            bound.row([
                Value::from(*room),
                Value::from(moved.last),
                Value::from(moved.added),
                Value::from(moved.at),
                Value::from(moved.aside),
            ])
        })
        .collect();
    let sql = format!(
        "UPDATE conversations SET last_seq = COALESCE(v.column2, conversations.last_seq), \
                message_count = conversations.message_count + v.column3, \
                updated_at = COALESCE(v.column4, conversations.updated_at), \
                thread_only_seq = COALESCE(v.column5, conversations.thread_only_seq) \
         FROM (VALUES {}) AS v WHERE conversations.id = v.column1",
        rows.join(", ")
    );
    txn.execute_raw(bound.statement(backend, &sql))
        .await
        .map_err(internal)?;
    Ok(())
}

#[derive(Debug, FromQueryResult)]
struct Sent {
    id: i64,
    conversation_id: i64,
    user_id: i64,
    client_id: String,
}

/// The messages the batch's senders already stored under the `client_id`s they send again, by
/// (room, sender, client id): one statement, none when no send carries a client id.
pub(super) async fn earlier_sends(
    txn: &DatabaseTransaction,
    backend: DbBackend,
    batch: &[&NewMessage],
) -> Result<HashMap<(i64, i64, String), i64>, DomainError> {
    let keys: BTreeSet<(i64, i64, &str)> = batch
        .iter()
        .filter_map(|m| {
            let client_id = m.client_id.as_ref()?;
            Some((m.conversation_id.get(), m.sender.get(), client_id.as_str()))
        })
        .collect();
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let mut bound = Bound::default();
    let rows: Vec<String> = keys
        .iter()
        .map(|(room, user, client_id)| {
            bound.row([
                Value::from(*room),
                Value::from(*user),
                Value::from(*client_id),
            ])
        })
        .collect();
    let sql = format!(
        "SELECT m.id, m.conversation_id, m.user_id, m.client_id \
         FROM (VALUES {}) AS v JOIN messages m ON m.conversation_id = v.column1 \
              AND m.user_id = v.column2 AND m.client_id = v.column3",
        rows.join(", ")
    );
    let found = Sent::find_by_statement(bound.statement(backend, &sql))
        .all(txn)
        .await
        .map_err(internal)?;
    Ok(found
        .into_iter()
        .map(|row| ((row.conversation_id, row.user_id, row.client_id), row.id))
        .collect())
}

/// A message a send of the batch answers (`reply_to`) or replies under (`thread_id`), as stored.
#[derive(Debug, FromQueryResult)]
pub(super) struct Parent {
    pub id: i64,
    pub conversation_id: i64,
    deleted: i64,
    pub body: String,
    pub user_id: i64,
    pub name: String,
    pub avatar: Option<String>,
    in_thread: i64,
    /// Its thread so far, for a root (see `batch_threads`).
    pub thread_reply_count: i64,
    pub thread_participant_ids: String,
}

impl Parent {
    /// What the reply rule needs to know of it.
    pub fn target(&self) -> ReplyTarget {
        ReplyTarget {
            conversation_id: ConversationId(self.conversation_id),
            deleted: self.deleted > 0,
        }
    }

    /// What the thread rule needs to know of it as a root.
    pub fn root_facts(&self) -> RootFacts {
        RootFacts {
            conversation_id: ConversationId(self.conversation_id),
            deleted: self.deleted > 0,
            in_thread: self.in_thread > 0,
        }
    }
}

/// The messages the batch answers or replies under, by id: one statement, none when nothing in
/// the batch names another message.
pub(super) async fn referenced(
    txn: &DatabaseTransaction,
    backend: DbBackend,
    batch: &[&NewMessage],
) -> Result<HashMap<i64, Parent>, DomainError> {
    let ids: BTreeSet<i64> = batch
        .iter()
        .flat_map(|m| [m.reply_to, m.thread_id])
        .flatten()
        .map(|id| id.get())
        .collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut bound = Bound::default();
    let list = bound.list(ids.iter().map(|id| Value::from(*id)));
    let sql = format!(
        "SELECT m.id, m.conversation_id, \
                CAST(CASE WHEN m.deleted_at IS NULL THEN 0 ELSE 1 END AS BIGINT) AS deleted, \
                m.body, m.user_id, u.name, u.avatar, \
                CAST(CASE WHEN m.thread_id IS NULL THEN 0 ELSE 1 END AS BIGINT) AS in_thread, \
                m.thread_reply_count, m.thread_participant_ids \
         FROM messages m JOIN users u ON u.id = m.user_id WHERE m.id IN ({list})"
    );
    let found = Parent::find_by_statement(bound.statement(backend, &sql))
        .all(txn)
        .await
        .map_err(internal)?;
    Ok(found.into_iter().map(|row| (row.id, row)).collect())
}

/// Every accepted message in one `INSERT`, a thread reply with its number in its thread and the
/// repliers its root shows after it (`in_threads`, by (room, seq): what the `messages` trigger of
/// migration 13 moves onto the root); their ids by (room, seq).
pub(super) async fn insert_messages(
    txn: &DatabaseTransaction,
    backend: DbBackend,
    accepted: &[(&NewMessage, i64)],
    in_threads: &HashMap<(i64, i64), (i64, String)>,
) -> Result<HashMap<(i64, i64), i64>, DomainError> {
    let mut bound = Bound::default();
    let rows: Vec<String> = accepted
        .iter()
        .map(|(message, seq)| {
            let thread = in_threads.get(&(message.conversation_id.get(), *seq));
            bound.row([
                Value::from(message.conversation_id.get()),
                Value::from(*seq),
                Value::from(message.sender.get()),
                Value::from(message.body.as_str()),
                Value::from(message.created_at),
                Value::from(message.client_id.as_ref().map(|c| c.as_str().to_owned())),
                Value::from(message.reply_to.map(|id| id.get())),
                Value::from(id_list(message.mentions.users())),
                Value::from(message.mentions.room()),
                Value::from(message.thread_id.map(|id| id.get())),
                Value::from(thread.map_or(0, |(thread_seq, _)| *thread_seq)),
                Value::from(thread.map_or("", |(_, ids)| ids.as_str())),
            ])
        })
        .collect();
    let sql = format!(
        "INSERT INTO messages (conversation_id, seq, user_id, body, created_at, client_id, \
                               reply_to_id, mention_ids, mention_room, thread_id, thread_seq, \
                               thread_participant_ids) \
         VALUES {} \
         RETURNING id, conversation_id, seq",
        rows.join(", ")
    );
    let inserted = Inserted::find_by_statement(bound.statement(backend, &sql))
        .all(txn)
        .await
        .map_err(internal)?;
    Ok(inserted
        .into_iter()
        .map(|row| ((row.conversation_id, row.seq), row.id))
        .collect())
}

/// Your own message is read: each sender's position moves to their newest message of the batch
/// (never back, if a later send of theirs committed first), and their unread mentions are the
/// ones after it (of this batch: everything earlier committed before, under the room's lock) —
/// counted on the `message_mentions` key, a range that holds at most the batch's rows.
pub(super) async fn move_read_positions(
    txn: &DatabaseTransaction,
    backend: DbBackend,
    accepted: &[(&NewMessage, i64)],
) -> Result<(), DomainError> {
    let mut newest: BTreeMap<(i64, i64), i64> = BTreeMap::new();
    for (message, seq) in accepted {
        let key = (message.conversation_id.get(), message.sender.get());
        let entry = newest.entry(key).or_insert(*seq);
        *entry = (*entry).max(*seq);
    }
    let mut bound = Bound::default();
    let rows: Vec<String> = newest
        .iter()
        .map(|((room, user), seq)| {
            bound.row([Value::from(*room), Value::from(*user), Value::from(*seq)])
        })
        .collect();
    let sql = format!(
        "UPDATE participants SET read_seq = v.column3, own_after_read = 0, \
                unread_mentions = (SELECT COUNT(*) FROM message_mentions mm \
                    WHERE mm.user_id = participants.user_id \
                      AND mm.conversation_id = participants.conversation_id \
                      AND mm.seq > v.column3) \
         FROM (VALUES {}) AS v \
         WHERE participants.conversation_id = v.column1 AND participants.user_id = v.column2 \
           AND participants.read_seq < v.column3",
        rows.join(", ")
    );
    txn.execute_raw(bound.statement(backend, &sql))
        .await
        .map_err(internal)?;
    Ok(())
}

/// When each sender in a room with slow mode on last sent (`participants.last_sent_at`, which the
/// next batch's pace check reads): one statement, only in a batch that writes to such a room.
pub(super) async fn stamp_last_sends(
    txn: &DatabaseTransaction,
    backend: DbBackend,
    last: &[((i64, i64), Timestamp)],
) -> Result<(), DomainError> {
    let mut bound = Bound::default();
    let rows: Vec<String> = last
        .iter()
        .map(|((room, user), at)| {
            bound.row([Value::from(*room), Value::from(*user), Value::from(*at)])
        })
        .collect();
    let sql = format!(
        "UPDATE participants SET last_sent_at = v.column3 \
         FROM (VALUES {}) AS v \
         WHERE participants.conversation_id = v.column1 AND participants.user_id = v.column2",
        rows.join(", ")
    );
    txn.execute_raw(bound.statement(backend, &sql))
        .await
        .map_err(internal)?;
    Ok(())
}
