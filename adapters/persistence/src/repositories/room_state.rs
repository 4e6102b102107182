//! The conversation aggregate's rows: locking rooms, reading a room with its members and bans, and
//! bringing members and bans from one state of the aggregate to another by difference. Shared by
//! every repository method that reads, locks or writes a whole room (`find`, `create`, `modify`,
//! and the group commit of sends, which locks rooms the same way).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use confab_domain::{
    Conversation, ConversationId, ConversationKind, DomainError, Participant, ReadPosition, Role,
    RoomDescription, RoomName, RoomSettings, SlowMode, Standing, Timestamp, UserId,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait, FromQueryResult,
    QueryFilter, Set, Statement, Value,
};

use super::sql::Bound;
use super::{corrupt, from_db, to_db_i64};
use crate::clock;
use crate::entities::{bans, conversations, participants};
use crate::error::internal;

/// A room as locked: what numbering messages and the posting rule need of it.
#[derive(Debug, FromQueryResult)]
pub(super) struct LockedRoom {
    pub id: i64,
    /// `direct` or `group` (`ConversationKind::as_str`).
    pub kind: String,
    pub last_seq: i64,
    /// The last number given to a reply only in its thread (negative; see `batch_threads`).
    pub thread_only_seq: i64,
    pub closed_at: Option<Timestamp>,
    pub slow_mode_seconds: i64,
}

/// Locks rooms against every other change and send until the transaction ends, and reads them:
/// `SELECT … FOR UPDATE` in id order on PostgreSQL (so two lockers of several rooms cannot
/// deadlock); on SQLite a no-op `UPDATE`, which takes the database's write lock as `BEGIN
/// IMMEDIATE` would. A room that does not exist is simply absent.
pub(super) async fn lock_rooms(
    txn: &DatabaseTransaction,
    ids: &BTreeSet<i64>,
) -> Result<BTreeMap<i64, LockedRoom>, DomainError> {
    let backend = txn.get_database_backend();
    let mut bound = Bound::default();
    let list = bound.list(ids.iter().map(|id| Value::from(*id)));
    let select = format!(
        "SELECT id, kind, last_seq, thread_only_seq, closed_at, slow_mode_seconds \
         FROM conversations WHERE id IN ({list})"
    );
    let read = if backend == DbBackend::Postgres {
        bound.statement(backend, &format!("{select} ORDER BY id FOR UPDATE"))
    } else {
        let read = bound.clone().statement(backend, &select);
        txn.execute_raw(bound.statement(
            backend,
            &format!("UPDATE conversations SET version = version WHERE id IN ({list})"),
        ))
        .await
        .map_err(internal)?;
        read
    };
    let rows = LockedRoom::find_by_statement(read)
        .all(txn)
        .await
        .map_err(internal)?;
    Ok(rows.into_iter().map(|room| (room.id, room)).collect())
}

/// The aggregate with its participants (in join order, with read positions) and bans, in two
/// statements, on the pool or inside a transaction that has locked the room.
pub(super) async fn load(
    db: &impl ConnectionTrait,
    id: ConversationId,
) -> Result<Option<Conversation>, DomainError> {
    let Some(row) = conversations::Entity::find_by_id(id.get())
        .one(db)
        .await
        .map_err(internal)?
    else {
        return Ok(None);
    };
    // Members and bans in one round trip.
    let people = PersonRow::find_by_statement(Statement::from_sql_and_values(
        db.get_database_backend(),
        "SELECT 0 AS banned, user_id, read_seq, own_after_read, role, timed_out_until, \
                id AS position \
         FROM participants WHERE conversation_id = $1 \
         UNION ALL \
         SELECT 1 AS banned, user_id, 0 AS read_seq, 0 AS own_after_read, 'member' AS role, \
                NULL AS timed_out_until, 0 AS position \
         FROM bans WHERE conversation_id = $1 \
         ORDER BY banned, position, user_id",
        [Value::from(id.get())],
    ))
    .all(db)
    .await
    .map_err(internal)?;
    let (banned, members): (Vec<PersonRow>, Vec<PersonRow>) =
        people.into_iter().partition(|person| person.banned != 0);
    Ok(Some(Conversation {
        id,
        kind: ConversationKind::parse(&row.kind).map_err(|e| corrupt("conversation kind", e))?,
        name: match row.name {
            Some(name) => RoomName::parse(&name).map_err(|e| corrupt("room name", e))?,
            None => None,
        },
        created_by: UserId(row.created_by),
        settings: RoomSettings {
            description: match row.description {
                Some(text) => {
                    RoomDescription::parse(&text).map_err(|e| corrupt("room description", e))?
                }
                None => None,
            },
            slow_mode: SlowMode::parse(row.slow_mode_seconds)
                .map_err(|e| corrupt("slow mode", e))?,
        },
        participants: members
            .into_iter()
            .map(|p| {
                Ok(Participant {
                    user_id: UserId(p.user_id),
                    read: ReadPosition {
                        seq: from_db(p.read_seq),
                        own_after: from_db(p.own_after_read),
                    },
                    standing: Standing {
                        role: Role::parse(&p.role).map_err(|e| corrupt("role", e))?,
                        timed_out_until: p.timed_out_until,
                    },
                })
            })
            .collect::<Result<_, DomainError>>()?,
        banned: banned.into_iter().map(|b| UserId(b.user_id)).collect(),
        closed_at: row.closed_at,
        created_at: row.created_at,
        updated_at: row.updated_at,
        version: row.version,
    }))
}

pub(super) async fn insert_participants(
    db: &impl ConnectionTrait,
    conversation: i64,
    members: impl IntoIterator<Item = Participant>,
    joined_at: Timestamp,
) -> Result<(), DomainError> {
    let rows: Vec<participants::ActiveModel> = members
        .into_iter()
        .map(|p| participants::ActiveModel {
            conversation_id: Set(conversation),
            user_id: Set(p.user_id.get()),
            read_seq: Set(to_db_i64(p.read.seq)),
            own_after_read: Set(to_db_i64(p.read.own_after)),
            joined_at: Set(joined_at),
            role: Set(p.standing.role.as_str().to_owned()),
            timed_out_until: Set(p.standing.timed_out_until),
            ..Default::default()
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    participants::Entity::insert_many(rows)
        .exec_without_returning(db)
        .await
        .map_err(internal)?;
    Ok(())
}

/// Takes the room's members from `before` (as stored, read under the room's lock) to `after`:
/// removes the ones dropped and adds the ones gained, in `after`'s order (the row id is the join
/// order). Rows of members who stay are not rewritten, so their read positions stay as stored.
pub(super) async fn sync_participants(
    txn: &DatabaseTransaction,
    before: &Conversation,
    after: &Conversation,
) -> Result<(), DomainError> {
    let id = after.id.get();
    let ids = |c: &Conversation| -> HashSet<i64> {
        c.participants.iter().map(|p| p.user_id.get()).collect()
    };
    let (stored, wanted) = (ids(before), ids(after));
    let gone: Vec<i64> = stored.difference(&wanted).copied().collect();
    if !gone.is_empty() {
        // Who left is no longer reached by the room's mentions (their feed forgets the room) nor
        // follows its threads.
        for table in ["message_mentions", "thread_follows"] {
            let mut bound = Bound::default();
            let room = bound.list([Value::from(id)]);
            let users = bound.list(gone.iter().map(|user| Value::from(*user)));
            txn.execute_raw(bound.statement(
                txn.get_database_backend(),
                &format!(
                    "DELETE FROM {table} WHERE conversation_id = {room} AND user_id IN ({users})"
                ),
            ))
            .await
            .map_err(internal)?;
        }
        participants::Entity::delete_many()
            .filter(participants::Column::ConversationId.eq(id))
            .filter(participants::Column::UserId.is_in(gone))
            .exec(txn)
            .await
            .map_err(internal)?;
    }
    let joined: Vec<Participant> = after
        .participants
        .iter()
        .filter(|p| !stored.contains(&p.user_id.get()))
        .cloned()
        .collect();
    let earlier = own_messages(txn, id, &joined).await?;
    let joined = joined.into_iter().map(|p| Participant {
        read: ReadPosition::joined(earlier.get(&p.user_id.get()).copied().unwrap_or(0)),
        ..p
    });
    insert_participants(txn, id, joined, clock::now()).await?;
    restand(txn, before, after).await
}

/// Writes the role and timeout of the members who stay and whose standing changed: one row each
/// (a change touches one or two members: a role, a timeout, a transfer).
async fn restand(
    txn: &DatabaseTransaction,
    before: &Conversation,
    after: &Conversation,
) -> Result<(), DomainError> {
    for member in &after.participants {
        let Some(was) = before.participant(member.user_id) else {
            continue;
        };
        if was.standing == member.standing {
            continue;
        }
        txn.execute_raw(Statement::from_sql_and_values(
            txn.get_database_backend(),
            "UPDATE participants SET role = $3, timed_out_until = $4 \
             WHERE conversation_id = $1 AND user_id = $2",
            [
                Value::from(after.id.get()),
                Value::from(member.user_id.get()),
                Value::from(member.standing.role.as_str()),
                Value::from(member.standing.timed_out_until),
            ],
        ))
        .await
        .map_err(internal)?;
    }
    Ok(())
}

/// How many messages each of `joining` wrote in the conversation before: only someone invited
/// back after leaving has any. One grouped count on the `(conversation_id, user_id)` index, run
/// only when someone joins; it reads the returning members' own messages, nobody else's.
async fn own_messages(
    txn: &DatabaseTransaction,
    conversation: i64,
    joining: &[Participant],
) -> Result<HashMap<i64, u64>, DomainError> {
    if joining.is_empty() {
        return Ok(HashMap::new());
    }
    let mut bound = Bound::default();
    let room = bound.list([Value::from(conversation)]);
    let users = bound.list(joining.iter().map(|p| Value::from(p.user_id.get())));
    let sql = format!(
        "SELECT user_id, COUNT(*) AS total FROM messages \
         WHERE conversation_id = {room} AND user_id IN ({users}) AND seq > 0 GROUP BY user_id"
    );
    let rows = OwnCount::find_by_statement(bound.statement(txn.get_database_backend(), &sql))
        .all(txn)
        .await
        .map_err(internal)?;
    Ok(rows
        .into_iter()
        .map(|row| (row.user_id, from_db(row.total)))
        .collect())
}

#[derive(Debug, FromQueryResult)]
struct OwnCount {
    user_id: i64,
    total: i64,
}

/// Bans from `before` to `after` by difference, like members (added, and should a rule ever lift
/// one, removed).
pub(super) async fn sync_bans(
    txn: &DatabaseTransaction,
    before: &Conversation,
    after: &Conversation,
) -> Result<(), DomainError> {
    let id = after.id.get();
    let ids = |c: &Conversation| -> HashSet<i64> { c.banned.iter().map(|u| u.get()).collect() };
    let (stored, wanted) = (ids(before), ids(after));
    let lifted: Vec<i64> = stored.difference(&wanted).copied().collect();
    if !lifted.is_empty() {
        bans::Entity::delete_many()
            .filter(bans::Column::ConversationId.eq(id))
            .filter(bans::Column::UserId.is_in(lifted))
            .exec(txn)
            .await
            .map_err(internal)?;
    }
    let now = clock::now();
    let added: Vec<bans::ActiveModel> = after
        .banned
        .iter()
        .filter(|u| !stored.contains(&u.get()))
        .map(|u| bans::ActiveModel {
            conversation_id: Set(id),
            user_id: Set(u.get()),
            created_at: Set(now),
        })
        .collect();
    if !added.is_empty() {
        bans::Entity::insert_many(added)
            .exec_without_returning(txn)
            .await
            .map_err(internal)?;
    }
    Ok(())
}

/// A participant (`banned = 0`, in join order) or a ban (`banned = 1`) of one conversation.
#[derive(Debug, FromQueryResult)]
struct PersonRow {
    banned: i32,
    user_id: i64,
    read_seq: i64,
    own_after_read: i64,
    role: String,
    timed_out_until: Option<Timestamp>,
}
