//! Delete message: the author takes it back, or a group room's owner or admin removes it (an act
//! of moderation, recorded in the room's audit log); a tombstone keeps its place in the history.

use confab_domain::message_changes::ensure_can_delete;
use confab_domain::{AuditAction, AuditEntry, ConversationId, DomainError, MessageId};

use crate::{Caller, Confab};

impl Confab {
    /// 404 for an outsider or a message of another room, 403 for anyone but the author and a
    /// group room's owner and admins. Deleting a tombstone again succeeds and changes nothing; the first
    /// deletion is broadcast as `message.deleted`.
    pub async fn delete_message(
        &self,
        caller: &Caller,
        id: ConversationId,
        message_id: MessageId,
    ) -> Result<(), DomainError> {
        let room = self.load_visible(id, caller.user).await?;
        let message = self.message_in(id, message_id, caller).await?;
        ensure_can_delete(&room, &message.message, caller.user)?;
        let now = self.ports.clock.now();
        let moderated = (message.message.sender != caller.user).then(|| {
            AuditEntry::new(
                id,
                caller.user,
                AuditAction::MessageDeleted,
                Some(message.message.sender),
            )
            .on_message(message_id)
        });
        if let Some(change) = self
            .ports
            .messages
            .delete(message_id, now, moderated)
            .await?
        {
            self.publish_all(change.events(), caller).await;
            // The records went with the message; now their bytes. (Files cannot be added to a
            // sent message, so the ones read above are all it had.)
            let keys: Vec<String> = message
                .attachments
                .iter()
                .flat_map(|a| a.stored_keys())
                .collect();
            if !keys.is_empty()
                && let Err(error) = self.ports.files.delete(&keys).await
            {
                tracing::warn!(%error, "a deleted message's files stay in the store");
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::{RealtimeEvent, UserId};

    use super::*;
    use crate::test_support::{Mocks, now, room_with_message_by};

    #[tokio::test]
    async fn the_rooms_owner_deletes_a_members_message_the_room_is_told_and_it_is_audited() {
        let mut mocks = Mocks::new();
        room_with_message_by(&mut mocks, 2);
        mocks
            .messages
            .expect_delete()
            .withf(|id, at, audit| {
                *id == MessageId(16)
                    && *at == now()
                    && audit.as_ref().is_some_and(|entry| {
                        entry.action == AuditAction::MessageDeleted
                            && entry.actor == UserId(1)
                            && entry.target_user == Some(UserId(2))
                            && entry.target_message == Some(MessageId(16))
                    })
            })
            .times(1)
            .returning(|id, at, _| {
                Ok(Some(confab_domain::MessageChange::Deleted {
                    conversation_id: ConversationId(1),
                    message_id: id,
                    deleted_at: at,
                }))
            });
        mocks
            .broadcaster
            .expect_publish()
            .withf(|e, _| {
                matches!(e, RealtimeEvent::MessageDeleted { message_id, conversation_id, deleted_at }
                    if *message_id == MessageId(16) && *conversation_id == ConversationId(1) && *deleted_at == now())
            })
            .times(1)
            .returning(|_, _| ());
        mocks
            .build()
            .delete_message(&Caller::new(UserId(1)), ConversationId(1), MessageId(16))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn deleting_a_tombstone_again_tells_nobody() {
        let mut mocks = Mocks::new();
        room_with_message_by(&mut mocks, 2);
        mocks
            .messages
            .expect_delete()
            .withf(|_, _, audit| audit.is_none())
            .returning(|_, _, _| Ok(None));
        mocks.broadcaster.expect_publish().never();
        mocks
            .build()
            .delete_message(&Caller::new(UserId(2)), ConversationId(1), MessageId(16))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn another_member_may_not() {
        let mut mocks = Mocks::new();
        room_with_message_by(&mut mocks, 1);
        mocks.messages.expect_delete().never();
        let err = mocks
            .build()
            .delete_message(&Caller::new(UserId(2)), ConversationId(1), MessageId(16))
            .await;
        assert_eq!(err.unwrap_err(), DomainError::NotAllowedToDelete);
    }
}
