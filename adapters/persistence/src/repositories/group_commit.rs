//! Group commit: sends that arrive while a transaction is being written wait for the next one,
//! and go in together — one transaction, one fsync, a handful of statements for the whole batch.
//!
//! One writer task per repository takes whatever sends are queued (at most [`MAX_BATCH`]) and
//! commits them as one transaction:
//!
//! 1. lock the batch's rooms (`SELECT … FOR UPDATE` in id order on PostgreSQL; on SQLite a no-op
//!    `UPDATE`, which takes the database's write lock) and read their `last_seq`, `closed_at` and
//!    slow mode;
//! 2. read whether each sender is a participant of, or banned from, its room, their role,
//!    timeout and last send, and (in a batch writing to a direct chat) whether the other member
//!    blocks them — with the rooms locked, so a ban, removal, close, timeout or block either
//!    committed before (and is seen) or waits — with,
//!    in the same statement, the people the sends name and the members of the rooms where
//!    everyone may be alerted or that follow the threads replied in (`batch_audience`); and, only
//!    when the batch has them, the messages earlier sends stored under the same client ids, the
//!    messages replied to or replied under (thread roots) and the uploads named
//!    (`batch_attachments`);
//! 3. decide every send by the domain's posting rule (`PostingFacts::ensure`), mention rule, reply
//!    rule, thread rule and attachment rule, find the repeats (of an earlier send, or of a send
//!    earlier in this batch: they store nothing) before slow mode's pace
//!    (`PostingFacts::ensure_pace`, counting the batch's own earlier sends), and number the new
//!    ones per room, in arrival order — a
//!    reply only in its thread with the room's next negative number, and in its thread
//!    (`batch_threads`);
//! 4. move each room's counters, insert every accepted message (one multi-row `INSERT`; a thread
//!    reply's row carries its root's new summary, which migration 13's trigger moves onto the root
//!    with the follows), take their files into them, write their mention rows (only when one
//!    names someone), and move each sender's read position to their newest message of the
//!    timeline (authors' names come from step 2's read: a rename on any node shows at once);
//! 5. decide whom each new message alerts (the domain's `notification_for`) and, with webhooks on,
//!    store the batch's `message.sent` and `notification.created` events in the outbox (same
//!    transaction).
//!
//! Durability is unchanged: a send is answered only after the commit of its batch. A refused send
//! gets its own error and takes no number; a batch whose transaction fails fails only the sends in
//! it, each with that error.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use confab_domain::message_changes::ensure_can_reply_to;
use confab_domain::thread::ensure_can_reply_in_thread;
use confab_domain::{
    Appended, Attachment, ConversationKind, DomainError, MessageId, NewMessage, RealtimeEvent,
    SlowMode, Timestamp,
};
use sea_orm::{DatabaseConnection, TransactionTrait};
use tokio::sync::{mpsc, oneshot};

use super::batch_attachments::{files_for, named_uploads, sent_files, take_uploads};
use super::batch_audience::audience;
use super::batch_mentions::{Reach, insert_mentions};
use super::batch_statements::{
    earlier_sends, insert_messages, move_read_positions, move_rooms, referenced, stamp_last_sends,
};
use super::batch_threads::{Numbered, Threads, named_summary};
use super::batches::next_batch;
use super::message_rows::MessageRow;
use super::room_state;
use super::webhook_outbox::Webhooks;
use crate::error::internal;

/// The most sends one transaction takes: a few hundred rows keep every statement well inside
/// both databases' parameter limits.
pub(super) const MAX_BATCH: usize = 256;

/// A send waiting for its batch, and where its answer goes.
pub(super) struct Pending {
    pub message: NewMessage,
    pub reply: oneshot::Sender<Result<Appended, DomainError>>,
}

/// Starts the writer; it stops when every sender is dropped.
pub(super) fn spawn(db: DatabaseConnection, webhooks: Webhooks) -> mpsc::Sender<Pending> {
    let (queue, mut incoming) = mpsc::channel::<Pending>(MAX_BATCH * 4);
    tokio::spawn(async move {
        while let Some(batch) = next_batch(&mut incoming, MAX_BATCH).await {
            let messages: Vec<&NewMessage> = batch.iter().map(|p| &p.message).collect();
            let outcomes = match commit(&db, &webhooks, &messages).await {
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

/// What the batch decided for one send.
enum Slot {
    /// New, with this sequence number in its room (negative: only in its thread), its place in
    /// its thread for a reply, and these files.
    Numbered(i64, Option<Numbered>, Vec<Attachment>),
    /// A repeat of the message stored with this id.
    Stored(i64),
    /// A repeat of the send at this index of the batch.
    Earlier(usize),
}

/// One batch, one transaction: the outcome of each send in order, or the error that failed the
/// whole transaction.
async fn commit(
    db: &DatabaseConnection,
    webhooks: &Webhooks,
    batch: &[&NewMessage],
) -> Result<Vec<Result<Appended, DomainError>>, DomainError> {
    let backend = db.get_database_backend();
    let txn = db.begin().await.map_err(internal)?;
    let room_ids: BTreeSet<i64> = batch.iter().map(|m| m.conversation_id.get()).collect();
    let rooms = room_state::lock_rooms(&txn, &room_ids).await?;
    let direct: BTreeSet<i64> = rooms
        .values()
        .filter(|room| room.kind == ConversationKind::Direct.as_str())
        .map(|room| room.id)
        .collect();
    let whole_rooms: BTreeSet<i64> = batch
        .iter()
        .filter(|m| m.mentions.room())
        .map(|m| m.conversation_id.get())
        .chain(direct.iter().copied())
        .collect();
    // The messages the batch answers and replies under (roots), read once for both.
    let parents = referenced(&txn, backend, batch).await?;
    let root_authors: BTreeMap<i64, (i64, i64)> = batch
        .iter()
        .filter_map(|m| parents.get(&m.thread_id?.get()))
        .map(|root| (root.id, (root.conversation_id, root.user_id)))
        .collect();
    let people = audience(&txn, backend, batch, &whole_rooms, &root_authors).await?;
    let earlier = earlier_sends(&txn, backend, batch).await?;
    let uploads = named_uploads(&txn, backend, batch).await?;
    let mut taken = HashSet::new();

    // Decide and number, in arrival order.
    let mut next: HashMap<i64, i64> = rooms.iter().map(|(id, r)| (*id, r.last_seq)).collect();
    let mut next_aside: HashMap<i64, i64> = rooms
        .iter()
        .map(|(id, r)| (*id, r.thread_only_seq))
        .collect();
    let mut threads = Threads::default();
    let mut first_of: HashMap<(i64, i64, String), usize> = HashMap::new();
    // Senders in rooms with slow mode on, and when they last sent in this batch.
    let mut sent_at: HashMap<(i64, i64), Timestamp> = HashMap::new();
    let mut paced: Vec<(i64, i64)> = Vec::new();
    let slots: Vec<Result<Slot, DomainError>> = batch
        .iter()
        .enumerate()
        .map(|(index, message)| {
            let room = message.conversation_id.get();
            let state = rooms.get(&room).ok_or(DomainError::ConversationNotFound)?;
            let slow_mode = SlowMode::parse(state.slow_mode_seconds)
                .map_err(|e| DomainError::Internal(format!("stored slow mode: {e}")))?;
            let sender = (room, message.sender.get());
            let mut posting = people.posting(room, sender.1, direct.contains(&room), slow_mode);
            posting.closed = state.closed_at.is_some();
            posting.ensure(message.created_at)?;
            message
                .mentions
                .ensure_present(|user| people.is_member(room, user))?;
            let key = message
                .client_id
                .as_ref()
                .map(|c| (room, message.sender.get(), c.as_str().to_owned()));
            if let Some(key) = &key {
                if let Some(id) = earlier.get(key) {
                    return Ok(Slot::Stored(*id));
                }
                if let Some(first) = first_of.get(key) {
                    return Ok(Slot::Earlier(*first));
                }
            }
            if let Some(parent) = message.reply_to {
                let target = parents.get(&parent.get()).map(|p| p.target());
                ensure_can_reply_to(message.conversation_id, parent, target)?;
            }
            let root = match message.thread_id {
                Some(id) => {
                    let root = parents.get(&id.get());
                    ensure_can_reply_in_thread(
                        message.conversation_id,
                        id,
                        root.map(|r| r.root_facts()),
                    )?;
                    root
                }
                None => None,
            };
            // A send earlier in this batch counts as the sender's last.
            if let Some(earlier) = sent_at.get(&sender) {
                posting.last_sent_at = Some(*earlier);
            }
            posting.ensure_pace(message.created_at)?;
            let files = files_for(message, &uploads, &mut taken)?;
            if slow_mode.is_on() {
                sent_at.insert(sender, message.created_at);
                paced.push(sender);
            }
            if let Some(key) = key {
                first_of.insert(key, index);
            }
            let numbered = root.map(|root| threads.number(root, message.sender));
            let seq = if root.is_some() && !message.also_in_room {
                let aside = next_aside.entry(room).or_default();
                *aside -= 1;
                *aside
            } else {
                let seq = next.entry(room).or_default();
                *seq += 1;
                *seq
            };
            Ok(Slot::Numbered(seq, numbered, files))
        })
        .collect();
    let accepted: Vec<(&NewMessage, i64)> = batch
        .iter()
        .zip(&slots)
        .filter_map(|(message, slot)| match slot {
            Ok(Slot::Numbered(seq, _, _)) => Some((*message, *seq)),
            _ => None,
        })
        .collect();
    // Each reply's number in its thread and the summary its row carries to its root.
    let in_threads: HashMap<(i64, i64), (i64, String)> = batch
        .iter()
        .zip(&slots)
        .filter_map(|(message, slot)| match slot {
            Ok(Slot::Numbered(seq, Some(numbered), _)) => Some((
                (message.conversation_id.get(), *seq),
                (numbered.thread_seq, numbered.participant_ids()),
            )),
            _ => None,
        })
        .collect();
    // Nothing new: nothing to write, and nothing numbered was used.
    let (ids, names) = if accepted.is_empty() {
        (HashMap::new(), HashMap::new())
    } else {
        move_rooms(&txn, backend, &accepted).await?;
        let ids = insert_messages(&txn, backend, &accepted, &in_threads).await?;
        let with_files: Vec<(MessageId, &[Attachment])> = batch
            .iter()
            .zip(&slots)
            .filter_map(|(message, slot)| match slot {
                Ok(Slot::Numbered(seq, _, files)) if !files.is_empty() => {
                    let id = ids.get(&(message.conversation_id.get(), *seq))?;
                    Some((MessageId(*id), files.as_slice()))
                }
                _ => None,
            })
            .collect();
        take_uploads(&txn, backend, &with_files).await?;
        let naming: Vec<Reach> = accepted
            .iter()
            .filter(|(message, _)| !message.mentions.is_empty())
            .filter_map(|(message, seq)| {
                let id = ids.get(&(message.conversation_id.get(), *seq))?;
                Some(Reach::of(message, *seq, *id))
            })
            .collect();
        if !naming.is_empty() {
            insert_mentions(&txn, backend, &naming).await?;
        }
        let timeline: Vec<(&NewMessage, i64)> = accepted
            .iter()
            .copied()
            .filter(|(_, seq)| *seq > 0)
            .collect();
        if !timeline.is_empty() {
            move_read_positions(&txn, backend, &timeline).await?;
        }
        if !paced.is_empty() {
            let last: Vec<((i64, i64), Timestamp)> =
                paced.iter().map(|key| (*key, sent_at[key])).collect();
            stamp_last_sends(&txn, backend, &last).await?;
        }
        let names: HashMap<i64, confab_domain::UserSummary> = accepted
            .iter()
            .map(|(message, _)| {
                let sender = message.sender;
                let person = people.summary_of(message.conversation_id.get(), sender);
                (sender.get(), person)
            })
            .collect();
        (ids, names)
    };

    // The root's summary as each reply left it, by index, named.
    let mut summaries = HashMap::new();
    for (index, (message, slot)) in batch.iter().zip(&slots).enumerate() {
        let Ok(Slot::Numbered(seq, Some(numbered), _)) = slot else {
            continue;
        };
        let Some(id) = ids.get(&(message.conversation_id.get(), *seq)) else {
            continue;
        };
        let last = (MessageId(*id), message.created_at);
        let summary = named_summary(&txn, backend, &names, numbered, last).await?;
        summaries.insert(index, summary);
    }

    let id_of = |index: usize, seq: i64| {
        let room = batch[index].conversation_id.get();
        ids.get(&(room, seq)).copied().ok_or_else(|| {
            DomainError::Internal(format!("message {seq} of room {room} was not inserted"))
        })
    };
    let outcomes: Vec<Result<Appended, DomainError>> = batch
        .iter()
        .zip(&slots)
        .enumerate()
        .map(|(index, (message, slot))| match slot {
            Err(refusal) => Err(refusal.clone()),
            Ok(Slot::Stored(id)) => Ok(Appended::Repeat(MessageId(*id))),
            Ok(Slot::Earlier(first)) => match &slots[*first] {
                Ok(Slot::Numbered(seq, _, _)) => {
                    Ok(Appended::Repeat(MessageId(id_of(*first, *seq)?)))
                }
                _ => Err(DomainError::Internal("a repeat of a refused send".into())),
            },
            Ok(Slot::Numbered(seq, _, files)) => {
                let sender = message.sender.get();
                let parent = message.reply_to.and_then(|id| parents.get(&id.get()));
                let id = id_of(index, *seq)?;
                let mut view = MessageRow {
                    id,
                    conversation_id: message.conversation_id.get(),
                    seq: *seq,
                    user_id: sender,
                    author_name: names
                        .get(&sender)
                        .map(|person| person.name.clone())
                        .unwrap_or_default(),
                    author_avatar: names
                        .get(&sender)
                        .and_then(|person| person.avatar.as_ref())
                        .map(|avatar| avatar.as_str().to_owned()),
                    body: message.body.as_str().to_owned(),
                    created_at: message.created_at,
                    edited_at: None,
                    deleted_at: None,
                    client_id: message.client_id.as_ref().map(|c| c.as_str().to_owned()),
                    reply_to_id: message.reply_to.map(MessageId::get),
                    reply_body: parent.map(|p| p.body.clone()),
                    reply_user_id: parent.map(|p| p.user_id),
                    reply_author_name: parent.map(|p| p.name.clone()),
                    reply_author_avatar: parent.and_then(|p| p.avatar.clone()),
                    mention_ids: String::new(),
                    mention_room: message.mentions.room(),
                    thread_id: message.thread_id.map(MessageId::get),
                    thread_reply_count: 0,
                    thread_last_reply_at: None,
                    thread_last_reply_id: None,
                    thread_participant_ids: String::new(),
                    pinned_at: None,
                    pinned_by: None,
                }
                .into_view()?;
                view.attachments = sent_files(MessageId(id), files);
                view.mentions = people.named(message);
                let direct = direct.contains(&message.conversation_id.get());
                let root_author = message
                    .thread_id
                    .and_then(|root| Some(parents.get(&root.get())?.user_id));
                let notifications = people.notifications(message, &view, direct, root_author);
                Ok(Appended::New {
                    message: view,
                    notifications,
                    thread: summaries.remove(&index),
                })
            }
        })
        .collect();
    if accepted.is_empty() {
        txn.rollback().await.map_err(internal)?;
        return Ok(outcomes);
    }
    // What each new message tells, stored with the messages for the webhooks.
    if webhooks.are_on() {
        let told: Vec<RealtimeEvent> = outcomes
            .iter()
            .filter_map(|outcome| outcome.as_ref().ok())
            .flat_map(Appended::events)
            .collect();
        webhooks.record(&txn, &told).await?;
    }
    txn.commit().await.map_err(internal)?;
    crate::metrics::messages_stored(accepted.len());
    Ok(outcomes)
}
