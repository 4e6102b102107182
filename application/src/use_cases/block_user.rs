//! Block user, unblock user, list blocks: the people whose messages you no longer want.

use confab_domain::blocks::ensure_can_block;
use confab_domain::{BlockedUser, DomainError, UserId};

use crate::{Caller, Confab};

impl Confab {
    /// 404 for a user who does not exist, 422 for yourself. Blocking someone again changes
    /// nothing; nobody is told (the blocked user least of all).
    pub async fn block_user(&self, caller: &Caller, target: UserId) -> Result<(), DomainError> {
        ensure_can_block(caller.user, target)?;
        if self.ports.users.find_summaries(&[target]).await?.is_empty() {
            return Err(DomainError::UserNotFound);
        }
        let now = self.ports.clock.now();
        self.ports
            .moderation
            .block(caller.user, target, now)
            .await?;
        Ok(())
    }

    /// Lifting a block that is not there succeeds too.
    pub async fn unblock_user(&self, caller: &Caller, target: UserId) -> Result<(), DomainError> {
        self.ports.moderation.unblock(caller.user, target).await?;
        Ok(())
    }

    /// Everyone the caller blocks, most recent first.
    pub async fn list_blocks(&self, caller: &Caller) -> Result<Vec<BlockedUser>, DomainError> {
        self.ports.moderation.blocks_of(caller.user).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{Mocks, now, summaries};

    #[tokio::test]
    async fn a_user_is_blocked_once_and_unknown_users_and_oneself_are_refused() {
        let mut mocks = Mocks::new();
        mocks.users.expect_find_summaries().returning(|ids| {
            Ok(if ids[0] == UserId(404) {
                vec![]
            } else {
                summaries(ids)
            })
        });
        mocks
            .moderation
            .expect_block()
            .withf(|blocker, blocked, at| {
                *blocker == UserId(1) && *blocked == UserId(2) && *at == now()
            })
            .times(1)
            .returning(|_, _, _| Ok(true));
        let app = mocks.build();
        let me = Caller::new(UserId(1));
        app.block_user(&me, UserId(2)).await.unwrap();
        assert_eq!(
            app.block_user(&me, UserId(404)).await,
            Err(DomainError::UserNotFound)
        );
        assert!(matches!(
            app.block_user(&me, UserId(1)).await,
            Err(DomainError::Invalid(_))
        ));
    }
}
