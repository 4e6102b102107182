//! Conversations: creating them, changing a room (serialized per room by `modify`), read
//! positions, and the per-viewer overviews. The aggregate's rows
//! are read and written in `room_state`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use async_trait::async_trait;
use confab_domain::ports::{ConversationRepository, Decide, NoWebhooks, WebhookRenderer};
use confab_domain::{
    Conversation, ConversationId, ConversationKind, ConversationOverview, DomainError,
    NewConversation, NotificationSettings, Participant, RoomChange, RoomDifference, UserId,
    UserSummary,
};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    FromQueryResult, QueryFilter, Set, Statement, TransactionTrait,
};

use super::user_names::user_names;
use super::webhook_outbox::Webhooks;
use super::{audit_log, is_unique_violation, overviews, room_state, to_db};
use crate::entities::conversations;
use crate::entities::conversations::direct_key;
use crate::error::internal;

/// One row of [`ConversationRepository::direct_partners`].
#[derive(Debug, FromQueryResult)]
struct Partner {
    user_id: i64,
}

/// [`ConversationRepository`] on SeaORM.
#[derive(Debug, Clone)]
pub struct SeaConversationRepository {
    db: DatabaseConnection,
    /// What the webhooks want told of a room change, stored with it.
    webhooks: Webhooks,
}

impl SeaConversationRepository {
    pub fn new(db: DatabaseConnection) -> Self {
        Self::with_webhooks(db, Arc::new(NoWebhooks))
    }

    /// As [`Self::new`], storing the events `webhooks` renders of each room change (who joined,
    /// left, was banned; the close) in the outbox, in the change's transaction.
    pub fn with_webhooks(db: DatabaseConnection, webhooks: Arc<dyn WebhookRenderer>) -> Self {
        Self {
            db,
            webhooks: Webhooks::new(webhooks),
        }
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
            description: Set(None),
            slow_mode_seconds: Set(0),
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
        let members: Vec<Participant> = new.members();
        room_state::insert_participants(&txn, row.id, members.clone(), new.created_at).await?;
        txn.commit().await.map_err(internal)?;
        Ok(Conversation {
            id: ConversationId(row.id),
            kind: new.kind,
            name: new.name,
            created_by: new.created_by,
            settings: Default::default(),
            participants: members,
            banned: Vec::new(),
            closed_at: None,
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: row.version,
        })
    }

    async fn find(&self, id: ConversationId) -> Result<Option<Conversation>, DomainError> {
        room_state::load(&self.db, id).await
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

    /// One query over the user's memberships (`participants` is indexed by user), newest
    /// activity first; closed chats (the other account was deleted) are left out.
    async fn direct_partners(
        &self,
        user: UserId,
        limit: usize,
    ) -> Result<Vec<UserId>, DomainError> {
        let sql = "SELECT other.user_id FROM participants mine \
             JOIN conversations c ON c.id = mine.conversation_id \
             JOIN participants other ON other.conversation_id = mine.conversation_id \
             AND other.user_id <> mine.user_id \
             WHERE mine.user_id = $1 AND c.kind = 'direct' AND c.closed_at IS NULL \
             ORDER BY c.updated_at DESC, c.id DESC LIMIT $2";
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let statement = Statement::from_sql_and_values(
            self.db.get_database_backend(),
            sql,
            [user.get().into(), limit.into()],
        );
        let rows = Partner::find_by_statement(statement)
            .all(&self.db)
            .await
            .map_err(internal)?;
        Ok(rows.into_iter().map(|row| UserId(row.user_id)).collect())
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

    /// One transaction that locks the room first — `SELECT … FOR UPDATE` on PostgreSQL; on SQLite
    /// a no-op `UPDATE`, which takes the database's write lock as `BEGIN IMMEDIATE` would — then
    /// reads the aggregate under that lock, applies the decision, and writes the difference
    /// (`version` bumped). Every other change
    /// and every send to the room takes the same lock first, so they queue instead of failing.
    async fn modify(
        &self,
        id: ConversationId,
        actor: UserId,
        mut decide: Box<dyn Decide>,
    ) -> Result<RoomChange, DomainError> {
        let txn = self.db.begin().await.map_err(internal)?;
        let locked = room_state::lock_rooms(&txn, &BTreeSet::from([id.get()])).await?;
        let stored = if locked.is_empty() {
            None
        } else {
            room_state::load(&txn, id).await?
        };
        let Some(mut room) = stored else {
            txn.rollback().await.map_err(internal)?;
            return Err(DomainError::ConversationNotFound);
        };
        let before = room.clone();
        if let Err(refused) = decide.decide(&mut room) {
            txn.rollback().await.map_err(internal)?;
            return Err(refused);
        }
        if room == before {
            txn.rollback().await.map_err(internal)?;
            return Ok(RoomChange {
                room,
                events: Vec::new(),
            });
        }
        conversations::Entity::update_many()
            .col_expr(
                conversations::Column::Version,
                Expr::col(conversations::Column::Version).add(1),
            )
            .col_expr(conversations::Column::ClosedAt, Expr::value(room.closed_at))
            .col_expr(
                conversations::Column::Name,
                Expr::value(room.name.as_ref().map(|name| name.as_str().to_owned())),
            )
            .col_expr(
                conversations::Column::Description,
                Expr::value(
                    room.settings
                        .description
                        .as_ref()
                        .map(|text| text.as_str().to_owned()),
                ),
            )
            .col_expr(
                conversations::Column::SlowModeSeconds,
                Expr::value(i64::from(room.settings.slow_mode.seconds())),
            )
            .filter(conversations::Column::Id.eq(id.get()))
            .exec(&txn)
            .await
            .map_err(internal)?;
        room_state::sync_participants(&txn, &before, &room).await?;
        room_state::sync_bans(&txn, &before, &room).await?;
        // The domain says which events the change tells; they go to the outbox here and back to
        // the use case, which publishes the same values.
        let difference = RoomDifference::between(&before, &room);
        let events = if difference.is_empty() {
            Vec::new()
        } else {
            let names = people_named(&txn, &difference.people(&room)).await?;
            difference.events(&room, &names)
        };
        self.webhooks.record(&txn, &events).await?;
        audit_log::record(&txn, &difference.audit(&before, &room, actor)).await?;
        txn.commit().await.map_err(internal)?;
        room.version += 1;
        Ok(RoomChange { room, events })
    }

    /// One statement; "never backward" is in its `WHERE`, so a late request from another tab
    /// cannot move the position back whatever else committed meanwhile. The unread mentions lose
    /// the ones between the old position and the new (a range of the `message_mentions` key):
    /// relative rather than recounted, so a mention that commits while this waits for the row is
    /// still counted.
    async fn mark_read(
        &self,
        id: ConversationId,
        user: UserId,
        up_to: u64,
    ) -> Result<(), DomainError> {
        self.db
            .execute_raw(Statement::from_sql_and_values(
                self.db.get_database_backend(),
                "UPDATE participants SET read_seq = $3, own_after_read = 0, \
                        unread_mentions = unread_mentions - (SELECT COUNT(*) \
                            FROM message_mentions mm WHERE mm.user_id = $2 \
                              AND mm.conversation_id = $1 \
                              AND mm.seq > participants.read_seq AND mm.seq <= $3) \
                 WHERE conversation_id = $1 AND user_id = $2 AND read_seq < $3",
                [id.get().into(), user.get().into(), to_db(up_to)],
            ))
            .await
            .map_err(internal)?;
        Ok(())
    }

    async fn set_notifications(
        &self,
        id: ConversationId,
        user: UserId,
        settings: NotificationSettings,
    ) -> Result<bool, DomainError> {
        let updated = self
            .db
            .execute_raw(Statement::from_sql_and_values(
                self.db.get_database_backend(),
                "UPDATE participants SET notify_level = $3, muted_until = $4 \
                 WHERE conversation_id = $1 AND user_id = $2",
                [
                    id.get().into(),
                    user.get().into(),
                    settings.level.as_str().into(),
                    settings.muted_until.into(),
                ],
            ))
            .await
            .map_err(internal)?;
        Ok(updated.rows_affected() > 0)
    }
}

/// How `people` appear (one statement), for the events of a room change.
async fn people_named(
    db: &impl ConnectionTrait,
    people: &BTreeSet<UserId>,
) -> Result<BTreeMap<UserId, UserSummary>, DomainError> {
    let ids = people.iter().map(|user| user.get()).collect();
    let names = user_names(db, db.get_database_backend(), &ids).await?;
    Ok(names
        .into_iter()
        .map(|(id, person)| (UserId(id), person))
        .collect())
}
