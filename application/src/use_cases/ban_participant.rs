//! Ban participant: out of the room and never to be invited back.

use confab_domain::{ConversationId, ConversationOverview, DomainError, UserId};

use crate::{Caller, Confab};

impl Confab {
    pub async fn ban_participant(
        &self,
        caller: &Caller,
        id: ConversationId,
        target: UserId,
    ) -> Result<ConversationOverview, DomainError> {
        let room = self.load_with_target(id, caller.user, target).await?;
        let actor = caller.user;
        let (change, _) = self
            .change_conversation(room, caller.user, move |room| room.ban(actor, target))
            .await?;
        self.announce_departure(caller, id, change, target).await;
        self.overview_for(id, caller.user).await
    }
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::test_support::{
        Mocks, decided, expect_departure, group_room, group_room_and_people, overview,
    };

    #[tokio::test]
    async fn the_creator_bans_a_member_who_is_removed_and_remembered() {
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
                    !room.is_participant(UserId(2)) && room.is_banned(UserId(2)),
                    "{room:?}"
                );
                Ok(change)
            });
        expect_departure(&mut mocks, UserId(2), true);
        mocks
            .conversations
            .expect_overview()
            .returning(|id, _| Ok(Some(overview(id.get()))));
        mocks
            .build()
            .ban_participant(&Caller::new(UserId(1)), ConversationId(1), UserId(2))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn the_creator_cannot_ban_themself() {
        let mut mocks = Mocks::new();
        group_room_and_people(&mut mocks);
        mocks.conversations.expect_modify().never();
        let err = mocks
            .build()
            .ban_participant(&Caller::new(UserId(1)), ConversationId(1), UserId(1))
            .await;
        assert_eq!(err.unwrap_err(), DomainError::CreatorIsProtected);
    }
}
