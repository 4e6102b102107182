//! List conversations: every room the caller is in, most recently active first.

use confab_domain::{ConversationOverview, DomainError};

use crate::{Caller, Confab};

impl Confab {
    pub async fn list_conversations(
        &self,
        caller: &Caller,
    ) -> Result<Vec<ConversationOverview>, DomainError> {
        self.ports.conversations.list_for(caller.user).await
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
            .list_conversations(&Caller::new(UserId(2)))
            .await
            .unwrap();
        assert_eq!(list.len(), 2);
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
                .list_conversations(&Caller::new(UserId(2)))
                .await
                .is_err()
        );
    }
}
