//! The thread replies of a group-committed batch: numbered in their threads from their roots
//! (read with the messages the batch answers, `batch_statements::referenced`), each with the
//! repliers its root shows after it. No statement of their own: the reply's row carries its
//! root's new summary and a trigger on `messages` (migration 13) moves it onto the root and keeps
//! who follows the thread.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use confab_domain::thread::participants_after;
use confab_domain::{DomainError, MessageId, ThreadSummary, Timestamp, UserId, UserSummary};
use sea_orm::{DatabaseTransaction, DbBackend};

use super::batch_statements::Parent;
use super::message_rows::{id_list, unnamed_people};
use super::user_names::user_names;

/// Numbers the batch's replies in their threads (in arrival order, from each root's count) and
/// says who each leaves in its root's summary; keyed by root.
#[derive(Debug, Default)]
pub(super) struct Threads {
    moving: BTreeMap<i64, (i64, Vec<UserId>)>,
}

/// A reply as numbered: its place in its thread, and the repliers its root shows after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Numbered {
    pub thread_seq: i64,
    pub participants: Vec<UserId>,
}

impl Numbered {
    /// The repliers as the reply's row carries them to its root (see migration 13).
    pub fn participant_ids(&self) -> String {
        id_list(&self.participants)
    }
}

impl Threads {
    /// The next number in `root`'s thread for `sender`'s reply about to be accepted, and the
    /// repliers after it.
    pub fn number(&mut self, root: &Parent, sender: UserId) -> Numbered {
        let (count, participants) = self.moving.entry(root.id).or_insert_with(|| {
            let stored = unnamed_people(&root.thread_participant_ids).unwrap_or_default();
            let ids = stored.into_iter().map(|person| person.id).collect();
            (root.thread_reply_count, ids)
        });
        *count += 1;
        *participants = participants_after(participants, sender);
        Numbered {
            thread_seq: *count,
            participants: participants.clone(),
        }
    }
}

/// The root's summary after the reply `numbered` (`last_reply_id` at `at`), with its repliers'
/// names: this batch's authors' from `authors`, the others read in one statement (not kept in
/// memory: a name may change on any node).
pub(super) async fn named_summary(
    txn: &DatabaseTransaction,
    backend: DbBackend,
    authors: &HashMap<i64, UserSummary>,
    numbered: &Numbered,
    (last_reply_id, at): (MessageId, Timestamp),
) -> Result<ThreadSummary, DomainError> {
    let (participants, count) = (numbered.participants.clone(), numbered.thread_seq);
    let unknown: BTreeSet<i64> = participants
        .iter()
        .map(|user| user.get())
        .filter(|id| !authors.contains_key(id))
        .collect();
    let mut read = HashMap::new();
    if !unknown.is_empty() {
        read = user_names(txn, backend, &unknown).await?;
    }
    let participants = participants
        .into_iter()
        .map(|id| {
            authors
                .get(&id.get())
                .or_else(|| read.get(&id.get()))
                .cloned()
                .unwrap_or_else(|| UserSummary::named(id, String::new()))
        })
        .collect();
    Ok(ThreadSummary {
        reply_count: u64::try_from(count).unwrap_or(0),
        last_reply_at: at,
        last_reply_id,
        participants,
    })
}
