//! Leave conversation: a member walks out of a group room.

use confab_domain::{ConversationId, DomainError};

use crate::{Caller, Confab};

impl Confab {
    pub async fn leave_conversation(
        &self,
        caller: &Caller,
        id: ConversationId,
    ) -> Result<(), DomainError> {
        let room = self.load_with_target(id, caller.user, caller.user).await?;
        let user = caller.user;
        let (change, ()) = self
            .change_conversation(room, caller.user, move |room| room.leave(user))
            .await?;
        self.announce_departure(caller, id, change, user).await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::UserId;

    use super::*;
    use crate::test_support::{Mocks, decided, expect_departure, group_room, summaries};

    #[tokio::test]
    async fn a_member_leaves_and_the_room_is_told() {
        let mut mocks = Mocks::new();
        mocks
            .conversations
            .expect_find()
            .returning(|_| Ok(Some(group_room())));
        mocks
            .users
            .expect_find_summaries()
            .returning(|ids| Ok(summaries(ids)));
        mocks
            .conversations
            .expect_modify()
            .times(1)
            .returning(|_, _, decide| {
                let change = decided(group_room(), decide)?;
                let room = &change.room;
                assert!(!room.is_participant(UserId(2)), "{room:?}");
                Ok(change)
            });
        expect_departure(&mut mocks, UserId(2), false);
        mocks
            .build()
            .leave_conversation(&Caller::new(UserId(2)), ConversationId(1))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn the_creator_cannot_leave() {
        let mut mocks = Mocks::new();
        mocks
            .conversations
            .expect_find()
            .returning(|_| Ok(Some(group_room())));
        mocks
            .users
            .expect_find_summaries()
            .returning(|ids| Ok(summaries(ids)));
        mocks.conversations.expect_modify().never();
        let err = mocks
            .build()
            .leave_conversation(&Caller::new(UserId(1)), ConversationId(1))
            .await;
        assert_eq!(err.unwrap_err(), DomainError::CreatorCannotLeave);
    }
}
