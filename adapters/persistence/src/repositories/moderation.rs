//! [`ModerationRepository`]: pins here; blocks, reports and the audit log in their own modules.

use std::collections::BTreeSet;
use std::sync::Arc;

use async_trait::async_trait;
use confab_domain::message_changes::ChangeFacts;
use confab_domain::pins::{MAX_PINS, ensure_room_for_pin};
use confab_domain::ports::{ModerationRepository, NoWebhooks, WebhookRenderer};
use confab_domain::{
    AuditEntry, AuditRecord, BlockedUser, ConversationId, DomainError, MessageChange, MessageId,
    MessageView, NewReport, Pin, Report, Resolving, Timestamp, UserId,
};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, FromQueryResult, Statement, TransactionTrait, Value,
};

use super::message_rows::{
    MESSAGE_COLUMNS, MESSAGE_FROM, MessageRow, view_of, with_reactions_and_files,
};
use super::webhook_outbox::Webhooks;
use super::{audit_log, blocks, reports, room_state};
use crate::error::internal;

/// [`ModerationRepository`] on SeaORM.
#[derive(Debug, Clone)]
pub struct SeaModerationRepository {
    db: DatabaseConnection,
    webhooks: Webhooks,
}

impl SeaModerationRepository {
    pub fn new(db: DatabaseConnection) -> Self {
        Self::with_webhooks(db, Arc::new(NoWebhooks))
    }

    /// As [`Self::new`], storing `message.pinned` / `message.unpinned` in the webhook outbox with
    /// the pin.
    pub fn with_webhooks(db: DatabaseConnection, webhooks: Arc<dyn WebhookRenderer>) -> Self {
        Self {
            db,
            webhooks: Webhooks::new(webhooks),
        }
    }
}

#[derive(Debug, FromQueryResult)]
struct PinState {
    deleted_at: Option<Timestamp>,
    pinned_at: Option<Timestamp>,
}

#[derive(Debug, FromQueryResult)]
struct Count {
    total: i64,
}

#[async_trait]
impl ModerationRepository for SeaModerationRepository {
    /// The room is locked as a send or a room change locks it, so two pins racing for the 50th
    /// place are serialized and the count cannot be passed.
    async fn pin(
        &self,
        conversation: ConversationId,
        message: MessageId,
        pin: Option<Pin>,
        audit: AuditEntry,
        viewer: UserId,
    ) -> Result<Option<MessageChange>, DomainError> {
        let txn = self.db.begin().await.map_err(internal)?;
        let backend = txn.get_database_backend();
        let rooms = room_state::lock_rooms(&txn, &BTreeSet::from([conversation.get()])).await?;
        let closed = rooms.values().any(|room| room.closed_at.is_some());
        let state = PinState::find_by_statement(Statement::from_sql_and_values(
            backend,
            "SELECT deleted_at, pinned_at FROM messages WHERE id = $1 AND conversation_id = $2",
            [message.get().into(), conversation.get().into()],
        ))
        .one(&txn)
        .await
        .map_err(internal)?;
        let decided = match state {
            None => Err(DomainError::MessageNotFound),
            Some(state) => ChangeFacts {
                deleted: state.deleted_at.is_some(),
                closed,
            }
            .ensure()
            .map(|()| state),
        };
        let state = match decided {
            Ok(state) => state,
            Err(refused) => {
                txn.rollback().await.map_err(internal)?;
                return Err(refused);
            }
        };
        if state.pinned_at.is_some() == pin.is_some() {
            txn.rollback().await.map_err(internal)?;
            return Ok(None);
        }
        if pin.is_some() {
            let pinned = Count::find_by_statement(Statement::from_sql_and_values(
                backend,
                "SELECT COUNT(*) AS total FROM messages \
                 WHERE conversation_id = $1 AND pinned_at IS NOT NULL",
                [conversation.get().into()],
            ))
            .one(&txn)
            .await
            .map_err(internal)?
            .map_or(0, |count| count.total);
            if let Err(refused) = ensure_room_for_pin(usize::try_from(pinned).unwrap_or(MAX_PINS)) {
                txn.rollback().await.map_err(internal)?;
                return Err(refused);
            }
        }
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            "UPDATE messages SET pinned_at = $1, pinned_by = $2 WHERE id = $3",
            [
                Value::from(pin.map(|p| p.at)),
                Value::from(pin.map(|p| p.by.get())),
                Value::from(message.get()),
            ],
        ))
        .await
        .map_err(internal)?;
        let view = view_of(&txn, message, viewer)
            .await?
            .ok_or(DomainError::MessageNotFound)?;
        let change = MessageChange::Pinned {
            message: view,
            pinned: pin.is_some(),
        };
        self.webhooks.record(&txn, &change.events()).await?;
        audit_log::record(&txn, &[audit]).await?;
        txn.commit().await.map_err(internal)?;
        Ok(Some(change))
    }

    /// One range of the partial index `messages_pinned`, then the page's reactions and files.
    async fn pins(
        &self,
        conversation: ConversationId,
        viewer: UserId,
    ) -> Result<Vec<MessageView>, DomainError> {
        let backend = self.db.get_database_backend();
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM {MESSAGE_FROM} \
             WHERE m.conversation_id = $1 AND m.pinned_at IS NOT NULL \
             ORDER BY m.pinned_at DESC, m.id DESC LIMIT {MAX_PINS}"
        );
        let rows = MessageRow::find_by_statement(Statement::from_sql_and_values(
            backend,
            &sql,
            [conversation.get().into()],
        ))
        .all(&self.db)
        .await
        .map_err(internal)?;
        with_reactions_and_files(&self.db, backend, rows, viewer).await
    }

    async fn record(&self, entries: Vec<AuditEntry>) -> Result<(), DomainError> {
        audit_log::record(&self.db, &entries).await
    }

    async fn audit_log(
        &self,
        conversation: ConversationId,
        before: Option<i64>,
        limit: u64,
    ) -> Result<(Vec<AuditRecord>, bool), DomainError> {
        audit_log::page(&self.db, conversation, before, limit).await
    }

    async fn block(
        &self,
        blocker: UserId,
        blocked: UserId,
        at: Timestamp,
    ) -> Result<bool, DomainError> {
        blocks::block(&self.db, blocker, blocked, at).await
    }

    async fn unblock(&self, blocker: UserId, blocked: UserId) -> Result<bool, DomainError> {
        blocks::unblock(&self.db, blocker, blocked).await
    }

    async fn blocks_of(&self, user: UserId) -> Result<Vec<BlockedUser>, DomainError> {
        blocks::blocks_of(&self.db, user).await
    }

    async fn blockers_of(
        &self,
        user: UserId,
        among: Vec<UserId>,
    ) -> Result<Vec<UserId>, DomainError> {
        let among = among.into_iter().map(UserId::get).collect();
        blocks::blockers_of(&self.db, user, &among).await
    }

    /// One transaction: the insert (or the earlier report), and a new one's webhook.
    async fn report(
        &self,
        report: NewReport,
        viewer: UserId,
    ) -> Result<(Report, bool), DomainError> {
        let txn = self.db.begin().await.map_err(internal)?;
        let Some((id, new)) = reports::insert(&txn, &report).await? else {
            txn.rollback().await.map_err(internal)?;
            return Err(DomainError::MessageNotFound);
        };
        let stored = reports::find(&txn, report.conversation_id, id, viewer)
            .await?
            .ok_or_else(|| DomainError::Internal("a stored report is gone".into()))?;
        // The domain says what the report tells; it is stored here, as every change's events.
        self.webhooks.record(&txn, &stored.events(new)).await?;
        txn.commit().await.map_err(internal)?;
        Ok((stored, new))
    }

    async fn reports(
        &self,
        conversation: ConversationId,
        before: Option<i64>,
        limit: u64,
        viewer: UserId,
    ) -> Result<(Vec<Report>, bool), DomainError> {
        reports::page(&self.db, conversation, before, limit, viewer).await
    }

    async fn find_report(
        &self,
        conversation: ConversationId,
        id: i64,
        viewer: UserId,
    ) -> Result<Option<Report>, DomainError> {
        reports::find(&self.db, conversation, id, viewer).await
    }

    async fn resolve_report(
        &self,
        resolving: Resolving,
        audit: AuditEntry,
        viewer: UserId,
    ) -> Result<Option<Report>, DomainError> {
        let txn = self.db.begin().await.map_err(internal)?;
        if !reports::resolve(&txn, &resolving).await? {
            txn.rollback().await.map_err(internal)?;
            return Ok(None);
        }
        audit_log::record(&txn, &[audit]).await?;
        let report =
            reports::find(&txn, resolving.conversation_id, resolving.report_id, viewer).await?;
        txn.commit().await.map_err(internal)?;
        Ok(report)
    }
}
