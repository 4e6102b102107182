//! Set notifications: how much of a room alerts the caller (a level, and a mute until a time).

use confab_domain::{
    ConversationId, DomainError, NotificationLevel, NotificationSettings, Timestamp,
    ValidationErrors,
};

use crate::{Caller, Confab};

impl Confab {
    /// 404 for a room the caller is not in; 422 naming `level` for anything but `all`, `mentions`
    /// or `none`. A `muted_until` in the past is kept as given: it simply mutes nothing.
    pub async fn set_notifications(
        &self,
        caller: &Caller,
        id: ConversationId,
        level: &str,
        muted_until: Option<Timestamp>,
    ) -> Result<NotificationSettings, DomainError> {
        let mut errors = ValidationErrors::new();
        let level = errors.check("level", NotificationLevel::parse(level));
        if !errors.is_empty() {
            self.load_visible(id, caller.user).await?;
        }
        errors.into_result()?;
        let settings = NotificationSettings {
            level: level.expect("checked above"),
            muted_until,
        };
        let stored = self
            .ports
            .conversations
            .set_notifications(id, caller.user, settings)
            .await?;
        if !stored {
            return Err(DomainError::ConversationNotFound);
        }
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::UserId;

    use super::*;
    use crate::test_support::{Mocks, group_room, now};

    #[tokio::test]
    async fn a_member_mutes_a_room_for_an_hour() {
        let mut mocks = Mocks::new();
        let until = now() + chrono::Duration::hours(1);
        mocks
            .conversations
            .expect_set_notifications()
            .withf(move |id, user, settings| {
                *id == ConversationId(1)
                    && *user == UserId(2)
                    && settings.level == NotificationLevel::Mentions
                    && settings.muted_until == Some(until)
            })
            .times(1)
            .returning(|_, _, _| Ok(true));
        let settings = mocks
            .build()
            .set_notifications(
                &Caller::new(UserId(2)),
                ConversationId(1),
                "mentions",
                Some(until),
            )
            .await
            .unwrap();
        assert_eq!(settings.level, NotificationLevel::Mentions);
    }

    #[tokio::test]
    async fn an_outsider_is_told_the_room_does_not_exist() {
        let mut mocks = Mocks::new();
        mocks
            .conversations
            .expect_set_notifications()
            .returning(|_, _, _| Ok(false));
        let err = mocks
            .build()
            .set_notifications(&Caller::new(UserId(9)), ConversationId(1), "none", None)
            .await;
        assert_eq!(err.unwrap_err(), DomainError::ConversationNotFound);
    }

    #[tokio::test]
    async fn an_unknown_level_is_named_and_nothing_is_stored() {
        let mut mocks = Mocks::new();
        mocks
            .conversations
            .expect_find()
            .returning(|_| Ok(Some(group_room())));
        mocks.conversations.expect_set_notifications().never();
        let err = mocks
            .build()
            .set_notifications(&Caller::new(UserId(2)), ConversationId(1), "loud", None)
            .await;
        assert!(
            matches!(&err, Err(DomainError::Invalid(e)) if e.fields().contains_key("level")),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn an_outsider_with_a_bad_level_is_told_the_room_does_not_exist_first() {
        let mut mocks = Mocks::new();
        mocks
            .conversations
            .expect_find()
            .returning(|_| Ok(Some(group_room())));
        let err = mocks
            .build()
            .set_notifications(&Caller::new(UserId(9)), ConversationId(1), "loud", None)
            .await;
        assert_eq!(err.unwrap_err(), DomainError::ConversationNotFound);
    }
}
