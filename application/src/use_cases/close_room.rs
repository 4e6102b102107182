//! Close room: no new messages or invites; history stays readable.

use confab_domain::{ConversationId, ConversationOverview, DomainError};

use crate::{Caller, Confab};

impl Confab {
    pub async fn close_room(
        &self,
        caller: &Caller,
        id: ConversationId,
    ) -> Result<ConversationOverview, DomainError> {
        let now = self.ports.clock.now();
        let room = self.load_visible(id, caller.user).await?;
        let actor = caller.user;
        let (change, ()) = self
            .change_conversation(room, caller.user, move |room| room.close(actor, now))
            .await?;
        self.publish_all(change.events, caller).await;
        self.overview_for(id, caller.user).await
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::{RealtimeEvent, UserId};

    use super::*;
    use crate::test_support::{Mocks, decided, group_room, now, overview};

    #[tokio::test]
    async fn the_creator_closes_the_room_and_members_are_told() {
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
                let room = &change.room;
                assert!(room.closed_at == Some(now()), "{room:?}");
                Ok(change)
            });
        mocks
            .conversations
            .expect_overview()
            .returning(|id, _| Ok(Some(overview(id.get()))));
        mocks
            .broadcaster
            .expect_publish()
            .withf(|e, _| matches!(e, RealtimeEvent::ConversationClosed { .. }))
            .times(1)
            .returning(|_, _| ());
        mocks
            .build()
            .close_room(&Caller::new(UserId(1)), ConversationId(1))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_member_who_is_not_the_creator_is_forbidden_and_nothing_is_saved() {
        let mut mocks = Mocks::new();
        mocks
            .conversations
            .expect_find()
            .returning(|_| Ok(Some(group_room())));
        mocks.conversations.expect_modify().never();
        let err = mocks
            .build()
            .close_room(&Caller::new(UserId(2)), ConversationId(1))
            .await;
        assert_eq!(err.unwrap_err(), DomainError::NotTheCreator);
    }

    #[tokio::test]
    async fn a_missing_room_is_not_found() {
        let mut mocks = Mocks::new();
        mocks.conversations.expect_find().returning(|_| Ok(None));
        let err = mocks
            .build()
            .close_room(&Caller::new(UserId(1)), ConversationId(1))
            .await;
        assert_eq!(err.unwrap_err(), DomainError::ConversationNotFound);
    }
}
