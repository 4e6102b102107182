//! Update conversation: a group room's name, description and slow mode (owner and admins).

use confab_domain::{
    ConversationId, ConversationOverview, DomainError, RoomDescription, RoomName, SettingsChange,
    SlowMode, ValidationErrors,
};

use crate::{Caller, Confab};

/// A `PATCH` as the client sent it: each field absent (`None`), cleared (`Some(None)`), or set.
#[derive(Debug, Clone, Default)]
pub struct RoomUpdate<'a> {
    pub name: Option<Option<&'a str>>,
    pub description: Option<Option<&'a str>>,
    pub slow_mode_seconds: Option<i64>,
}

impl Confab {
    /// 422 naming every field that fails its rule; 403 for members; 422 for a direct chat. Told
    /// as `conversation.updated`; a patch that changes nothing tells nobody.
    pub async fn update_conversation(
        &self,
        caller: &Caller,
        id: ConversationId,
        update: RoomUpdate<'_>,
    ) -> Result<ConversationOverview, DomainError> {
        let mut errors = ValidationErrors::new();
        let change = SettingsChange {
            name: update
                .name
                .map(|name| errors.check("name", RoomName::parse(name.unwrap_or(""))))
                .and_then(|checked| checked),
            description: update
                .description
                .map(|text| errors.check("description", RoomDescription::parse(text.unwrap_or(""))))
                .and_then(|checked| checked),
            slow_mode: update
                .slow_mode_seconds
                .and_then(|seconds| errors.check("slow_mode_seconds", SlowMode::parse(seconds))),
        };
        errors.into_result()?;
        let room = self.load_visible(id, caller.user).await?;
        let actor = caller.user;
        let (change, ()) = self
            .change_conversation(room, caller.user, move |room| {
                room.change_settings(actor, change.clone())
            })
            .await?;
        self.publish_all(change.events, caller).await;
        self.overview_for(id, caller.user).await
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::{RealtimeEvent, UserId};

    use super::*;
    use crate::test_support::{Mocks, decided, group_room, overview};

    #[tokio::test]
    async fn the_owner_sets_slow_mode_and_the_room_is_told() {
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
                assert_eq!(change.room.settings.slow_mode.seconds(), 30);
                assert_eq!(change.room.name, None, "a field not given is kept");
                Ok(change)
            });
        mocks
            .broadcaster
            .expect_publish()
            .withf(|event, _| matches!(event, RealtimeEvent::ConversationUpdated { .. }))
            .times(1)
            .returning(|_, _| ());
        mocks
            .conversations
            .expect_overview()
            .returning(|id, _| Ok(Some(overview(id.get()))));
        let update = RoomUpdate {
            slow_mode_seconds: Some(30),
            ..RoomUpdate::default()
        };
        mocks
            .build()
            .update_conversation(&Caller::new(UserId(1)), ConversationId(1), update)
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn every_field_that_fails_is_named_before_anything_is_read() {
        let mocks = Mocks::new();
        let long = "x".repeat(1_001);
        let update = RoomUpdate {
            name: Some(Some("a\0b")),
            description: Some(Some(&long)),
            slow_mode_seconds: Some(21_601),
        };
        let err = mocks
            .build()
            .update_conversation(&Caller::new(UserId(1)), ConversationId(1), update)
            .await
            .unwrap_err();
        let DomainError::Invalid(errors) = err else {
            panic!("{err:?}");
        };
        let fields: Vec<&String> = errors.fields().keys().collect();
        assert_eq!(fields, ["description", "name", "slow_mode_seconds"]);
    }

    #[tokio::test]
    async fn a_member_may_not() {
        let mut mocks = Mocks::new();
        mocks
            .conversations
            .expect_find()
            .returning(|_| Ok(Some(group_room())));
        mocks.conversations.expect_modify().never();
        let err = mocks
            .build()
            .update_conversation(
                &Caller::new(UserId(2)),
                ConversationId(1),
                RoomUpdate {
                    name: Some(Some("Mine")),
                    ..RoomUpdate::default()
                },
            )
            .await;
        assert_eq!(err.unwrap_err(), DomainError::ModeratorsOnly);
    }
}
