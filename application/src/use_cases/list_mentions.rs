//! List mentions: the caller's mention feed, across the rooms they are in, newest first.

use confab_domain::{Cursor, DomainError, MessageId, MessageView, Slice};

use crate::{Caller, Confab};

impl Confab {
    /// Up to `limit` (1–100, default 20) messages that name the caller or call a room of theirs,
    /// strictly before the message `before` when given. A `before` that is not one of the
    /// caller's mentions still works as a position: the feed is ordered by message id.
    pub async fn list_mentions(
        &self,
        caller: &Caller,
        before: Option<i64>,
        limit: Option<u64>,
    ) -> Result<Slice<MessageView>, DomainError> {
        let limit = limit
            .unwrap_or(Cursor::DEFAULT_LIMIT)
            .clamp(1, Cursor::MAX_LIMIT);
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
    async fn the_feed_is_read_for_the_caller_with_the_limit_kept_in_bounds() {
        for (asked, used) in [(None, 20), (Some(0), 1), (Some(500), 100), (Some(7), 7)] {
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
}
