//! Transfer ownership: the owner hands the room to another participant and becomes an admin.

use confab_domain::{ConversationId, ConversationOverview, DomainError, UserId};

use crate::{Caller, Confab};

impl Confab {
    /// 403 for anyone but the owner; 422 on `user_id` for the owner themself or someone not in
    /// the room. Told as two `participant.updated` events (the new owner, the former one).
    /// Serialized with every other change of the room, so a transfer racing a removal of the
    /// heir ends one way or the other, never both and never in a conflict.
    pub async fn transfer_ownership(
        &self,
        caller: &Caller,
        id: ConversationId,
        new_owner: UserId,
    ) -> Result<ConversationOverview, DomainError> {
        let room = self.load_visible(id, caller.user).await?;
        let actor = caller.user;
        let (change, ()) = self
            .change_conversation(room, caller.user, move |room| {
                room.transfer(actor, new_owner)
            })
            .await?;
        self.publish_all(change.events, caller).await;
        self.overview_for(id, caller.user).await
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::{RealtimeEvent, Role};

    use super::*;
    use crate::test_support::{Mocks, decided, group_room, overview};

    #[tokio::test]
    async fn the_owner_hands_over_and_both_changes_are_told() {
        let mut mocks = Mocks::new();
        mocks
            .conversations
            .expect_find()
            .returning(|_| Ok(Some(group_room())));
        mocks
            .conversations
            .expect_modify()
            .times(1)
            .returning(|_, _, decide| {
                let change = decided(group_room(), decide)?;
                assert_eq!(change.room.owner(), Some(UserId(2)));
                assert_eq!(change.room.standing(UserId(1)).role, Role::Admin);
                Ok(change)
            });
        mocks
            .broadcaster
            .expect_publish()
            .withf(|event, _| matches!(event, RealtimeEvent::ParticipantUpdated { .. }))
            .times(2)
            .returning(|_, _| ());
        mocks
            .conversations
            .expect_overview()
            .returning(|id, _| Ok(Some(overview(id.get()))));
        mocks
            .build()
            .transfer_ownership(&Caller::new(UserId(1)), ConversationId(1), UserId(2))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn handing_over_to_someone_outside_the_room_names_user_id() {
        let mut mocks = Mocks::new();
        mocks
            .conversations
            .expect_find()
            .returning(|_| Ok(Some(group_room())));
        mocks.conversations.expect_modify().never();
        let err = mocks
            .build()
            .transfer_ownership(&Caller::new(UserId(1)), ConversationId(1), UserId(9))
            .await
            .unwrap_err();
        assert!(matches!(err, DomainError::Invalid(e) if e.fields().contains_key("user_id")));
    }
}
