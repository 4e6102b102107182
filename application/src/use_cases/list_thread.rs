//! List thread: a root and its replies, paged like history.

use confab_domain::{ConversationId, DomainError, MessageId};
use confab_domain::{ThreadPage, ThreadRead};

use crate::{Caller, Confab};

impl Confab {
    /// 404 for an outsider, or when `root` is not a message of the room that can hold a thread
    /// (none, or a reply in a thread); 422 naming `before` / `after` / `limit` for a bad read.
    pub async fn list_thread(
        &self,
        caller: &Caller,
        id: ConversationId,
        root: MessageId,
        before: Option<i64>,
        after: Option<i64>,
        limit: Option<i64>,
    ) -> Result<ThreadPage, DomainError> {
        self.load_visible(id, caller.user).await?;
        let read = ThreadRead::parse(before, after, limit).map_err(DomainError::Invalid)?;
        self.ports
            .messages
            .thread(id, root, read, caller.user)
            .await?
            .ok_or(DomainError::MessageNotFound)
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::{Slice, UserId};

    use super::*;
    use crate::test_support::{Mocks, group_room, message_by};

    #[tokio::test]
    async fn a_member_reads_the_newest_replies_and_the_root() {
        let mut mocks = Mocks::new();
        mocks
            .conversations
            .expect_find()
            .returning(|_| Ok(Some(group_room())));
        mocks
            .messages
            .expect_thread()
            .withf(|room, root, read, viewer| {
                *room == ConversationId(1)
                    && *root == MessageId(16)
                    && read.from.is_none()
                    && read.limit == 20
                    && *viewer == UserId(2)
            })
            .times(1)
            .returning(|_, _, read, _| {
                Ok(Some(ThreadPage {
                    root: message_by(1),
                    replies: Slice::from_probe(Vec::new(), read.limit),
                }))
            });
        let page = mocks
            .build()
            .list_thread(
                &Caller::new(UserId(2)),
                ConversationId(1),
                MessageId(16),
                None,
                None,
                None,
            )
            .await
            .unwrap();
        assert_eq!(page.root.message.id, MessageId(16));
    }

    #[tokio::test]
    async fn no_root_is_not_found_and_outsiders_learn_nothing() {
        let mut mocks = Mocks::new();
        mocks
            .conversations
            .expect_find()
            .returning(|_| Ok(Some(group_room())));
        mocks
            .messages
            .expect_thread()
            .returning(|_, _, _, _| Ok(None));
        let app = mocks.build();
        let missing = app
            .list_thread(
                &Caller::new(UserId(2)),
                ConversationId(1),
                MessageId(99),
                None,
                None,
                None,
            )
            .await;
        assert_eq!(missing.unwrap_err(), DomainError::MessageNotFound);
        let outsider = app
            .list_thread(
                &Caller::new(UserId(9)),
                ConversationId(1),
                MessageId(16),
                None,
                None,
                None,
            )
            .await;
        assert_eq!(outsider.unwrap_err(), DomainError::ConversationNotFound);
    }

    #[tokio::test]
    async fn both_cursors_are_refused_by_name() {
        let mut mocks = Mocks::new();
        mocks
            .conversations
            .expect_find()
            .returning(|_| Ok(Some(group_room())));
        mocks.messages.expect_thread().never();
        let err = mocks
            .build()
            .list_thread(
                &Caller::new(UserId(2)),
                ConversationId(1),
                MessageId(16),
                Some(1),
                Some(2),
                None,
            )
            .await;
        assert!(matches!(err, Err(DomainError::Invalid(e)) if e.fields().contains_key("after")));
    }
}
