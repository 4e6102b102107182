//! Search messages: words in one conversation, or in every conversation the caller is in now.

use confab_domain::{
    ConversationId, DomainError, MessageView, Page, PageRequest, SearchQuery, SearchScope,
    ValidationErrors,
};

use crate::{Caller, Confab};

impl Confab {
    /// Newest first, a page at a time (`page`, `per_page` as for history). `within` narrows to one
    /// conversation (404 for an outsider); without it only rooms the caller is in now are
    /// searched. A query without a word answers an empty page without asking the database.
    pub async fn search_messages(
        &self,
        caller: &Caller,
        within: Option<ConversationId>,
        q: &str,
        page: Option<i64>,
        per_page: Option<i64>,
    ) -> Result<Page<MessageView>, DomainError> {
        let scope = match within {
            Some(id) => {
                self.load_visible(id, caller.user).await?;
                SearchScope::Conversation(id)
            }
            None => SearchScope::MemberOf(caller.user),
        };
        let mut errors = ValidationErrors::new();
        let query = errors.check("q", SearchQuery::parse(q));
        let request = PageRequest::parse(page, per_page);
        let request = match request {
            Ok(request) => Some(request),
            Err(page_errors) => {
                for (field, reasons) in page_errors.fields() {
                    for reason in reasons {
                        errors.add(field, reason.clone());
                    }
                }
                None
            }
        };
        errors.into_result()?;
        let (query, request) = (query.expect("checked"), request.expect("checked"));
        if query.words().is_empty() {
            return Ok(Page {
                items: Vec::new(),
                request,
                total: 0,
            });
        }
        self.ports
            .messages
            .search(scope, &query, request, caller.user)
            .await
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::UserId;

    use super::*;
    use crate::test_support::{Mocks, group_room};

    #[tokio::test]
    async fn everywhere_means_the_callers_rooms_and_reads_no_room() {
        let mut mocks = Mocks::new();
        mocks.conversations.expect_find().never();
        mocks
            .messages
            .expect_search()
            .withf(|scope, query, page, viewer| {
                *scope == SearchScope::MemberOf(UserId(2))
                    && query.words() == ["deploy"]
                    && page.per_page() == 5
                    && *viewer == UserId(2)
            })
            .times(1)
            .returning(|_, _, page, _| {
                Ok(Page {
                    items: Vec::new(),
                    request: page,
                    total: 0,
                })
            });
        mocks
            .build()
            .search_messages(&Caller::new(UserId(2)), None, "Deploy", None, Some(5))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn an_outsider_cannot_search_a_room() {
        let mut mocks = Mocks::new();
        mocks
            .conversations
            .expect_find()
            .returning(|_| Ok(Some(group_room())));
        mocks.messages.expect_search().never();
        let err = mocks
            .build()
            .search_messages(
                &Caller::new(UserId(9)),
                Some(ConversationId(1)),
                "x",
                None,
                None,
            )
            .await;
        assert_eq!(err.unwrap_err(), DomainError::ConversationNotFound);
    }

    #[tokio::test]
    async fn a_missing_query_and_a_bad_page_are_named_together() {
        let mocks = Mocks::new();
        let err = mocks
            .build()
            .search_messages(&Caller::new(UserId(2)), None, "", Some(0), None)
            .await;
        assert!(matches!(err, Err(DomainError::Invalid(e))
            if e.fields().contains_key("q") && e.fields().contains_key("page")));
    }

    #[tokio::test]
    async fn punctuation_alone_finds_nothing_without_a_query() {
        let mut mocks = Mocks::new();
        mocks.messages.expect_search().never();
        let page = mocks
            .build()
            .search_messages(&Caller::new(UserId(2)), None, "?!", None, None)
            .await
            .unwrap();
        assert_eq!(page.total, 0);
    }
}
