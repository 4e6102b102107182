//! The mail queue (migration 15's `mail_outbox`): rows written by the account changes in their
//! transactions ([`enqueue`]), taken by the delivery loop of whichever node gets them first
//! ([`SeaMailOutbox`]), removed once sent.

use async_trait::async_trait;
use confab_domain::ports::MailOutbox;
use confab_domain::{AccountToken, DomainError, Email, Mail, MailKind, QueuedMail, Timestamp};
use sea_orm::{ConnectionTrait, DatabaseConnection, FromQueryResult, Statement, Value};

use super::corrupt;
use crate::error::internal;

/// Queues `mail`, due at once, in `db` — the transaction of the change that calls for it.
pub(super) async fn enqueue(
    db: &impl ConnectionTrait,
    mail: &Mail,
    now: Timestamp,
) -> Result<(), DomainError> {
    let token = mail.kind.token().expose();
    db.execute_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        "INSERT INTO mail_outbox (kind, recipient, recipient_name, token, failures, due_at, \
         created_at) VALUES ($1, $2, $3, $4, 0, $5, $5)",
        [
            Value::from(mail.kind.as_str()),
            Value::from(mail.to.as_str()),
            Value::from(mail.name.as_str()),
            Value::from(token),
            Value::from(now),
        ],
    ))
    .await
    .map_err(internal)?;
    Ok(())
}

/// [`MailOutbox`] on SeaORM.
#[derive(Debug, Clone)]
pub struct SeaMailOutbox {
    db: DatabaseConnection,
}

impl SeaMailOutbox {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    fn statement(&self, sql: &str, values: Vec<Value>) -> Statement {
        Statement::from_sql_and_values(self.db.get_database_backend(), sql, values)
    }
}

#[derive(Debug, FromQueryResult)]
struct Row {
    id: i64,
    kind: String,
    recipient: String,
    recipient_name: String,
    token: Option<String>,
    failures: i64,
}

impl Row {
    fn into_queued(self) -> Result<QueuedMail, DomainError> {
        let token = AccountToken::parse(self.token.as_deref().unwrap_or_default())
            .map_err(|e| corrupt("mail token", e))?;
        let kind =
            MailKind::named(&self.kind, token).ok_or_else(|| corrupt("mail kind", &self.kind))?;
        Ok(QueuedMail {
            id: self.id,
            mail: Mail {
                to: Email::parse(&self.recipient).map_err(|e| corrupt("mail recipient", e))?,
                name: self.recipient_name,
                kind,
            },
            failures: u32::try_from(self.failures).unwrap_or(u32::MAX),
        })
    }
}

#[async_trait]
impl MailOutbox for SeaMailOutbox {
    /// One `UPDATE … RETURNING` moves the due rows' `due_at` to the lease's end: of two nodes
    /// claiming at once, the database gives each row to one.
    async fn claim(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: usize,
    ) -> Result<Vec<QueuedMail>, DomainError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = Row::find_by_statement(self.statement(
            "UPDATE mail_outbox SET due_at = $1 WHERE id IN (\
                 SELECT id FROM mail_outbox WHERE due_at <= $2 ORDER BY due_at, id LIMIT $3) \
             AND due_at <= $2 \
             RETURNING id, kind, recipient, recipient_name, token, failures",
            vec![
                Value::from(lease_until),
                Value::from(now),
                Value::from(limit),
            ],
        ))
        .all(&self.db)
        .await
        .map_err(internal)?;
        let mut mails: Vec<QueuedMail> = rows
            .into_iter()
            .map(Row::into_queued)
            .collect::<Result<_, _>>()?;
        mails.sort_by_key(|mail| mail.id);
        Ok(mails)
    }

    async fn sent(&self, id: i64) -> Result<(), DomainError> {
        self.db
            .execute_raw(self.statement(
                "DELETE FROM mail_outbox WHERE id = $1",
                vec![Value::from(id)],
            ))
            .await
            .map_err(internal)?;
        Ok(())
    }

    async fn failed(&self, id: i64, failures: u32, retry_at: Timestamp) -> Result<(), DomainError> {
        self.db
            .execute_raw(self.statement(
                "UPDATE mail_outbox SET failures = $1, due_at = $2 WHERE id = $3",
                vec![
                    Value::from(i64::from(failures)),
                    Value::from(retry_at),
                    Value::from(id),
                ],
            ))
            .await
            .map_err(internal)?;
        Ok(())
    }
}
