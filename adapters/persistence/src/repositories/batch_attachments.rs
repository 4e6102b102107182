//! The files of a group-committed batch (see `group_commit`): the uploads its sends name, read
//! with the batch's rooms locked, and taken into the new messages by one statement.
//!
//! An upload is taken by one send only: a send in another batch waits for this batch's room lock
//! (an upload belongs to one room), and a send earlier in the same batch marks it taken. The
//! orphan sweep, which takes no room lock, is kept out by `FOR UPDATE` on PostgreSQL and by the
//! database's single write lock on SQLite, and it deletes only uploads still in no message.

use std::collections::{BTreeSet, HashMap, HashSet};

use confab_domain::{Attachment, AttachmentId, DomainError, MessageId, NewMessage};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, FromQueryResult, Value};

use super::attachment_rows::{ATTACHMENT_COLUMNS, AttachmentRow};
use super::sql::Bound;
use crate::error::internal;

/// Every upload the batch's sends name, by id; none read when no send names one.
pub(super) async fn named_uploads(
    txn: &DatabaseTransaction,
    backend: DbBackend,
    batch: &[&NewMessage],
) -> Result<HashMap<AttachmentId, Attachment>, DomainError> {
    let named: BTreeSet<i64> = batch
        .iter()
        .flat_map(|m| m.attachments.iter().map(|id| id.get()))
        .collect();
    if named.is_empty() {
        return Ok(HashMap::new());
    }
    let mut bound = Bound::default();
    let ids = bound.list(named.into_iter().map(Value::from));
    let lock = if backend == DbBackend::Postgres {
        " FOR UPDATE"
    } else {
        ""
    };
    let sql = format!("SELECT {ATTACHMENT_COLUMNS} FROM attachments a WHERE a.id IN ({ids}){lock}");
    let rows = AttachmentRow::find_by_statement(bound.statement(backend, &sql))
        .all(txn)
        .await
        .map_err(internal)?;
    Ok(rows
        .into_iter()
        .map(AttachmentRow::into_domain)
        .map(|a| (a.id, a))
        .collect())
}

/// The uploads `message` names, as the domain allows them into it (its sender's own, of its room,
/// in no message — nor taken by a send earlier in this batch, recorded in `taken`).
///
/// # Errors
/// `Invalid` on `attachment_ids`, naming the first one refused; nothing is marked taken then.
pub(super) fn files_for(
    message: &NewMessage,
    uploads: &HashMap<AttachmentId, Attachment>,
    taken: &mut HashSet<AttachmentId>,
) -> Result<Vec<Attachment>, DomainError> {
    let files = message
        .attachments
        .iter()
        .map(|id| {
            let upload = uploads.get(id).ok_or_else(|| {
                DomainError::invalid("attachment_ids", format!("Attachment {id} does not exist."))
            })?;
            upload.ensure_attachable(message.sender, message.conversation_id)?;
            if taken.contains(id) {
                return Err(DomainError::invalid(
                    "attachment_ids",
                    format!("Attachment {id} is already in a message."),
                ));
            }
            Ok(upload.clone())
        })
        .collect::<Result<Vec<_>, _>>()?;
    taken.extend(files.iter().map(|a| a.id));
    Ok(files)
}

/// Puts each file into its message, at its place in the sender's list: one statement for the
/// batch (none when no message has files).
pub(super) async fn take_uploads(
    txn: &DatabaseTransaction,
    backend: DbBackend,
    files: &[(MessageId, &[Attachment])],
) -> Result<(), DomainError> {
    let mut bound = Bound::default();
    let rows: Vec<String> = files
        .iter()
        .flat_map(|(message, attachments)| {
            attachments
                .iter()
                .enumerate()
                .map(move |(position, a)| (*message, position, a.id))
        })
        .map(|(message, position, id)| {
            bound.row([
                Value::from(id.get()),
                Value::from(message.get()),
                Value::from(i64::try_from(position).unwrap_or(i64::MAX)),
            ])
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "UPDATE attachments AS a SET message_id = v.column2, position = v.column3 \
         FROM (VALUES {}) AS v WHERE a.id = v.column1 AND a.message_id IS NULL",
        rows.join(", ")
    );
    let expected = rows.len() as u64;
    let done = txn
        .execute_raw(bound.statement(backend, &sql))
        .await
        .map_err(internal)?
        .rows_affected();
    if done != expected {
        // The lock above makes this unreachable; if it ever is not, fail the batch rather than
        // send a message without a file it claims.
        return Err(DomainError::Internal(format!(
            "took {done} of {expected} uploads"
        )));
    }
    Ok(())
}

/// A new message's files as it now holds them.
pub(super) fn sent_files(message: MessageId, files: &[Attachment]) -> Vec<Attachment> {
    files
        .iter()
        .cloned()
        .map(|mut a| {
            a.message_id = Some(message);
            a
        })
        .collect()
}
