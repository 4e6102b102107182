//! The mention rows a group-committed batch's accepted sends write: one statement, only in a batch
//! that names someone or calls a room. Nobody gets a mention row from someone they block.

use confab_domain::{DomainError, Mentions, NewMessage, UserId};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, Value};

use super::sql::Bound;
use crate::error::internal;

/// A stored message that names someone or calls its room: where it is, and whom it names.
pub(super) struct Reach<'a> {
    pub room: i64,
    pub seq: i64,
    pub id: i64,
    pub sender: UserId,
    pub mentions: &'a Mentions,
}

impl<'a> Reach<'a> {
    /// An accepted send of the batch, with its number and id.
    pub fn of(message: &'a NewMessage, seq: i64, id: i64) -> Self {
        Self {
            room: message.conversation_id.get(),
            seq,
            id,
            sender: message.sender,
            mentions: &message.mentions,
        }
    }
}

/// The mention rows of the accepted sends that name someone or call their room: one row per
/// person reached (never the sender, nor anyone who blocks the sender), in one statement — the
/// people named from the values, the members of a called room straight from `participants` (a
/// row that is both is written once). The `message_mentions` triggers count each row into its
/// person's `unread_mentions`.
pub(super) async fn insert_mentions(
    txn: &DatabaseTransaction,
    backend: DbBackend,
    stored: &[Reach<'_>],
) -> Result<(), DomainError> {
    let mut bound = Bound::default();
    let mut parts = Vec::new();
    let named: Vec<String> = stored
        .iter()
        .flat_map(|reach| {
            reach
                .mentions
                .users()
                .iter()
                .filter(move |user| **user != reach.sender)
                .map(move |user| (reach.room, reach.seq, reach.id, user.get(), reach.sender))
        })
        .map(|(room, seq, id, user, sender)| {
            bound.row([
                Value::from(user),
                Value::from(room),
                Value::from(seq),
                Value::from(id),
                Value::from(sender.get()),
            ])
        })
        .collect();
    if !named.is_empty() {
        parts.push(format!(
            "SELECT v.column1, v.column2, v.column3, v.column4 FROM (VALUES {}) AS v \
             WHERE NOT EXISTS (SELECT 1 FROM user_blocks b \
                               WHERE b.blocker_id = v.column1 AND b.blocked_id = v.column5)",
            named.join(", ")
        ));
    }
    let called: Vec<String> = stored
        .iter()
        .filter(|reach| reach.mentions.room())
        .map(|reach| {
            bound.row([
                Value::from(reach.room),
                Value::from(reach.seq),
                Value::from(reach.id),
                Value::from(reach.sender.get()),
            ])
        })
        .collect();
    if !called.is_empty() {
        parts.push(format!(
            "SELECT p.user_id, r.column1, r.column2, r.column3 \
             FROM participants p JOIN (VALUES {}) AS r ON p.conversation_id = r.column1 \
             WHERE p.user_id <> r.column4 \
               AND NOT EXISTS (SELECT 1 FROM user_blocks b \
                               WHERE b.blocker_id = p.user_id AND b.blocked_id = r.column4)",
            called.join(", ")
        ));
    }
    if parts.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO message_mentions (user_id, conversation_id, seq, message_id) {} \
         ON CONFLICT DO NOTHING",
        parts.join(" UNION ALL ")
    );
    txn.execute_raw(bound.statement(backend, &sql))
        .await
        .map_err(internal)?;
    Ok(())
}
