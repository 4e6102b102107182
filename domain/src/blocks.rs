//! Blocking someone: they cannot start a direct chat with you, write in yours, or invite you to a
//! room; in rooms you share their messages reach you marked (`author_blocked`) and do not count as
//! unread. The block is yours alone: nothing tells the person blocked — the refusals they meet
//! read like any other ("You cannot message this user.").

use crate::{DomainError, Timestamp, UserId, UserSummary};

/// May `blocker` block `target`? Not themself.
///
/// # Errors
/// `Invalid` on `userId`.
pub fn ensure_can_block(blocker: UserId, target: UserId) -> Result<(), DomainError> {
    if blocker == target {
        return Err(DomainError::invalid("userId", "You cannot block yourself."));
    }
    Ok(())
}

/// May `actor` bring `invited` into a room, when `blockers` of them have blocked `actor`? Nobody
/// who blocked the inviter is added by them.
///
/// # Errors
/// `Invalid` on `user_ids`, naming who cannot be invited.
pub fn ensure_none_blocks(blockers: &[UserId]) -> Result<(), DomainError> {
    if blockers.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = blockers.iter().map(ToString::to_string).collect();
    Err(DomainError::invalid(
        "user_ids",
        format!("You cannot invite these users: {}.", ids.join(", ")),
    ))
}

/// Someone I blocked, and since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockedUser {
    pub user: UserSummary,
    pub blocked_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nobody_blocks_themself() {
        assert_eq!(ensure_can_block(UserId(1), UserId(2)), Ok(()));
        let err = ensure_can_block(UserId(1), UserId(1)).unwrap_err();
        assert!(matches!(err, DomainError::Invalid(e) if e.fields().contains_key("userId")));
    }

    #[test]
    fn an_invitation_of_someone_who_blocked_the_inviter_names_them() {
        assert_eq!(ensure_none_blocks(&[]), Ok(()));
        let err = ensure_none_blocks(&[UserId(4), UserId(9)]).unwrap_err();
        let DomainError::Invalid(errors) = err else {
            panic!("{err:?}");
        };
        assert_eq!(
            errors.fields()["user_ids"],
            ["You cannot invite these users: 4, 9."]
        );
    }
}
