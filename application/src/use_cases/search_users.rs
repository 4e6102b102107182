//! Search users: find people to invite.

use confab_domain::{DomainError, Page, PageRequest, UserSummary};

use crate::{Caller, Confab};

#[derive(Debug, Clone, Default)]
pub struct SearchUsersRequest {
    pub search: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

impl Confab {
    /// Everyone but the caller whose name or email contains the search text; a blank search lists
    /// everyone.
    pub async fn search_users(
        &self,
        caller: &Caller,
        request: SearchUsersRequest,
    ) -> Result<Page<UserSummary>, DomainError> {
        let page =
            PageRequest::parse(request.page, request.per_page).map_err(DomainError::Invalid)?;
        let search = request
            .search
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        if let Some(text) = &search {
            confab_domain::text::ensure_no_nul("search", text)
                .map_err(|reason| DomainError::invalid("search", reason))?;
        }
        self.ports.users.search(search, caller.user, page).await
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::UserId;

    use super::*;
    use crate::test_support::Mocks;

    #[tokio::test]
    async fn search_text_is_trimmed_and_the_caller_left_out() {
        let mut mocks = Mocks::new();
        mocks
            .users
            .expect_search()
            .withf(|s, except, page| {
                s.as_deref() == Some("jan") && *except == UserId(1) && page.per_page() == 5
            })
            .returning(|_, _, page| {
                Ok(Page {
                    items: vec![],
                    request: page,
                    total: 0,
                })
            });
        let request = SearchUsersRequest {
            search: Some(" jan ".into()),
            page: None,
            per_page: Some(5),
        };
        mocks
            .build()
            .search_users(&Caller::new(UserId(1)), request)
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_blank_search_lists_everyone() {
        let mut mocks = Mocks::new();
        mocks
            .users
            .expect_search()
            .withf(|s, _, _| s.is_none())
            .returning(|_, _, page| {
                Ok(Page {
                    items: vec![],
                    request: page,
                    total: 0,
                })
            });
        let request = SearchUsersRequest {
            search: Some("  ".into()),
            ..Default::default()
        };
        mocks
            .build()
            .search_users(&Caller::new(UserId(1)), request)
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn out_of_range_paging_is_a_validation_error() {
        let request = SearchUsersRequest {
            per_page: Some(500),
            ..Default::default()
        };
        let err = Mocks::new()
            .build()
            .search_users(&Caller::new(UserId(1)), request)
            .await;
        assert!(matches!(err, Err(DomainError::Invalid(_))));
    }
}
