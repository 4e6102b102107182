//! Change role: the owner makes a participant an admin or a member again.

use confab_domain::{ConversationId, ConversationOverview, DomainError, Role, UserId};

use crate::{Caller, Confab};

impl Confab {
    /// 422 on `role` for anything but `admin` or `member` (ownership moves by transfer), 403 for
    /// anyone but the owner, 404 for a target who is not in the room. Told as
    /// `participant.updated`; setting the role someone has changes nothing and tells nobody.
    pub async fn change_role(
        &self,
        caller: &Caller,
        id: ConversationId,
        target: UserId,
        role: &str,
    ) -> Result<ConversationOverview, DomainError> {
        let role =
            Role::parse_assignable(role).map_err(|reason| DomainError::invalid("role", reason))?;
        let room = self.load_with_target(id, caller.user, target).await?;
        let actor = caller.user;
        let (change, _) = self
            .change_conversation(room, caller.user, move |room| {
                room.set_role(actor, target, role)
            })
            .await?;
        self.publish_all(change.events, caller).await;
        self.overview_for(id, caller.user).await
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::RealtimeEvent;

    use super::*;
    use crate::test_support::{Mocks, decided, group_room, group_room_and_people, overview};

    #[tokio::test]
    async fn the_owner_makes_a_member_an_admin_and_the_room_is_told() {
        let mut mocks = Mocks::new();
        group_room_and_people(&mut mocks);
        mocks
            .conversations
            .expect_modify()
            .withf(|id, actor, _| *id == ConversationId(1) && *actor == UserId(1))
            .times(1)
            .returning(|_, _, decide| {
                let change = decided(group_room(), decide)?;
                assert_eq!(change.room.standing(UserId(2)).role, Role::Admin);
                Ok(change)
            });
        mocks
            .broadcaster
            .expect_publish()
            .withf(|event, _| {
                matches!(event, RealtimeEvent::ParticipantUpdated { user, standing, .. }
                    if user.id == UserId(2) && standing.role == Role::Admin)
            })
            .times(1)
            .returning(|_, _| ());
        mocks
            .conversations
            .expect_overview()
            .returning(|id, _| Ok(Some(overview(id.get()))));
        mocks
            .build()
            .change_role(
                &Caller::new(UserId(1)),
                ConversationId(1),
                UserId(2),
                "admin",
            )
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn owner_is_not_a_role_one_is_given_and_nothing_is_read() {
        let mocks = Mocks::new();
        let err = mocks
            .build()
            .change_role(
                &Caller::new(UserId(1)),
                ConversationId(1),
                UserId(2),
                "owner",
            )
            .await
            .unwrap_err();
        assert!(matches!(err, DomainError::Invalid(e) if e.fields().contains_key("role")));
    }

    #[tokio::test]
    async fn a_member_cannot_and_nothing_is_saved() {
        let mut mocks = Mocks::new();
        group_room_and_people(&mut mocks);
        mocks.conversations.expect_modify().never();
        let err = mocks
            .build()
            .change_role(
                &Caller::new(UserId(2)),
                ConversationId(1),
                UserId(1),
                "member",
            )
            .await;
        assert_eq!(err.unwrap_err(), DomainError::OwnerOnly);
    }
}
