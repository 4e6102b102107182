//! List threads: the threads the caller follows, most recently active first.

use confab_domain::FollowedThread;
use confab_domain::{Cursor, DomainError, MessageId, Slice};

use crate::{Caller, Confab};

impl Confab {
    /// Up to `limit` (1–100, default 20; 422 naming `limit` otherwise) threads whose last reply
    /// is older than the message `before` (a thread's `last_reply_id`) when given.
    pub async fn list_threads(
        &self,
        caller: &Caller,
        before: Option<i64>,
        limit: Option<i64>,
    ) -> Result<Slice<FollowedThread>, DomainError> {
        let limit =
            Cursor::parse_limit(limit).map_err(|reason| DomainError::invalid("limit", reason))?;
        self.ports
            .messages
            .threads_of(caller.user, before.map(MessageId), limit)
            .await
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::UserId;

    use super::*;
    use crate::test_support::Mocks;

    #[tokio::test]
    async fn the_callers_threads_are_read_with_the_cursor() {
        let mut mocks = Mocks::new();
        mocks
            .messages
            .expect_threads_of()
            .withf(|user, before, limit| {
                *user == UserId(2) && *before == Some(MessageId(40)) && *limit == 20
            })
            .times(1)
            .returning(|_, _, limit| Ok(Slice::from_probe(Vec::new(), limit)));
        mocks
            .build()
            .list_threads(&Caller::new(UserId(2)), Some(40), None)
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_limit_out_of_range_is_named() {
        let mut mocks = Mocks::new();
        mocks.messages.expect_threads_of().never();
        let err = mocks
            .build()
            .list_threads(&Caller::new(UserId(2)), None, Some(0))
            .await;
        assert!(matches!(err, Err(DomainError::Invalid(e)) if e.fields().contains_key("limit")));
    }
}
