//! List mentions: the caller's mention feed, across the rooms they are in, newest first.

use confab_domain::{Cursor, DomainError, MessageId, MessageView, Slice};

use crate::{Caller, Confab};

impl Confab {
    /// Up to `limit` (1–100, default 20; 422 naming `limit` otherwise) messages that name the
    /// caller or call a room of theirs, strictly before the message `before` when given. A
    /// `before` that is not one of the caller's mentions still works as a position: the feed is
    /// ordered by message id.
    pub async fn list_mentions(
        &self,
        caller: &Caller,
        before: Option<i64>,
        limit: Option<i64>,
    ) -> Result<Slice<MessageView>, DomainError> {
        let limit =
            Cursor::parse_limit(limit).map_err(|reason| DomainError::invalid("limit", reason))?;
        self.ports
            .messages
            .mentions_of(caller.user, before.map(MessageId), limit)
            .await
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::UserId;

    use super::*;
    use crate::test_support::Mocks;

    #[tokio::test]
    async fn the_feed_is_read_for_the_caller_twenty_at_a_time_unless_asked() {
        for (asked, used) in [(None, 20), (Some(1), 1), (Some(100), 100)] {
            let mut mocks = Mocks::new();
            mocks
                .messages
                .expect_mentions_of()
                .withf(move |user, before, limit| {
                    *user == UserId(2) && *before == Some(MessageId(40)) && *limit == used
                })
                .times(1)
                .returning(|_, _, limit| Ok(Slice::from_probe(Vec::new(), limit)));
            let feed = mocks
                .build()
                .list_mentions(&Caller::new(UserId(2)), Some(40), asked)
                .await
                .unwrap();
            assert_eq!(feed.limit, used);
        }
    }

    #[tokio::test]
    async fn a_limit_out_of_range_is_named_and_nothing_is_read() {
        for asked in [0, -3, 101] {
            let mut mocks = Mocks::new();
            mocks.messages.expect_mentions_of().never();
            let err = mocks
                .build()
                .list_mentions(&Caller::new(UserId(2)), None, Some(asked))
                .await;
            assert!(
                matches!(&err, Err(DomainError::Invalid(e)) if e.fields().contains_key("limit")),
                "{asked}: {err:?}"
            );
        }
    }
}
