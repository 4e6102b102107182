//! Pin message, and the room's pins: owner and admins pin in a group, either member in a direct
//! chat (`confab_domain::message_changes::ensure_can_pin`); at most 50 per room.

use confab_domain::message_changes::ensure_can_pin;
use confab_domain::{
    AuditAction, AuditEntry, ConversationId, DomainError, MessageId, MessageView, Pin,
};

use crate::{Caller, Confab};

impl Confab {
    /// Pins (`pin`) or unpins the message; answers it as it is after. 404 for an outsider or a
    /// message of another room, 403 for a group's member, 422 for a tombstone, a closed room or
    /// a 51st pin. Told as `message.pinned` / `message.unpinned` and recorded in the room's
    /// audit log; pinning what is pinned (or unpinning what is not) changes nothing and tells
    /// nobody.
    pub async fn pin_message(
        &self,
        caller: &Caller,
        id: ConversationId,
        message_id: MessageId,
        pin: bool,
    ) -> Result<MessageView, DomainError> {
        let room = self.load_visible(id, caller.user).await?;
        let message = self.message_in(id, message_id, caller).await?;
        ensure_can_pin(&room, &message.message, caller.user)?;
        let now = self.ports.clock.now();
        let action = if pin {
            AuditAction::MessagePinned
        } else {
            AuditAction::MessageUnpinned
        };
        let audit = AuditEntry::new(id, caller.user, action, Some(message.message.sender))
            .on_message(message_id);
        let pinned = pin.then_some(Pin {
            at: now,
            by: caller.user,
        });
        let change = self
            .ports
            .moderation
            .pin(id, message_id, pinned, audit, caller.user)
            .await?;
        let Some(change) = change else {
            return Ok(message);
        };
        self.publish_all(change.events(), caller).await;
        change
            .into_message()
            .ok_or_else(|| DomainError::Internal("a pin answered no message".into()))
    }

    /// The room's pinned messages, newest pin first. 404 for an outsider.
    pub async fn list_pins(
        &self,
        caller: &Caller,
        id: ConversationId,
    ) -> Result<Vec<MessageView>, DomainError> {
        self.load_visible(id, caller.user).await?;
        self.ports.moderation.pins(id, caller.user).await
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::{MessageChange, RealtimeEvent, UserId};

    use super::*;
    use crate::test_support::{Mocks, message_by, now, room_with_message_by};

    #[tokio::test]
    async fn the_owner_pins_the_room_is_told_and_it_is_audited() {
        let mut mocks = Mocks::new();
        room_with_message_by(&mut mocks, 2);
        mocks
            .moderation
            .expect_pin()
            .withf(|room, message, pin, audit, viewer| {
                *room == ConversationId(1)
                    && *message == MessageId(16)
                    && *pin
                        == Some(Pin {
                            at: now(),
                            by: UserId(1),
                        })
                    && audit.action == AuditAction::MessagePinned
                    && audit.target_message == Some(MessageId(16))
                    && *viewer == UserId(1)
            })
            .times(1)
            .returning(|_, _, pin, _, _| {
                let mut view = message_by(2);
                view.message.pinned = pin;
                Ok(Some(MessageChange::Pinned {
                    message: view,
                    pinned: true,
                }))
            });
        mocks
            .broadcaster
            .expect_publish()
            .withf(|event, _| {
                matches!(event, RealtimeEvent::MessagePinned { message } if message.message.pinned.is_some())
            })
            .times(1)
            .returning(|_, _| ());
        let pinned = mocks
            .build()
            .pin_message(
                &Caller::new(UserId(1)),
                ConversationId(1),
                MessageId(16),
                true,
            )
            .await
            .unwrap();
        assert_eq!(pinned.message.pinned.map(|p| p.by), Some(UserId(1)));
    }

    #[tokio::test]
    async fn a_member_of_a_group_may_not_pin() {
        let mut mocks = Mocks::new();
        room_with_message_by(&mut mocks, 1);
        mocks.moderation.expect_pin().never();
        let err = mocks
            .build()
            .pin_message(
                &Caller::new(UserId(2)),
                ConversationId(1),
                MessageId(16),
                true,
            )
            .await;
        assert_eq!(err.unwrap_err(), DomainError::ModeratorsOnly);
    }

    #[tokio::test]
    async fn pinning_what_is_pinned_tells_nobody() {
        let mut mocks = Mocks::new();
        room_with_message_by(&mut mocks, 2);
        mocks
            .moderation
            .expect_pin()
            .returning(|_, _, _, _, _| Ok(None));
        mocks.broadcaster.expect_publish().never();
        mocks
            .build()
            .pin_message(
                &Caller::new(UserId(1)),
                ConversationId(1),
                MessageId(16),
                true,
            )
            .await
            .unwrap();
    }
}
