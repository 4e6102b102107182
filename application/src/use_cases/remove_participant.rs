//! Remove participant: take someone out of a group room; they may be invited again.

use confab_domain::{ConversationId, ConversationOverview, DomainError, UserId};

use crate::{Caller, Confab};

impl Confab {
    pub async fn remove_participant(
        &self,
        caller: &Caller,
        id: ConversationId,
        target: UserId,
    ) -> Result<ConversationOverview, DomainError> {
        let room = self.load_with_target(id, caller.user, target).await?;
        let actor = caller.user;
        let (change, ()) = self
            .change_conversation(room, caller.user, move |room| room.remove(actor, target))
            .await?;
        self.announce_departure(caller, id, change, target).await;
        self.overview_for(id, caller.user).await
    }

    /// The room `caller` acts on; a room the caller cannot see, or a user acted on who does not
    /// exist, is a 404.
    pub(crate) async fn load_with_target(
        &self,
        id: ConversationId,
        caller: UserId,
        target: UserId,
    ) -> Result<confab_domain::Conversation, DomainError> {
        let room = self.load_visible(id, caller).await?;
        if self.ports.users.find_summaries(&[target]).await?.is_empty() {
            return Err(DomainError::UserNotFound);
        }
        Ok(room)
    }

    /// Tells the room who went (the change's `participant.removed`), then ends `user`'s live
    /// subscriptions to it.
    pub(crate) async fn announce_departure(
        &self,
        caller: &Caller,
        id: ConversationId,
        change: confab_domain::RoomChange,
        user: UserId,
    ) {
        self.publish_all(change.events, caller).await;
        self.ports.broadcaster.revoke(user, id).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{
        Mocks, decided, expect_departure, group_room, group_room_and_people, overview,
    };

    #[tokio::test]
    async fn the_creator_removes_a_member_and_the_room_is_told() {
        let mut mocks = Mocks::new();
        group_room_and_people(&mut mocks);
        mocks
            .conversations
            .expect_modify()
            .times(1)
            .returning(|_, _, decide| {
                let change = decided(group_room(), decide)?;
                let room = &change.room;
                assert!(
                    !room.is_participant(UserId(2)) && !room.is_banned(UserId(2)),
                    "{room:?}"
                );
                Ok(change)
            });
        expect_departure(&mut mocks, UserId(2), false);
        mocks
            .conversations
            .expect_overview()
            .returning(|id, _| Ok(Some(overview(id.get()))));
        mocks
            .build()
            .remove_participant(&Caller::new(UserId(1)), ConversationId(1), UserId(2))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn removing_a_user_that_does_not_exist_is_not_found() {
        let mut mocks = Mocks::new();
        mocks
            .conversations
            .expect_find()
            .returning(|_| Ok(Some(group_room())));
        mocks
            .users
            .expect_find_summaries()
            .returning(|_| Ok(vec![]));
        let err = mocks
            .build()
            .remove_participant(&Caller::new(UserId(1)), ConversationId(1), UserId(404))
            .await;
        assert_eq!(err.unwrap_err(), DomainError::UserNotFound);
    }

    #[tokio::test]
    async fn a_member_cannot_remove_and_nothing_is_saved() {
        let mut mocks = Mocks::new();
        group_room_and_people(&mut mocks);
        mocks.conversations.expect_modify().never();
        let err = mocks
            .build()
            .remove_participant(&Caller::new(UserId(2)), ConversationId(1), UserId(1))
            .await;
        assert_eq!(err.unwrap_err(), DomainError::NotTheCreator);
    }
}
