//! List messages: a page of a conversation's history, newest first, or a slice of it before or
//! after a message (scrolling back, catching up).

use confab_domain::{
    ConversationId, DomainError, History, HistoryParams, HistoryRequest, MessageView,
};

use crate::{Caller, Confab};

impl Confab {
    /// Closed rooms stay readable; outsiders get 404. A cursor naming a message of another
    /// conversation (or none) is a 422 on that parameter.
    pub async fn list_messages(
        &self,
        caller: &Caller,
        id: ConversationId,
        params: HistoryParams,
    ) -> Result<History<MessageView>, DomainError> {
        self.load_visible(id, caller.user).await?;
        match HistoryRequest::parse(params).map_err(DomainError::Invalid)? {
            HistoryRequest::Page(page) => Ok(History::Page(
                self.ports.messages.list(id, page, caller.user).await?,
            )),
            HistoryRequest::Cursor(cursor) => self
                .ports
                .messages
                .slice(id, cursor, caller.user)
                .await?
                .map(History::Slice)
                .ok_or_else(|| {
                    let field = cursor.field();
                    DomainError::invalid(
                        field,
                        format!("The selected {field} is not a message of this conversation."),
                    )
                }),
        }
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::{Cursor, Direction, MessageId, Page, Slice, UserId};

    use super::*;
    use crate::test_support::{Mocks, group_room};

    fn visible_room(mocks: &mut Mocks) {
        mocks
            .conversations
            .expect_find()
            .returning(|_| Ok(Some(group_room())));
    }

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
            .withf(|_, page, viewer| {
                page.page() == 2 && page.per_page() == 10 && *viewer == UserId(2)
            })
            .returning(|_, page, _| {
                Ok(Page {
                    items: vec![],
                    request: page,
                    total: 11,
                })
            });
        let params = HistoryParams {
            page: Some(2),
            per_page: Some(10),
            ..Default::default()
        };
        let history = mocks
            .build()
            .list_messages(&Caller::new(UserId(2)), ConversationId(1), params)
            .await
            .unwrap();
        let History::Page(page) = history else {
            panic!("a page was asked for");
        };
        assert_eq!(page.last_page(), 2);
    }

    #[tokio::test]
    async fn a_cursor_reads_a_slice() {
        let mut mocks = Mocks::new();
        visible_room(&mut mocks);
        mocks
            .messages
            .expect_slice()
            .withf(|id, cursor, _| {
                *id == ConversationId(1)
                    && *cursor
                        == Cursor {
                            from: MessageId(40),
                            direction: Direction::After,
                            limit: 5,
                        }
            })
            .returning(|_, cursor, _| {
                Ok(Some(Slice {
                    items: vec![],
                    limit: cursor.limit,
                    has_more: true,
                }))
            });
        let params = HistoryParams {
            after: Some(40),
            limit: Some(5),
            ..Default::default()
        };
        let history = mocks
            .build()
            .list_messages(&Caller::new(UserId(2)), ConversationId(1), params)
            .await
            .unwrap();
        assert!(matches!(
            history,
            History::Slice(Slice {
                limit: 5,
                has_more: true,
                ..
            })
        ));
    }

    #[tokio::test]
    async fn a_message_of_another_conversation_is_a_validation_error_on_the_cursor() {
        let mut mocks = Mocks::new();
        visible_room(&mut mocks);
        mocks.messages.expect_slice().returning(|_, _, _| Ok(None));
        let params = HistoryParams {
            before: Some(99),
            ..Default::default()
        };
        let err = mocks
            .build()
            .list_messages(&Caller::new(UserId(2)), ConversationId(1), params)
            .await
            .unwrap_err();
        let DomainError::Invalid(errors) = err else {
            panic!("expected a validation error, got {err:?}");
        };
        assert!(errors.fields().contains_key("before"));
    }

    #[tokio::test]
    async fn bad_paging_is_a_validation_error() {
        let mut mocks = Mocks::new();
        visible_room(&mut mocks);
        let params = HistoryParams {
            page: Some(0),
            per_page: Some(101),
            ..Default::default()
        };
        let err = mocks
            .build()
            .list_messages(&Caller::new(UserId(2)), ConversationId(1), params)
            .await;
        assert!(matches!(err, Err(DomainError::Invalid(_))));
    }

    #[tokio::test]
    async fn outsiders_get_not_found() {
        let mut mocks = Mocks::new();
        visible_room(&mut mocks);
        let err = mocks
            .build()
            .list_messages(
                &Caller::new(UserId(9)),
                ConversationId(1),
                HistoryParams::default(),
            )
            .await;
        assert_eq!(err.unwrap_err(), DomainError::ConversationNotFound);
    }
}
