//! The one table from what a use case refused to the status a client is told, for every door:
//! the HTTP API answers with it, and the envelope protocol's `error` envelopes carry it as
//! `payload.status`. A new `DomainError` variant fails to compile here until it has a status.

use confab_domain::DomainError;

/// How long a client is told to wait after `Unavailable` (503, `Retry-After` / `retry_after`): a
/// database restart or failover takes seconds.
pub const RETRY_UNAVAILABLE_SECS: u64 = 2;

/// The HTTP status of `error` (and of the envelope `error` it becomes).
pub fn status_of(error: &DomainError) -> u16 {
    match error {
        DomainError::InvalidCredentials | DomainError::Unauthenticated => 401,
        DomainError::NotTheCreator
        | DomainError::ChannelForbidden
        | DomainError::NotTheAuthor
        | DomainError::NotAllowedToDelete => 403,
        DomainError::ConversationNotFound
        | DomainError::UserNotFound
        | DomainError::NotAParticipant
        | DomainError::MessageNotFound => 404,
        DomainError::Invalid(_)
        | DomainError::DirectChat
        | DomainError::ClosedRoomCannotPost
        | DomainError::ClosedRoomCannotInvite
        | DomainError::AlreadyClosed
        | DomainError::CreatorIsProtected
        | DomainError::CreatorCannotLeave
        | DomainError::AlreadyBanned(_)
        | DomainError::MessageDeleted
        | DomainError::ClosedRoomIsReadOnly
        | DomainError::TooManyReactions => 422,
        DomainError::RateLimited { .. } => 429,
        DomainError::Internal(_) => 500,
        DomainError::Unavailable(_) => 503,
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::UserId;

    use super::*;

    #[test]
    fn each_kind_of_refusal_has_its_status() {
        assert_eq!(status_of(&DomainError::Unauthenticated), 401);
        assert_eq!(status_of(&DomainError::NotTheAuthor), 403);
        assert_eq!(status_of(&DomainError::MessageNotFound), 404);
        assert_eq!(status_of(&DomainError::invalid("body", "x")), 422);
        assert_eq!(status_of(&DomainError::AlreadyBanned(UserId(3))), 422);
        let limited = DomainError::RateLimited {
            retry_after_secs: 5,
        };
        assert_eq!(status_of(&limited), 429);
        assert_eq!(status_of(&DomainError::Internal("x".into())), 500);
        assert_eq!(status_of(&DomainError::Unavailable("x".into())), 503);
    }
}
