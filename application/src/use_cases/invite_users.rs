//! Invite users: add people to a group room.

use confab_domain::{ConversationId, ConversationOverview, DomainError, UserId};

use crate::{Caller, Confab};

impl Confab {
    /// Users already inside are left as they are; the new ones are told, and so is the room.
    /// Racing another change to the room, the invite is re-decided on the fresh state, so a ban
    /// that lands first still keeps the banned user out.
    pub async fn invite_users(
        &self,
        caller: &Caller,
        id: ConversationId,
        user_ids: &[i64],
    ) -> Result<ConversationOverview, DomainError> {
        let users: Vec<UserId> = user_ids.iter().copied().map(UserId).collect();
        let room = self.load_visible(id, caller.user).await?;
        self.ensure_users_exist(&users).await?;
        let blockers = self
            .ports
            .moderation
            .blockers_of(caller.user, users.clone())
            .await?;
        confab_domain::blocks::ensure_none_blocks(&blockers)?;
        let (actor, invited) = (caller.user, users.clone());
        let (change, _) = self
            .change_conversation(room, caller.user, move |room| room.invite(actor, &invited))
            .await?;
        self.publish_all(change.events, caller).await;
        self.overview_for(id, caller.user).await
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::RealtimeEvent;

    use super::*;
    use crate::test_support::{Mocks, decided, group_room, overview, summaries};

    fn with_room_and_users(mocks: &mut Mocks) {
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
            .expect_overview()
            .returning(|id, _| Ok(Some(overview(id.get()))));
    }

    #[tokio::test]
    async fn the_creator_invites_and_the_room_is_told_who_came() {
        let mut mocks = Mocks::new();
        with_room_and_users(&mut mocks);
        mocks
            .conversations
            .expect_modify()
            .times(1)
            .returning(|_, _, decide| {
                let change = decided(group_room(), decide)?;
                let room = &change.room;
                assert!(room.is_participant(UserId(5)), "{room:?}");
                Ok(change)
            });
        mocks
            .broadcaster
            .expect_publish()
            .withf(|e, _| matches!(e, RealtimeEvent::ParticipantsAdded { .. }))
            .times(1)
            .returning(|_, _| ());
        mocks
            .build()
            .invite_users(&Caller::new(UserId(1)), ConversationId(1), &[5])
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn inviting_only_existing_members_tells_nobody() {
        let mut mocks = Mocks::new();
        with_room_and_users(&mut mocks);
        mocks
            .conversations
            .expect_modify()
            .times(1)
            .returning(|_, _, decide| decided(group_room(), decide));
        mocks.broadcaster.expect_publish().never();
        mocks
            .build()
            .invite_users(&Caller::new(UserId(1)), ConversationId(1), &[2])
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn an_invite_reads_the_room_once_and_decides_again_on_the_locked_room() {
        let mut mocks = Mocks::new();
        mocks
            .conversations
            .expect_find()
            .times(1)
            .returning(|_| Ok(Some(group_room())));
        mocks
            .users
            .expect_find_summaries()
            .returning(|ids| Ok(summaries(ids)));
        mocks
            .conversations
            .expect_modify()
            .times(1)
            .returning(|_, _, decide| decided(group_room(), decide));
        mocks
            .conversations
            .expect_overview()
            .returning(|id, _| Ok(Some(overview(id.get()))));
        mocks.broadcaster.expect_publish().returning(|_, _| ());
        mocks
            .build()
            .invite_users(&Caller::new(UserId(1)), ConversationId(1), &[5])
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_ban_that_lands_first_keeps_the_user_out() {
        let mut mocks = Mocks::new();
        // The request's own read sees no ban; the room as stored when it is locked does.
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
                let mut room = group_room();
                room.ban(UserId(1), UserId(5)).unwrap();
                decided(room, decide)
            });
        mocks.broadcaster.expect_publish().never();
        let err = mocks
            .build()
            .invite_users(&Caller::new(UserId(1)), ConversationId(1), &[5])
            .await
            .unwrap_err();
        assert!(matches!(err, DomainError::Invalid(_)), "{err:?}");
    }

    #[tokio::test]
    async fn unknown_users_are_refused() {
        let mut mocks = Mocks::new();
        mocks
            .conversations
            .expect_find()
            .returning(|_| Ok(Some(group_room())));
        mocks
            .users
            .expect_find_summaries()
            .returning(|_| Ok(vec![]));
        mocks.conversations.expect_modify().never();
        let err = mocks
            .build()
            .invite_users(&Caller::new(UserId(1)), ConversationId(1), &[77])
            .await;
        assert!(err.unwrap_err().to_string().contains("77"));
    }

    #[tokio::test]
    async fn outsiders_get_not_found_before_anything_else() {
        let mut mocks = Mocks::new();
        mocks
            .conversations
            .expect_find()
            .returning(|_| Ok(Some(group_room())));
        let err = mocks
            .build()
            .invite_users(&Caller::new(UserId(9)), ConversationId(1), &[77])
            .await;
        assert_eq!(err.unwrap_err(), DomainError::ConversationNotFound);
    }
}
