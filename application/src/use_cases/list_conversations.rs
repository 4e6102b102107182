//! List conversations: every room the caller is in, most recently active first, optionally only
//! the muted or only the unmuted ones.

use confab_domain::{ConversationOverview, DomainError};

use crate::{Caller, Confab};

impl Confab {
    /// With `muted`, only the rooms whose settings are (or are not) muted now
    /// ([`NotificationSettings::is_muted`](confab_domain::NotificationSettings::is_muted)).
    pub async fn list_conversations(
        &self,
        caller: &Caller,
        muted: Option<bool>,
    ) -> Result<Vec<ConversationOverview>, DomainError> {
        let mut list = self.ports.conversations.list_for(caller.user).await?;
        if let Some(wanted) = muted {
            let now = self.ports.clock.now();
            list.retain(|room| room.notifications.is_muted(now) == wanted);
        }
        Ok(list)
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::UserId;

    use super::*;
    use crate::test_support::{Mocks, overview};

    #[tokio::test]
    async fn lists_the_callers_conversations() {
        let mut mocks = Mocks::new();
        mocks
            .conversations
            .expect_list_for()
            .withf(|viewer| *viewer == UserId(2))
            .returning(|_| Ok(vec![overview(1), overview(2)]));
        let list = mocks
            .build()
            .list_conversations(&Caller::new(UserId(2)), None)
            .await
            .unwrap();
        assert_eq!(list.len(), 2);
    }

    #[tokio::test]
    async fn the_muted_filter_keeps_rooms_muted_now_or_the_others() {
        use confab_domain::{NotificationLevel, NotificationSettings};
        let muted = |id: i64, settings: NotificationSettings| ConversationOverview {
            notifications: settings,
            ..overview(id)
        };
        let rooms = move || {
            vec![
                overview(1),
                muted(
                    2,
                    NotificationSettings {
                        level: NotificationLevel::None,
                        muted_until: None,
                    },
                ),
                muted(
                    3,
                    NotificationSettings {
                        muted_until: Some(
                            crate::test_support::now() + chrono::Duration::minutes(1),
                        ),
                        ..Default::default()
                    },
                ),
                muted(
                    4,
                    NotificationSettings {
                        muted_until: Some(crate::test_support::now()),
                        ..Default::default()
                    },
                ),
            ]
        };
        for (wanted, ids) in [(true, vec![2, 3]), (false, vec![1, 4])] {
            let mut mocks = Mocks::new();
            mocks
                .conversations
                .expect_list_for()
                .returning(move |_| Ok(rooms()));
            let list = mocks
                .build()
                .list_conversations(&Caller::new(UserId(2)), Some(wanted))
                .await
                .unwrap();
            let got: Vec<i64> = list.iter().map(|room| room.id.get()).collect();
            assert_eq!(got, ids, "muted={wanted}");
        }
    }

    #[tokio::test]
    async fn a_storage_failure_is_passed_on() {
        let mut mocks = Mocks::new();
        mocks
            .conversations
            .expect_list_for()
            .returning(|_| Err(DomainError::Internal("down".into())));
        assert!(
            mocks
                .build()
                .list_conversations(&Caller::new(UserId(2)), None)
                .await
                .is_err()
        );
    }
}
