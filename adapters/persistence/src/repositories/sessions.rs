//! Sessions (the domain's `SessionStore`): one row per login, read for every authenticated request
//! — by its primary key, joined with its user, batched with the other requests' reads — so a
//! logout on one node is a 401 on every node at once, with no cache to go stale.

use async_trait::async_trait;
use confab_domain::ports::SessionStore;
use confab_domain::{DomainError, SessionId, Timestamp, User, UserId};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set, Statement,
};
use tokio::sync::{mpsc, oneshot};

use super::session_reads::{self, Check};
use crate::entities::sessions;
use crate::error::internal;

/// [`SessionStore`] on SeaORM.
#[derive(Debug, Clone)]
pub struct SeaSessionStore {
    db: DatabaseConnection,
    /// The batched reader of `user_of`.
    reads: mpsc::Sender<Check>,
}

impl SeaSessionStore {
    /// Starts the session reader: call inside a Tokio runtime.
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            reads: session_reads::spawn(db.clone()),
            db,
        }
    }
}

/// A generation as stored (`INTEGER`); one refresh a second for seventy years fits.
fn stored(generation: u32) -> i32 {
    i32::try_from(generation).unwrap_or(i32::MAX)
}

#[async_trait]
impl SessionStore for SeaSessionStore {
    /// 122 random bits (a v4 UUID) name the session. The user's sessions that have expired are
    /// cleared first, so the table holds live sessions and the ones not yet logged into again.
    async fn open(&self, user: UserId, expires_at: Timestamp) -> Result<SessionId, DomainError> {
        let now = chrono::Utc::now();
        sessions::Entity::delete_many()
            .filter(sessions::Column::UserId.eq(user.get()))
            .filter(sessions::Column::ExpiresAt.lt(now))
            .exec(&self.db)
            .await
            .map_err(internal)?;
        let id = uuid::Uuid::new_v4().simple().to_string();
        sessions::Entity::insert(sessions::ActiveModel {
            id: Set(id.clone()),
            user_id: Set(user.get()),
            generation: Set(1),
            expires_at: Set(expires_at),
            created_at: Set(now),
        })
        .exec_without_returning(&self.db)
        .await
        .map_err(internal)?;
        Ok(SessionId::new(id))
    }

    /// A primary-key read, batched with the other requests' (see `session_reads`).
    async fn user_of(
        &self,
        session: &SessionId,
        user: UserId,
        generation: u32,
    ) -> Result<Option<User>, DomainError> {
        let (reply, answer) = oneshot::channel();
        let check = Check {
            session: session.clone(),
            user,
            generation,
            reply,
        };
        let gone = || DomainError::Internal("the session reader stopped".into());
        self.reads.send(check).await.map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }

    /// `UPDATE … WHERE generation = $old`: of two refreshes with the same token, the database lets
    /// one through.
    async fn renew(
        &self,
        session: &SessionId,
        generation: u32,
        expires_at: Timestamp,
    ) -> Result<Option<u32>, DomainError> {
        let next = generation.saturating_add(1);
        let updated = sessions::Entity::update_many()
            .col_expr(sessions::Column::Generation, Expr::value(stored(next)))
            .col_expr(sessions::Column::ExpiresAt, Expr::value(expires_at))
            .filter(sessions::Column::Id.eq(session.as_str()))
            .filter(sessions::Column::Generation.eq(stored(generation)))
            .exec(&self.db)
            .await
            .map_err(internal)?;
        Ok((updated.rows_affected == 1).then_some(next))
    }

    async fn end(&self, session: &SessionId) -> Result<(), DomainError> {
        sessions::Entity::delete_by_id(session.as_str().to_owned())
            .exec(&self.db)
            .await
            .map_err(internal)?;
        Ok(())
    }

    /// One `DELETE … RETURNING` (SQLite 3.35+, PostgreSQL): what it ends is what it names.
    async fn end_others(
        &self,
        user: UserId,
        keep: &SessionId,
    ) -> Result<Vec<SessionId>, DomainError> {
        let statement = Statement::from_sql_and_values(
            self.db.get_database_backend(),
            "DELETE FROM sessions WHERE user_id = $1 AND id <> $2 RETURNING id",
            [user.get().into(), keep.as_str().into()],
        );
        let rows = self.db.query_all_raw(statement).await.map_err(internal)?;
        rows.iter()
            .map(|row| row.try_get::<String>("", "id").map(SessionId::new))
            .collect::<Result<_, _>>()
            .map_err(internal)
    }
}
