//! Conversations: the aggregate (members, bans, state) and the per-viewer overviews.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use confab_domain::ports::ConversationRepository;
use confab_domain::{
    Conversation, ConversationId, ConversationKind, ConversationOverview, DomainError,
    NewConversation, Participant, ReadPosition, RoomName, Timestamp, UserId,
};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, FromQueryResult, QueryFilter, Set, Statement, TransactionTrait, Value,
};

use super::{corrupt, from_db, is_unique_violation, overviews, to_db, to_db_i64};
use crate::clock;
use crate::entities::conversations::direct_key;
use crate::entities::{bans, conversations, participants};
use crate::error::internal;

/// [`ConversationRepository`] on SeaORM.
#[derive(Debug, Clone)]
pub struct SeaConversationRepository {
    db: DatabaseConnection,
}

impl SeaConversationRepository {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

#[async_trait]
impl ConversationRepository for SeaConversationRepository {
    /// Two people starting the same direct chat at the same moment both pass the use case's
    /// "do we already have one?" check; the unique `direct_key` then refuses the second insert,
    /// which rolls back and returns `Internal` (the port has no better variant). The caller is
    /// expected to look the winner's chat up with `find_direct_between` — as `create_conversation`
    /// does — and answer with it as an existing chat, so the loser neither gets a duplicate nor
    /// announces a second creation.
    async fn create(&self, new: NewConversation) -> Result<Conversation, DomainError> {
        let key = match (new.kind, new.participants.as_slice()) {
            (ConversationKind::Direct, [a, b]) => Some(direct_key(a.get(), b.get())),
            (ConversationKind::Direct, _) => {
                return Err(DomainError::Internal(
                    "a direct chat needs exactly two participants".into(),
                ));
            }
            (ConversationKind::Group, _) => None,
        };
        let txn = self.db.begin().await.map_err(internal)?;
        let inserted = conversations::ActiveModel {
            kind: Set(new.kind.as_str().to_owned()),
            name: Set(new.name.as_ref().map(|n| n.as_str().to_owned())),
            created_by: Set(new.created_by.get()),
            direct_key: Set(key.clone()),
            closed_at: Set(None),
            created_at: Set(new.created_at),
            updated_at: Set(new.created_at),
            version: Set(0),
            ..Default::default()
        }
        .insert(&txn)
        .await;
        let row = match inserted {
            Ok(row) => row,
            Err(error) if key.is_some() && is_unique_violation(&error) => {
                txn.rollback().await.map_err(internal)?;
                return Err(DomainError::Internal(format!(
                    "a direct chat between users {} and {} already exists: {error}",
                    new.participants[0], new.participants[1]
                )));
            }
            Err(error) => return Err(internal(error)),
        };
        let members: Vec<UserId> = new.participants.clone();
        insert_participants(
            &txn,
            row.id,
            members.iter().map(|&u| Participant::new(u)),
            new.created_at,
        )
        .await?;
        txn.commit().await.map_err(internal)?;
        Ok(Conversation {
            id: ConversationId(row.id),
            kind: new.kind,
            name: new.name,
            created_by: new.created_by,
            participants: members.into_iter().map(Participant::new).collect(),
            banned: Vec::new(),
            closed_at: None,
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: row.version,
        })
    }

    async fn find(&self, id: ConversationId) -> Result<Option<Conversation>, DomainError> {
        let Some(row) = conversations::Entity::find_by_id(id.get())
            .one(&self.db)
            .await
            .map_err(internal)?
        else {
            return Ok(None);
        };
        // Members and bans in one round trip: a message send loads the room every time.
        let people = PersonRow::find_by_statement(Statement::from_sql_and_values(
            self.db.get_database_backend(),
            "SELECT 0 AS banned, user_id, read_seq, own_after_read, id AS position \
             FROM participants WHERE conversation_id = $1 \
             UNION ALL \
             SELECT 1 AS banned, user_id, 0 AS read_seq, 0 AS own_after_read, 0 AS position \
             FROM bans WHERE conversation_id = $1 \
             ORDER BY banned, position, user_id",
            [Value::from(id.get())],
        ))
        .all(&self.db)
        .await
        .map_err(internal)?;
        let (banned, members): (Vec<PersonRow>, Vec<PersonRow>) =
            people.into_iter().partition(|person| person.banned != 0);
        Ok(Some(Conversation {
            id,
            kind: ConversationKind::parse(&row.kind)
                .map_err(|e| corrupt("conversation kind", e))?,
            name: match row.name {
                Some(name) => RoomName::parse(&name).map_err(|e| corrupt("room name", e))?,
                None => None,
            },
            created_by: UserId(row.created_by),
            participants: members
                .into_iter()
                .map(|p| Participant {
                    user_id: UserId(p.user_id),
                    read: ReadPosition {
                        seq: from_db(p.read_seq),
                        own_after: from_db(p.own_after_read),
                    },
                })
                .collect(),
            banned: banned.into_iter().map(|b| UserId(b.user_id)).collect(),
            closed_at: row.closed_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: row.version,
        }))
    }

    async fn find_direct_between(
        &self,
        a: UserId,
        b: UserId,
    ) -> Result<Option<ConversationId>, DomainError> {
        let row = conversations::Entity::find()
            .filter(conversations::Column::DirectKey.eq(direct_key(a.get(), b.get())))
            .one(&self.db)
            .await
            .map_err(internal)?;
        Ok(row.map(|r| ConversationId(r.id)))
    }

    /// The list's two queries narrowed to one conversation (see [`overviews`]).
    async fn overview(
        &self,
        id: ConversationId,
        viewer: UserId,
    ) -> Result<Option<ConversationOverview>, DomainError> {
        let mut found = overviews::load(&self.db, viewer, Some(id)).await?;
        Ok(found.pop())
    }

    /// Two queries whatever the number of conversations and messages (see [`overviews`]).
    async fn list_for(&self, viewer: UserId) -> Result<Vec<ConversationOverview>, DomainError> {
        overviews::load(&self.db, viewer, None).await
    }

    /// One transaction. The version-guarded `UPDATE` comes first: it both detects a stale read and
    /// takes the row lock (PostgreSQL) or the write lock (SQLite), so two saves of one room are
    /// serialized and the second finds the version moved. Then membership and bans are brought to
    /// the aggregate's state by difference, leaving untouched rows — and their read positions — alone.
    async fn save(&self, conversation: &Conversation) -> Result<(), DomainError> {
        let id = conversation.id.get();
        let txn = self.db.begin().await.map_err(internal)?;
        let updated = conversations::Entity::update_many()
            .col_expr(
                conversations::Column::Version,
                Expr::col(conversations::Column::Version).add(1),
            )
            .col_expr(
                conversations::Column::ClosedAt,
                Expr::value(conversation.closed_at),
            )
            .filter(conversations::Column::Id.eq(id))
            .filter(conversations::Column::Version.eq(conversation.version))
            .exec(&txn)
            .await
            .map_err(internal)?;
        if updated.rows_affected == 0 {
            txn.rollback().await.map_err(internal)?;
            return Err(DomainError::ConcurrentUpdate);
        }
        sync_participants(&txn, conversation).await?;
        sync_bans(&txn, conversation).await?;
        txn.commit().await.map_err(internal)
    }

    /// One statement; "never backward" is in its `WHERE`, so a late request from another tab
    /// cannot move the position back whatever else committed meanwhile.
    async fn mark_read(
        &self,
        id: ConversationId,
        user: UserId,
        up_to: u64,
    ) -> Result<(), DomainError> {
        self.db
            .execute_raw(Statement::from_sql_and_values(
                self.db.get_database_backend(),
                "UPDATE participants SET read_seq = $3, own_after_read = 0 \
                 WHERE conversation_id = $1 AND user_id = $2 AND read_seq < $3",
                [id.get().into(), user.get().into(), to_db(up_to)],
            ))
            .await
            .map_err(internal)?;
        Ok(())
    }
}

async fn insert_participants(
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

/// Removes the members the aggregate dropped and adds the ones it gained, in its order (the row id
/// is the join order). Rows of members who stay are not rewritten: their read position may have
/// moved since the aggregate was read, by `append` or `mark_read`, which do not bump the version.
async fn sync_participants(
    txn: &DatabaseTransaction,
    conversation: &Conversation,
) -> Result<(), DomainError> {
    let id = conversation.id.get();
    let stored: HashSet<i64> = participants::Entity::find()
        .filter(participants::Column::ConversationId.eq(id))
        .all(txn)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|p| p.user_id)
        .collect();
    let wanted: HashSet<i64> = conversation
        .participants
        .iter()
        .map(|p| p.user_id.get())
        .collect();
    let gone: Vec<i64> = stored.difference(&wanted).copied().collect();
    if !gone.is_empty() {
        participants::Entity::delete_many()
            .filter(participants::Column::ConversationId.eq(id))
            .filter(participants::Column::UserId.is_in(gone))
            .exec(txn)
            .await
            .map_err(internal)?;
    }
    let joined: Vec<Participant> = conversation
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
    insert_participants(txn, id, joined, clock::now()).await
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
    let placeholders: Vec<String> = (0..joining.len()).map(|i| format!("${}", i + 2)).collect();
    let mut values: Vec<Value> = vec![conversation.into()];
    values.extend(joining.iter().map(|p| Value::from(p.user_id.get())));
    let rows = OwnCount::find_by_statement(Statement::from_sql_and_values(
        txn.get_database_backend(),
        format!(
            "SELECT user_id, COUNT(*) AS total FROM messages \
             WHERE conversation_id = $1 AND user_id IN ({}) GROUP BY user_id",
            placeholders.join(", ")
        ),
        values,
    ))
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

/// Bans are added (and, should a rule ever lift one, removed) by difference, like members.
async fn sync_bans(
    txn: &DatabaseTransaction,
    conversation: &Conversation,
) -> Result<(), DomainError> {
    let id = conversation.id.get();
    let stored: HashSet<i64> = bans::Entity::find()
        .filter(bans::Column::ConversationId.eq(id))
        .all(txn)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|b| b.user_id)
        .collect();
    let wanted: HashSet<i64> = conversation.banned.iter().map(|u| u.get()).collect();
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
    let added: Vec<bans::ActiveModel> = conversation
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
}
