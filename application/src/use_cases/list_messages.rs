//! List messages: a page of a conversation's history, newest first.

use confab_domain::{ConversationId, DomainError, MessageView, Page, PageRequest};

use crate::{Caller, Confab};

impl Confab {
    /// Closed rooms stay readable; outsiders get 404.
    pub async fn list_messages(
        &self,
        caller: &Caller,
        id: ConversationId,
        page: Option<i64>,
        per_page: Option<i64>,
    ) -> Result<Page<MessageView>, DomainError> {
        self.load_visible(id, caller.user).await?;
        let page = PageRequest::parse(page, per_page).map_err(DomainError::Invalid)?;
        self.ports.messages.list(id, page).await
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::UserId;

    use super::*;
    use crate::test_support::{Mocks, group_room};

    #[tokio::test]
    async fn a_member_reads_a_page_of_a_closed_room() {
        let mut mocks = Mocks::new();
        mocks.conversations.expect_find().returning(|_| {
            let mut room = group_room();
            room.closed_at = Some(crate::test_support::now());
            Ok(Some(room))
        });
        mocks
            .messages
            .expect_list()
            .withf(|_, page| page.page() == 2 && page.per_page() == 10)
            .returning(|_, page| {
                Ok(Page {
                    items: vec![],
                    request: page,
                    total: 11,
                })
            });
        let page = mocks
            .build()
            .list_messages(
                &Caller::new(UserId(2)),
                ConversationId(1),
                Some(2),
                Some(10),
            )
            .await
            .unwrap();
        assert_eq!(page.last_page(), 2);
    }

    #[tokio::test]
    async fn bad_paging_is_a_validation_error() {
        let mut mocks = Mocks::new();
        mocks
            .conversations
            .expect_find()
            .returning(|_| Ok(Some(group_room())));
        let err = mocks
            .build()
            .list_messages(
                &Caller::new(UserId(2)),
                ConversationId(1),
                Some(0),
                Some(101),
            )
            .await;
        assert!(matches!(err, Err(DomainError::Invalid(_))));
    }

    #[tokio::test]
    async fn outsiders_get_not_found() {
        let mut mocks = Mocks::new();
        mocks
            .conversations
            .expect_find()
            .returning(|_| Ok(Some(group_room())));
        let err = mocks
            .build()
            .list_messages(&Caller::new(UserId(9)), ConversationId(1), None, None)
            .await;
        assert_eq!(err.unwrap_err(), DomainError::ConversationNotFound);
    }
}
