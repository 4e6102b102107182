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

use std::collections::{BTreeSet, HashMap};

use confab_domain::{DomainError, MessageView, NewMessage, PostingFacts};
use sea_orm::{DatabaseConnection, TransactionTrait};
use tokio::sync::{mpsc, oneshot};

use super::batch_statements::{
    author_names, insert_messages, memberships, move_read_positions, move_rooms,
};
use super::known_users::KnownUsers;
use super::messages::MessageRow;
use super::room_state;
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
            let messages: Vec<&NewMessage> = batch.iter().map(|p| &p.message).collect();
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

/// One batch, one transaction: the outcome of each send in order, or the error that failed the
/// whole transaction.
async fn commit(
    db: &DatabaseConnection,
    authors: &KnownUsers<String>,
    batch: &[&NewMessage],
) -> Result<Vec<Result<MessageView, DomainError>>, DomainError> {
    let backend = db.get_database_backend();
    let txn = db.begin().await.map_err(internal)?;
    let room_ids: BTreeSet<i64> = batch.iter().map(|m| m.conversation_id.get()).collect();
    let rooms = room_state::lock_rooms(&txn, &room_ids).await?;
    let members = memberships(&txn, backend, batch).await?;

    // Decide and number, in arrival order.
    let mut next: HashMap<i64, i64> = rooms.iter().map(|(id, r)| (*id, r.last_seq)).collect();
    let numbered: Vec<Result<i64, DomainError>> = batch
        .iter()
        .map(|message| {
            let room = message.conversation_id.get();
            let state = rooms.get(&room).ok_or(DomainError::ConversationNotFound)?;
            let (participant, banned) = members
                .get(&(room, message.sender.get()))
                .copied()
                .unwrap_or((false, false));
            PostingFacts {
                participant,
                banned,
                closed: state.closed_at.is_some(),
            }
            .ensure()?;
            let seq = next.entry(room).or_default();
            *seq += 1;
            Ok(*seq)
        })
        .collect();
    let accepted: Vec<(&NewMessage, i64)> = batch
        .iter()
        .zip(&numbered)
        .filter_map(|(message, seq)| Some((*message, *seq.as_ref().ok()?)))
        .collect();
    // Everyone refused: nothing to write, and nothing numbered was used.
    let (ids, names) = if accepted.is_empty() {
        txn.rollback().await.map_err(internal)?;
        (HashMap::new(), HashMap::new())
    } else {
        move_rooms(&txn, backend, &accepted).await?;
        let ids = insert_messages(&txn, backend, &accepted).await?;
        move_read_positions(&txn, backend, &accepted).await?;
        let names = author_names(&txn, backend, authors, &accepted).await?;
        txn.commit().await.map_err(internal)?;
        (ids, names)
    };

    Ok(batch
        .iter()
        .zip(numbered)
        .map(|(message, seq)| {
            let seq = seq?;
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
