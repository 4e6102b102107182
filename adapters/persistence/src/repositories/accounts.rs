//! [`AccountRepository`]: the account changes that send mail. Each stores its change, the token
//! (by the SHA-256 of its secret: a stolen database holds no usable token) and the queued mail in
//! one transaction — see migration 15.

use std::sync::Arc;

use async_trait::async_trait;
use confab_domain::ports::{AccountRepository, NoWebhooks, WebhookRenderer};
use confab_domain::{
    AccountToken, Avatar, ChangedProfile, ConversationId, DeletedAccount, DomainError, Email, Mail,
    NewToken, NewUser, PasswordHash, RealtimeEvent, RemovedAccount, SessionId, Timestamp,
    TokenPurpose, TokenState, User, UserId,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    FromQueryResult, QueryFilter, Statement, TransactionTrait, Value,
};
use sha2::{Digest, Sha256};

use super::is_unique_violation;
use super::mail_outbox::enqueue;
use super::users::{EMAIL_TAKEN, insert, to_user};
use super::webhook_outbox::Webhooks;
use crate::entities::users;
use crate::error::internal;

/// [`AccountRepository`] on SeaORM.
#[derive(Debug, Clone)]
pub struct SeaAccountRepository {
    db: DatabaseConnection,
    webhooks: Webhooks,
}

impl SeaAccountRepository {
    pub fn new(db: DatabaseConnection) -> Self {
        Self::with_webhooks(db, Arc::new(NoWebhooks))
    }

    /// As [`Self::new`], storing `user.updated` in the webhook outbox with the change.
    pub fn with_webhooks(db: DatabaseConnection, webhooks: Arc<dyn WebhookRenderer>) -> Self {
        Self {
            db,
            webhooks: Webhooks::new(webhooks),
        }
    }

    /// A transaction that will write. On SQLite it takes the database's write lock first (a
    /// no-op `UPDATE`, as `BEGIN IMMEDIATE` would): one that read first and wrote after another
    /// writer committed would fail with `SQLITE_BUSY_SNAPSHOT`, which no busy timeout waits out
    /// — two "forgot password" requests at once would lose a mail.
    async fn begin_writing(&self) -> Result<DatabaseTransaction, DomainError> {
        let txn = self.db.begin().await.map_err(internal)?;
        if self.db.get_database_backend() == sea_orm::DbBackend::Sqlite {
            txn.execute_unprepared("UPDATE users SET id = id WHERE id = 0")
                .await
                .map_err(internal)?;
        }
        Ok(txn)
    }

    fn statement(&self, sql: &str, values: Vec<Value>) -> Statement {
        Statement::from_sql_and_values(self.db.get_database_backend(), sql, values)
    }
}

/// What is stored of a secret.
pub(super) fn hash(token: &AccountToken) -> String {
    hex::encode(Sha256::digest(token.expose().as_bytes()))
}

fn taken_or_internal(error: sea_orm::DbErr) -> DomainError {
    if is_unique_violation(&error) {
        DomainError::invalid("email", EMAIL_TAKEN)
    } else {
        internal(error)
    }
}

/// Stores `token` for `user` (at their current email) and queues the mail that carries it.
async fn issue(
    txn: &DatabaseTransaction,
    user: &User,
    token: &NewToken,
) -> Result<(), DomainError> {
    let backend = txn.get_database_backend();
    txn.execute_raw(Statement::from_sql_and_values(
        backend,
        "INSERT INTO account_tokens (token_hash, user_id, purpose, email, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        [
            Value::from(hash(&token.secret)),
            Value::from(user.id.get()),
            Value::from(token.purpose.as_str()),
            Value::from(user.email.as_str()),
            Value::from(token.created_at),
            Value::from(token.expires_at),
        ],
    ))
    .await
    .map_err(internal)?;
    enqueue(txn, &Mail::carrying(token, user), token.created_at).await
}

#[derive(Debug, FromQueryResult)]
struct TokenRow {
    user_id: i64,
    expires_at: Timestamp,
    used_at: Option<Timestamp>,
}

#[derive(Debug, FromQueryResult)]
struct Latest {
    latest: Option<Timestamp>,
}

#[derive(Debug, FromQueryResult)]
struct Id {
    id: String,
}

#[derive(Debug, FromQueryResult)]
struct Room {
    conversation_id: i64,
}

impl SeaAccountRepository {
    /// The token `secret` of `purpose` when it is still good at `now`, for an account whose
    /// current email is `email` (the one the token was issued for, when `email` is `None`).
    async fn usable(
        &self,
        txn: &DatabaseTransaction,
        purpose: TokenPurpose,
        secret: &AccountToken,
        email: Option<&Email>,
        now: Timestamp,
    ) -> Result<Option<i64>, DomainError> {
        let (sql, mut values) = (
            "SELECT t.user_id, t.expires_at, t.used_at FROM account_tokens t \
             JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.purpose = $2 AND u.email = ",
            vec![Value::from(hash(secret)), Value::from(purpose.as_str())],
        );
        let sql = match email {
            Some(email) => {
                values.push(Value::from(email.as_str()));
                format!("{sql}$3")
            }
            None => format!("{sql}t.email"),
        };
        let row = TokenRow::find_by_statement(self.statement(&sql, values))
            .one(txn)
            .await
            .map_err(internal)?;
        let state = |row: &TokenRow| TokenState {
            expires_at: row.expires_at,
            used_at: row.used_at,
        };
        let Some(row) = row.filter(|row| state(row).usable_at(now)) else {
            return Ok(None);
        };
        // Used now, unless a racing request used it first.
        let used = txn
            .execute_raw(self.statement(
                "UPDATE account_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL",
                vec![Value::from(now), Value::from(hash(secret))],
            ))
            .await
            .map_err(internal)?;
        Ok((used.rows_affected() == 1).then_some(row.user_id))
    }

    /// The rooms `user` is in, to tell them how the user now appears.
    async fn rooms_of(
        &self,
        txn: &DatabaseTransaction,
        user: UserId,
    ) -> Result<Vec<ConversationId>, DomainError> {
        Ok(Room::find_by_statement(self.statement(
            "SELECT conversation_id FROM participants WHERE user_id = $1 ORDER BY conversation_id",
            vec![Value::from(user.get())],
        ))
        .all(txn)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|room| ConversationId(room.conversation_id))
        .collect())
    }

    async fn user(&self, txn: &DatabaseTransaction, id: i64) -> Result<User, DomainError> {
        users::Entity::find_by_id(id)
            .one(txn)
            .await
            .map_err(internal)?
            .ok_or_else(|| DomainError::Internal("a token's user is gone".into()))
            .and_then(to_user)
    }
}

#[async_trait]
impl AccountRepository for SeaAccountRepository {
    async fn register(&self, user: NewUser, verification: NewToken) -> Result<User, DomainError> {
        let txn = self.begin_writing().await?;
        let user = insert(&txn, user).await?;
        issue(&txn, &user, &verification).await?;
        txn.commit().await.map_err(internal)?;
        Ok(user)
    }

    async fn update_profile(
        &self,
        changed: &ChangedProfile,
        verification: Option<NewToken>,
    ) -> Result<Vec<RealtimeEvent>, DomainError> {
        let user = &changed.user;
        let txn = self.begin_writing().await?;
        txn.execute_raw(self.statement(
            "UPDATE users SET name = $1, email = $2, email_verified_at = $3 WHERE id = $4",
            vec![
                Value::from(user.name.as_str()),
                Value::from(user.email.as_str()),
                Value::from(user.email_verified_at),
                Value::from(user.id.get()),
            ],
        ))
        .await
        .map_err(taken_or_internal)?;
        if let Some(token) = &verification {
            issue(&txn, user, token).await?;
        }
        let rooms = if changed.renamed {
            self.rooms_of(&txn, user.id).await?
        } else {
            Vec::new()
        };
        let events = changed.events(rooms);
        self.webhooks.record(&txn, &events).await?;
        txn.commit().await.map_err(internal)?;
        Ok(events)
    }

    async fn replace_avatar(
        &self,
        user: &User,
        avatar: Option<Avatar>,
    ) -> Result<(Option<Avatar>, Vec<RealtimeEvent>), DomainError> {
        let txn = self.begin_writing().await?;
        let replaced = super::avatars::replace(&txn, user.id, avatar.as_ref()).await?;
        let events =
            confab_domain::profile::avatar_changed(user, self.rooms_of(&txn, user.id).await?);
        self.webhooks.record(&txn, &events).await?;
        txn.commit().await.map_err(internal)?;
        Ok((replaced, events))
    }

    async fn resend_verification(
        &self,
        user: &User,
        token: NewToken,
        not_after: Timestamp,
    ) -> Result<Result<(), Timestamp>, DomainError> {
        let txn = self.begin_writing().await?;
        let latest = Latest::find_by_statement(self.statement(
            "SELECT MAX(created_at) AS latest FROM account_tokens \
             WHERE user_id = $1 AND purpose = $2",
            vec![
                Value::from(user.id.get()),
                Value::from(TokenPurpose::VerifyEmail.as_str()),
            ],
        ))
        .one(&txn)
        .await
        .map_err(internal)?
        .and_then(|row| row.latest);
        if let Some(latest) = latest.filter(|latest| *latest > not_after) {
            return Ok(Err(latest));
        }
        issue(&txn, user, &token).await?;
        txn.commit().await.map_err(internal)?;
        Ok(Ok(()))
    }

    async fn request_reset(&self, email: &Email, token: NewToken) -> Result<(), DomainError> {
        let txn = self.begin_writing().await?;
        let found = users::Entity::find()
            .filter(users::Column::Email.eq(email.as_str()))
            .one(&txn)
            .await
            .map_err(internal)?;
        if let Some(row) = found {
            issue(&txn, &to_user(row)?, &token).await?;
        }
        txn.commit().await.map_err(internal)
    }

    async fn verify_email(
        &self,
        token: &AccountToken,
        now: Timestamp,
    ) -> Result<Option<User>, DomainError> {
        let txn = self.begin_writing().await?;
        let Some(user_id) = self
            .usable(&txn, TokenPurpose::VerifyEmail, token, None, now)
            .await?
        else {
            return Ok(None);
        };
        txn.execute_raw(self.statement(
            "UPDATE users SET email_verified_at = COALESCE(email_verified_at, $1) WHERE id = $2",
            vec![Value::from(now), Value::from(user_id)],
        ))
        .await
        .map_err(internal)?;
        let user = self.user(&txn, user_id).await?;
        txn.commit().await.map_err(internal)?;
        Ok(Some(user))
    }

    async fn reset_password(
        &self,
        email: &Email,
        token: &AccountToken,
        password: PasswordHash,
        now: Timestamp,
    ) -> Result<Option<(UserId, Vec<SessionId>)>, DomainError> {
        let txn = self.begin_writing().await?;
        let Some(user_id) = self
            .usable(&txn, TokenPurpose::ResetPassword, token, Some(email), now)
            .await?
        else {
            return Ok(None);
        };
        let user = Value::from(user_id);
        let purpose = Value::from(TokenPurpose::ResetPassword.as_str());
        // The other reset codes mailed to the account stop working with this one.
        txn.execute_raw(self.statement(
            "UPDATE account_tokens SET used_at = $1 \
             WHERE user_id = $2 AND purpose = $3 AND used_at IS NULL",
            vec![Value::from(now), user.clone(), purpose],
        ))
        .await
        .map_err(internal)?;
        // The mail was read: its address is proved, as a verification link would.
        txn.execute_raw(self.statement(
            "UPDATE users SET password_hash = $1, \
             email_verified_at = COALESCE(email_verified_at, $2) WHERE id = $3",
            vec![Value::from(password.0), Value::from(now), user.clone()],
        ))
        .await
        .map_err(internal)?;
        let ended: Vec<SessionId> = Id::find_by_statement(self.statement(
            "DELETE FROM sessions WHERE user_id = $1 RETURNING id",
            vec![user],
        ))
        .all(&txn)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|row| SessionId::new(row.id))
        .collect();
        txn.commit().await.map_err(internal)?;
        Ok(Some((UserId(user_id), ended)))
    }

    async fn delete_account(
        &self,
        account: &DeletedAccount,
        events: &[RealtimeEvent],
    ) -> Result<RemovedAccount, DomainError> {
        let txn = self.begin_writing().await?;
        let removed =
            super::account_deletion::delete(&txn, &self.webhooks, account, events).await?;
        txn.commit().await.map_err(internal)?;
        Ok(removed)
    }
}
