//! Unban participant: lift a ban so the user may be invited again.

use confab_domain::{ConversationId, ConversationOverview, DomainError, UserId};

use crate::{Caller, Confab};

impl Confab {
    /// 403 for members, 404 for a user who does not exist, 422 for one who is not banned. Told
    /// as `participant.unbanned`; the user is not brought back (invite them).
    pub async fn unban_participant(
        &self,
        caller: &Caller,
        id: ConversationId,
        target: UserId,
    ) -> Result<ConversationOverview, DomainError> {
        let room = self.load_with_target(id, caller.user, target).await?;
        let actor = caller.user;
        let (change, ()) = self
            .change_conversation(room, caller.user, move |room| room.unban(actor, target))
            .await?;
        self.publish_all(change.events, caller).await;
        self.overview_for(id, caller.user).await
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::RealtimeEvent;

    use super::*;
    use crate::test_support::{
        Mocks, decided, group_room, group_room_and_people, overview, summaries,
    };

    fn banned_room() -> confab_domain::Conversation {
        let mut room = group_room();
        room.banned.push(UserId(5));
        room
    }

    #[tokio::test]
    async fn the_owner_lifts_a_ban_and_the_room_is_told() {
        let mut mocks = Mocks::new();
        mocks
            .conversations
            .expect_find()
            .returning(|_| Ok(Some(banned_room())));
        mocks
            .users
            .expect_find_summaries()
            .returning(|ids| Ok(summaries(ids)));
        mocks
            .conversations
            .expect_modify()
            .times(1)
            .returning(|_, _, decide| decided(banned_room(), decide));
        mocks
            .broadcaster
            .expect_publish()
            .withf(|event, _| {
                matches!(event, RealtimeEvent::ParticipantUnbanned { user, .. } if user.id == UserId(5))
            })
            .times(1)
            .returning(|_, _| ());
        mocks
            .conversations
            .expect_overview()
            .returning(|id, _| Ok(Some(overview(id.get()))));
        mocks
            .build()
            .unban_participant(&Caller::new(UserId(1)), ConversationId(1), UserId(5))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn someone_not_banned_cannot_be_unbanned() {
        let mut mocks = Mocks::new();
        group_room_and_people(&mut mocks);
        mocks.conversations.expect_modify().never();
        let err = mocks
            .build()
            .unban_participant(&Caller::new(UserId(1)), ConversationId(1), UserId(2))
            .await;
        assert_eq!(err.unwrap_err(), DomainError::NotBanned(UserId(2)));
    }
}
