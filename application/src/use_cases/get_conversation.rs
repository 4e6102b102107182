//! Get conversation: one room as the caller sees it.

use confab_domain::{ConversationId, ConversationOverview, DomainError};

use crate::{Caller, Confab};

impl Confab {
    /// 404 alike for a conversation that does not exist and one the caller is not in.
    pub async fn get_conversation(
        &self,
        caller: &Caller,
        id: ConversationId,
    ) -> Result<ConversationOverview, DomainError> {
        self.overview_for(id, caller.user).await
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::UserId;

    use super::*;
    use crate::test_support::{Mocks, overview};

    #[tokio::test]
    async fn a_participant_sees_the_conversation() {
        let mut mocks = Mocks::new();
        mocks
            .conversations
            .expect_overview()
            .returning(|id, _| Ok(Some(overview(id.get()))));
        let found = mocks
            .build()
            .get_conversation(&Caller::new(UserId(2)), ConversationId(5))
            .await;
        assert_eq!(found.unwrap().id, ConversationId(5));
    }

    #[tokio::test]
    async fn anyone_else_is_told_it_does_not_exist() {
        let mut mocks = Mocks::new();
        mocks
            .conversations
            .expect_overview()
            .returning(|_, _| Ok(None));
        let err = mocks
            .build()
            .get_conversation(&Caller::new(UserId(9)), ConversationId(5))
            .await;
        assert_eq!(err.unwrap_err(), DomainError::ConversationNotFound);
    }
}
