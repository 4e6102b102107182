//! The thread replies of a group-committed batch: their roots read in one statement (only when
//! the batch has replies), numbered in their threads, and after the insert each root's summary
//! written in one statement and the repliers (and the roots' authors) made followers in one more.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use confab_domain::thread::{RootFacts, participants_after};
use confab_domain::{
    ConversationId, DomainError, MessageId, NewMessage, ThreadSummary, Timestamp, UserId,
    UserSummary,
};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, FromQueryResult, Value};

use super::known_users::{KnownUsers, user_names};
use super::message_rows::{mention_ids, unnamed_mentions};
use super::sql::Bound;
use crate::error::internal;

/// A root as the batch reads it, with its summary so far.
#[derive(Debug, Clone, FromQueryResult)]
pub(super) struct Root {
    id: i64,
    conversation_id: i64,
    deleted: i64,
    in_thread: i64,
    pub user_id: i64,
    thread_reply_count: i64,
    thread_participant_ids: String,
}

impl Root {
    /// What the thread rule needs to know of it.
    pub fn facts(&self) -> RootFacts {
        RootFacts {
            conversation_id: ConversationId(self.conversation_id),
            deleted: self.deleted > 0,
            in_thread: self.in_thread > 0,
        }
    }
}

/// The roots the batch's replies name, by id: one statement, none without replies.
pub(super) async fn roots(
    txn: &DatabaseTransaction,
    backend: DbBackend,
    batch: &[&NewMessage],
) -> Result<HashMap<i64, Root>, DomainError> {
    let ids: BTreeSet<i64> = batch
        .iter()
        .filter_map(|m| Some(m.thread_id?.get()))
        .collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut bound = Bound::default();
    let list = bound.list(ids.iter().map(|id| Value::from(*id)));
    let sql = format!(
        "SELECT id, conversation_id, \
                CAST(CASE WHEN deleted_at IS NULL THEN 0 ELSE 1 END AS BIGINT) AS deleted, \
                CAST(CASE WHEN thread_id IS NULL THEN 0 ELSE 1 END AS BIGINT) AS in_thread, \
                user_id, thread_reply_count, thread_participant_ids \
         FROM messages WHERE id IN ({list})"
    );
    let found = Root::find_by_statement(bound.statement(backend, &sql))
        .all(txn)
        .await
        .map_err(internal)?;
    Ok(found.into_iter().map(|root| (root.id, root)).collect())
}

/// A root's thread as the batch moves it: how many replies, the newest, who replied.
#[derive(Debug, Clone)]
struct Moving {
    count: i64,
    participants: Vec<UserId>,
    last: Option<(i64, Timestamp)>,
}

/// Numbers the batch's replies in their threads (in arrival order, from each root's count) and
/// keeps each root's summary as the replies move it.
#[derive(Debug, Default)]
pub(super) struct Threads {
    moving: BTreeMap<i64, Moving>,
    /// Who follows which root after the batch, with the `thread_seq` read up to (0 for a root's
    /// author made to follow by a reply of someone else).
    follows: BTreeMap<(i64, i64), (i64, i64)>,
}

impl Threads {
    /// The next number in `root`'s thread, for a reply about to be accepted.
    pub fn number(&mut self, root: &Root) -> i64 {
        let moving = self.moving.entry(root.id).or_insert_with(|| Moving {
            count: root.thread_reply_count,
            participants: unnamed_mentions(&root.thread_participant_ids)
                .unwrap_or_default()
                .into_iter()
                .map(|person| person.id)
                .collect(),
            last: None,
        });
        moving.count += 1;
        moving.count
    }

    /// Records the accepted reply `id` (number `thread_seq`) by `sender` under `root`, and
    /// returns the root's summary after it (names filled in by [`Threads::summaries_named`]).
    pub fn replied(
        &mut self,
        root: &Root,
        id: i64,
        thread_seq: i64,
        sender: UserId,
        at: Timestamp,
    ) -> (Vec<UserId>, i64, Timestamp) {
        let moving = self.moving.get_mut(&root.id).expect("numbered before");
        moving.participants = participants_after(&moving.participants, sender);
        moving.last = Some((id, at));
        let reader = self
            .follows
            .entry((sender.get(), root.id))
            .or_insert((root.conversation_id, 0));
        reader.1 = reader.1.max(thread_seq);
        self.follows
            .entry((root.user_id, root.id))
            .or_insert((root.conversation_id, 0));
        (moving.participants.clone(), thread_seq, at)
    }

    /// Writes each root's summary (one statement) and the follows (one more); none without
    /// replies.
    pub async fn write(
        &self,
        txn: &DatabaseTransaction,
        backend: DbBackend,
    ) -> Result<(), DomainError> {
        let moved: Vec<(&i64, &Moving, (i64, Timestamp))> = self
            .moving
            .iter()
            .filter_map(|(root, moving)| Some((root, moving, moving.last?)))
            .collect();
        if moved.is_empty() {
            return Ok(());
        }
        let mut bound = Bound::default();
        let rows: Vec<String> = moved
            .iter()
            .map(|(root, moving, (last_id, at))| {
                bound.row([
                    Value::from(**root),
                    Value::from(moving.count),
                    Value::from(*at),
                    Value::from(*last_id),
                    Value::from(mention_ids(&moving.participants)),
                ])
            })
            .collect();
        let sql = format!(
            "UPDATE messages SET thread_reply_count = v.column2, thread_last_reply_at = v.column3, \
                    thread_last_reply_id = v.column4, thread_participant_ids = v.column5 \
             FROM (VALUES {}) AS v WHERE messages.id = v.column1",
            rows.join(", ")
        );
        txn.execute_raw(bound.statement(backend, &sql))
            .await
            .map_err(internal)?;

        // A replier follows (again) and has read up to their reply; a root's author follows from
        // the first reply, unless they stopped following it.
        let mut bound = Bound::default();
        let rows: Vec<String> = self
            .follows
            .iter()
            .map(|((user, root), (room, read))| {
                bound.row([
                    Value::from(*user),
                    Value::from(*root),
                    Value::from(*room),
                    Value::from(*read),
                ])
            })
            .collect();
        let sql = format!(
            "INSERT INTO thread_follows (user_id, root_id, conversation_id, read_seq, following) \
             SELECT v.column1, v.column2, v.column3, v.column4, TRUE FROM (VALUES {}) AS v \
             WHERE 1 = 1 \
             ON CONFLICT (user_id, root_id) DO UPDATE SET \
                following = CASE WHEN excluded.read_seq > 0 THEN TRUE \
                                 ELSE thread_follows.following END, \
                read_seq = CASE WHEN excluded.read_seq > thread_follows.read_seq \
                                THEN excluded.read_seq ELSE thread_follows.read_seq END",
            rows.join(", ")
        );
        txn.execute_raw(bound.statement(backend, &sql))
            .await
            .map_err(internal)?;
        Ok(())
    }
}

/// `summary` with its repliers' names: from `known` (this batch's authors, and what the server
/// already read), else read in one statement.
pub(super) async fn named_summary(
    txn: &DatabaseTransaction,
    backend: DbBackend,
    authors: &KnownUsers<String>,
    (participants, count, at): (Vec<UserId>, i64, Timestamp),
    last_reply_id: MessageId,
) -> Result<ThreadSummary, DomainError> {
    let unknown: BTreeSet<i64> = participants
        .iter()
        .map(|user| user.get())
        .filter(|id| authors.get(*id).is_none())
        .collect();
    let mut read = HashMap::new();
    if !unknown.is_empty() {
        read = user_names(txn, backend, &unknown).await?;
        for (id, name) in &read {
            authors.remember(*id, name.clone());
        }
    }
    let participants = participants
        .into_iter()
        .map(|id| UserSummary {
            id,
            name: authors
                .get(id.get())
                .or_else(|| read.get(&id.get()).cloned())
                .unwrap_or_default(),
        })
        .collect();
    Ok(ThreadSummary {
        reply_count: u64::try_from(count).unwrap_or(0),
        last_reply_at: at,
        last_reply_id,
        participants,
    })
}
