//! Group commit: sends that arrive while a transaction is being written wait for the next one,
//! and go in together — one transaction, one fsync, a handful of statements for the whole batch.
//!
//! One writer task per repository takes whatever sends are queued (at most [`MAX_BATCH`]) and
//! commits them as one transaction:
//!
//! 1. lock the batch's rooms (`SELECT … FOR UPDATE` in id order on PostgreSQL; on SQLite a no-op
//!    `UPDATE`, which takes the database's write lock) and read their `last_seq` and `closed_at`;
//! 2. read whether each sender is a participant of, or banned from, its room — with the rooms
//!    locked, so a ban, removal or close either committed before (and is seen) or waits;
//! 3. decide every send by the domain's posting rule ([`PostingFacts`]) and number the accepted
//!    ones per room, in arrival order;
//! 4. move each room's counters, insert every accepted message (one multi-row `INSERT`), move
//!    each sender's read position to their newest message, and look up unknown authors.
//!
//! Durability is unchanged: a send is answered only after the commit of its batch. A refused send
//! gets its own error and takes no number; a batch whose transaction fails fails only the sends in
//! it, each with that error.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use confab_domain::{DomainError, MessageView, NewMessage, PostingFacts, Timestamp};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, FromQueryResult,
    Statement, TransactionTrait, Value,
};
use tokio::sync::{mpsc, oneshot};

use super::known_users::KnownUsers;
use super::messages::MessageRow;
use crate::error::internal;

/// The most sends one transaction takes: a few hundred rows keep every statement well inside
/// both databases' parameter limits.
pub(super) const MAX_BATCH: usize = 256;

/// A send waiting for its batch, and where its answer goes.
pub(super) struct Pending {
    pub message: NewMessage,
    pub reply: oneshot::Sender<Result<MessageView, DomainError>>,
}

/// Starts the writer; it stops when every sender is dropped.
pub(super) fn spawn(db: DatabaseConnection, authors: KnownUsers<String>) -> mpsc::Sender<Pending> {
    let (queue, mut incoming) = mpsc::channel::<Pending>(MAX_BATCH * 4);
    tokio::spawn(async move {
        while let Some(first) = incoming.recv().await {
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match incoming.try_recv() {
                    Ok(next) => batch.push(next),
                    Err(_) => break,
                }
            }
            let messages: Vec<NewMessage> = batch.iter().map(|p| p.message.clone()).collect();
            let outcomes = match commit(&db, &authors, &messages).await {
                Ok(outcomes) => outcomes,
                Err(error) => vec![Err(error); batch.len()],
            };
            for (pending, outcome) in batch.into_iter().zip(outcomes) {
                // The request may have gone away; its message is stored all the same.
                let _ = pending.reply.send(outcome);
            }
        }
    });
    queue
}

#[derive(Debug, FromQueryResult)]
struct Room {
    id: i64,
    last_seq: i64,
    closed_at: Option<Timestamp>,
}

#[derive(Debug, FromQueryResult)]
struct Member {
    conversation_id: i64,
    user_id: i64,
    participant: i64,
    banned: i64,
}

#[derive(Debug, FromQueryResult)]
struct Inserted {
    id: i64,
    conversation_id: i64,
    seq: i64,
}

#[derive(Debug, FromQueryResult)]
struct Author {
    id: i64,
    name: String,
}

/// SQL text with `$n` placeholders and the values they stand for, built a row at a time.
#[derive(Default)]
struct Bound {
    values: Vec<Value>,
}

impl Bound {
    /// `($k, $k+1, …)` for one row of `row`'s values.
    fn row(&mut self, row: impl IntoIterator<Item = Value>) -> String {
        let mut marks = Vec::new();
        for value in row {
            self.values.push(value);
            marks.push(format!("${}", self.values.len()));
        }
        format!("({})", marks.join(", "))
    }

    fn list(&mut self, items: impl IntoIterator<Item = Value>) -> String {
        items
            .into_iter()
            .map(|value| {
                self.values.push(value);
                format!("${}", self.values.len())
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn statement(backend: DbBackend, sql: &str, bound: Bound) -> Statement {
    Statement::from_sql_and_values(backend, sql, bound.values)
}

/// One batch, one transaction: the outcome of each send in order, or the error that failed the
/// whole transaction.
async fn commit(
    db: &DatabaseConnection,
    authors: &KnownUsers<String>,
    batch: &[NewMessage],
) -> Result<Vec<Result<MessageView, DomainError>>, DomainError> {
    let backend = db.get_database_backend();
    let txn = db.begin().await.map_err(internal)?;
    let rooms = lock_rooms(&txn, backend, batch).await?;
    let members = memberships(&txn, backend, batch).await?;

    // Decide and number, in arrival order.
    let mut next: HashMap<i64, i64> = rooms.iter().map(|(id, r)| (*id, r.last_seq)).collect();
    let mut outcomes: Vec<Option<Result<i64, DomainError>>> = Vec::with_capacity(batch.len());
    for message in batch {
        let room = message.conversation_id.get();
        let Some(state) = rooms.get(&room) else {
            outcomes.push(Some(Err(DomainError::ConversationNotFound)));
            continue;
        };
        let (participant, banned) = members
            .get(&(room, message.sender.get()))
            .copied()
            .unwrap_or((false, false));
        let facts = PostingFacts {
            participant,
            banned,
            closed: state.closed_at.is_some(),
        };
        outcomes.push(Some(facts.ensure().map(|()| {
            let seq = next.entry(room).or_default();
            *seq += 1;
            *seq
        })));
    }
    let accepted: Vec<(&NewMessage, i64)> = batch
        .iter()
        .zip(&outcomes)
        .filter_map(|(message, outcome)| match outcome {
            Some(Ok(seq)) => Some((message, *seq)),
            _ => None,
        })
        .collect();
    if accepted.is_empty() {
        txn.rollback().await.map_err(internal)?;
        return Ok(outcomes
            .into_iter()
            .map(|o| {
                Err(o
                    .and_then(Result::err)
                    .unwrap_or(DomainError::ConversationNotFound))
            })
            .collect());
    }
    move_rooms(&txn, backend, &accepted).await?;
    let ids = insert_messages(&txn, backend, &accepted).await?;
    move_read_positions(&txn, backend, &accepted).await?;
    let names = author_names(&txn, backend, authors, &accepted).await?;
    txn.commit().await.map_err(internal)?;

    Ok(batch
        .iter()
        .zip(outcomes)
        .map(|(message, outcome)| {
            let seq = outcome.unwrap_or(Err(DomainError::ConversationNotFound))?;
            let room = message.conversation_id.get();
            let id = ids.get(&(room, seq)).copied().ok_or_else(|| {
                DomainError::Internal(format!("message {seq} of room {room} was not inserted"))
            })?;
            let sender = message.sender.get();
            Ok(MessageRow {
                id,
                conversation_id: room,
                seq,
                user_id: sender,
                author_name: names.get(&sender).cloned().unwrap_or_default(),
                body: message.body.as_str().to_owned(),
                created_at: message.created_at,
            }
            .into_view())
        })
        .collect())
}

/// Locks the batch's rooms (so numbering and the posting rule see every earlier change and no
/// later one) and reads their state. A room that does not exist is simply absent.
async fn lock_rooms(
    txn: &DatabaseTransaction,
    backend: DbBackend,
    batch: &[NewMessage],
) -> Result<BTreeMap<i64, Room>, DomainError> {
    let ids: BTreeSet<i64> = batch.iter().map(|m| m.conversation_id.get()).collect();
    let mut bound = Bound::default();
    let list = bound.list(ids.iter().map(|id| Value::from(*id)));
    let rows = if backend == DbBackend::Postgres {
        Room::find_by_statement(statement(
            backend,
            &format!(
                "SELECT id, last_seq, closed_at FROM conversations WHERE id IN ({list}) \
                 ORDER BY id FOR UPDATE"
            ),
            bound,
        ))
        .all(txn)
        .await
    } else {
        let values = bound.values.clone();
        txn.execute_raw(statement(
            backend,
            &format!("UPDATE conversations SET version = version WHERE id IN ({list})"),
            bound,
        ))
        .await
        .map_err(internal)?;
        Room::find_by_statement(Statement::from_sql_and_values(
            backend,
            format!("SELECT id, last_seq, closed_at FROM conversations WHERE id IN ({list})"),
            values,
        ))
        .all(txn)
        .await
    }
    .map_err(internal)?;
    Ok(rows.into_iter().map(|room| (room.id, room)).collect())
}

/// `(participant, banned)` of every (room, sender) pair in the batch, in one statement.
async fn memberships(
    txn: &DatabaseTransaction,
    backend: DbBackend,
    batch: &[NewMessage],
) -> Result<HashMap<(i64, i64), (bool, bool)>, DomainError> {
    let pairs: BTreeSet<(i64, i64)> = batch
        .iter()
        .map(|m| (m.conversation_id.get(), m.sender.get()))
        .collect();
    let mut bound = Bound::default();
    let rows: Vec<String> = pairs
        .iter()
        .map(|(room, user)| bound.row([Value::from(*room), Value::from(*user)]))
        .collect();
    let sql = format!(
        "SELECT v.column1 AS conversation_id, v.column2 AS user_id, \
                CAST(CASE WHEN EXISTS (SELECT 1 FROM participants p \
                     WHERE p.conversation_id = v.column1 AND p.user_id = v.column2) \
                     THEN 1 ELSE 0 END AS BIGINT) AS participant, \
                CAST(CASE WHEN EXISTS (SELECT 1 FROM bans b \
                     WHERE b.conversation_id = v.column1 AND b.user_id = v.column2) \
                     THEN 1 ELSE 0 END AS BIGINT) AS banned \
         FROM (VALUES {}) AS v",
        rows.join(", ")
    );
    let found = Member::find_by_statement(statement(backend, &sql, bound))
        .all(txn)
        .await
        .map_err(internal)?;
    Ok(found
        .into_iter()
        .map(|m| {
            (
                (m.conversation_id, m.user_id),
                (m.participant > 0, m.banned > 0),
            )
        })
        .collect())
}

/// Each room's `last_seq`, `message_count` and `updated_at` (its newest accepted message's time).
async fn move_rooms(
    txn: &DatabaseTransaction,
    backend: DbBackend,
    accepted: &[(&NewMessage, i64)],
) -> Result<(), DomainError> {
    let mut per_room: BTreeMap<i64, (i64, i64, Timestamp)> = BTreeMap::new();
    for (message, seq) in accepted {
        let entry =
            per_room
                .entry(message.conversation_id.get())
                .or_insert((*seq, 0, message.created_at));
        entry.0 = entry.0.max(*seq);
        entry.1 += 1;
        entry.2 = entry.2.max(message.created_at);
    }
    let mut bound = Bound::default();
    let rows: Vec<String> = per_room
        .iter()
        .map(|(room, (last, added, at))| {
            bound.row([
                Value::from(*room),
                Value::from(*last),
                Value::from(*added),
                Value::from(*at),
            ])
        })
        .collect();
    let sql = format!(
        "UPDATE conversations SET last_seq = v.column2, \
                message_count = conversations.message_count + v.column3, updated_at = v.column4 \
         FROM (VALUES {}) AS v WHERE conversations.id = v.column1",
        rows.join(", ")
    );
    txn.execute_raw(statement(backend, &sql, bound))
        .await
        .map_err(internal)?;
    Ok(())
}

/// Every accepted message in one `INSERT`; their ids by (room, seq).
async fn insert_messages(
    txn: &DatabaseTransaction,
    backend: DbBackend,
    accepted: &[(&NewMessage, i64)],
) -> Result<HashMap<(i64, i64), i64>, DomainError> {
    let mut bound = Bound::default();
    let rows: Vec<String> = accepted
        .iter()
        .map(|(message, seq)| {
            bound.row([
                Value::from(message.conversation_id.get()),
                Value::from(*seq),
                Value::from(message.sender.get()),
                Value::from(message.body.as_str()),
                Value::from(message.created_at),
            ])
        })
        .collect();
    let sql = format!(
        "INSERT INTO messages (conversation_id, seq, user_id, body, created_at) VALUES {} \
         RETURNING id, conversation_id, seq",
        rows.join(", ")
    );
    let inserted = Inserted::find_by_statement(statement(backend, &sql, bound))
        .all(txn)
        .await
        .map_err(internal)?;
    Ok(inserted
        .into_iter()
        .map(|row| ((row.conversation_id, row.seq), row.id))
        .collect())
}

/// Your own message is read: each sender's position moves to their newest message of the batch
/// (never back, if a later send of theirs committed first).
async fn move_read_positions(
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
        "UPDATE participants SET read_seq = v.column3, own_after_read = 0 \
         FROM (VALUES {}) AS v \
         WHERE participants.conversation_id = v.column1 AND participants.user_id = v.column2 \
           AND participants.read_seq < v.column3",
        rows.join(", ")
    );
    txn.execute_raw(statement(backend, &sql, bound))
        .await
        .map_err(internal)?;
    Ok(())
}

/// Authors' names, from memory when known (names never change), else in one read.
async fn author_names(
    txn: &DatabaseTransaction,
    backend: DbBackend,
    authors: &KnownUsers<String>,
    accepted: &[(&NewMessage, i64)],
) -> Result<HashMap<i64, String>, DomainError> {
    let mut names = HashMap::new();
    let mut unknown = BTreeSet::new();
    for (message, _) in accepted {
        let sender = message.sender.get();
        match authors.get(sender) {
            Some(name) => {
                names.insert(sender, name);
            }
            None => {
                unknown.insert(sender);
            }
        }
    }
    if unknown.is_empty() {
        return Ok(names);
    }
    let mut bound = Bound::default();
    let list = bound.list(unknown.iter().map(|id| Value::from(*id)));
    let found = Author::find_by_statement(statement(
        backend,
        &format!("SELECT id, name FROM users WHERE id IN ({list})"),
        bound,
    ))
    .all(txn)
    .await
    .map_err(internal)?;
    for author in found {
        authors.remember(author.id, author.name.clone());
        names.insert(author.id, author.name);
    }
    if let Some(missing) = unknown.iter().find(|id| !names.contains_key(id)) {
        return Err(DomainError::Internal(format!(
            "sender {missing} does not exist"
        )));
    }
    Ok(names)
}
