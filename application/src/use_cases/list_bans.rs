//! List bans: who is banned from a group room, so the owner and admins can let them back.

use confab_domain::roles::Act;
use confab_domain::{ConversationId, DomainError, UserSummary};

use crate::{Caller, Confab};

impl Confab {
    /// The users banned from the room, in id order (owner and admins; 404 for an outsider, 403
    /// for members, 422 for a direct chat). Two reads, whatever the room's size: the room, then
    /// the names.
    pub async fn list_bans(
        &self,
        caller: &Caller,
        id: ConversationId,
    ) -> Result<Vec<UserSummary>, DomainError> {
        let room = self.load_visible(id, caller.user).await?;
        room.ensure_may(caller.user, Act::Unban)?;
        if room.banned.is_empty() {
            return Ok(Vec::new());
        }
        let mut banned = self.ports.users.find_summaries(&room.banned).await?;
        banned.sort_by_key(|user| user.id);
        Ok(banned)
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::UserId;

    use super::*;
    use crate::test_support::{Mocks, group_room, summaries};

    #[tokio::test]
    async fn the_owner_sees_who_is_banned_and_a_member_may_not() {
        let mut mocks = Mocks::new();
        mocks.conversations.expect_find().returning(|_| {
            let mut room = group_room();
            room.banned = vec![UserId(9), UserId(5)];
            Ok(Some(room))
        });
        mocks
            .users
            .expect_find_summaries()
            .times(1)
            .returning(|ids| Ok(summaries(ids)));
        let app = mocks.build();
        let banned = app
            .list_bans(&Caller::new(UserId(1)), ConversationId(1))
            .await
            .unwrap();
        assert_eq!(
            banned.iter().map(|u| u.id).collect::<Vec<_>>(),
            [UserId(5), UserId(9)]
        );
        let err = app
            .list_bans(&Caller::new(UserId(2)), ConversationId(1))
            .await;
        assert_eq!(err.unwrap_err(), DomainError::ModeratorsOnly);
    }
}
