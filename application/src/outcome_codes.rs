//! The application's outcome codes: the one table from what a use case refused to the code a
//! client is told, whichever door it came in through. The HTTP API answers with it as the status,
//! and the envelope protocol's `error` envelopes carry it as `payload.status`. The codes are
//! HTTP's numbers because both doors promise them, but the table is the application's: it lives
//! here, below both adapters, so neither adapter depends on the other for it. A new
//! `DomainError` variant fails to compile here until it has a code.

use confab_domain::DomainError;

/// How long a client is told to wait after `Unavailable` (503, `Retry-After` / `retry_after`): a
/// database restart or failover takes seconds.
pub const RETRY_UNAVAILABLE_SECS: u64 = 2;

/// The outcome code of `error`: the HTTP status, and the envelope `error`'s `payload.status`.
pub fn status_of(error: &DomainError) -> u16 {
    match error {
        DomainError::InvalidCredentials | DomainError::Unauthenticated => 401,
        DomainError::NotTheCreator
        | DomainError::OwnerOnly
        | DomainError::ModeratorsOnly
        | DomainError::CannotModerate
        | DomainError::ChannelForbidden
        | DomainError::NotTheAuthor
        | DomainError::NotAllowedToDelete
        | DomainError::AttachmentLinkExpired
        | DomainError::EmailNotVerified => 403,
        DomainError::ConversationNotFound
        | DomainError::UserNotFound
        | DomainError::NotAParticipant
        | DomainError::MessageNotFound
        | DomainError::ReportNotFound
        | DomainError::AttachmentNotFound
        | DomainError::AvatarNotFound
        | DomainError::ExportNotFound
        | DomainError::ExportNotReady => 404,
        DomainError::FileTooLarge { .. } => 413,
        DomainError::RangeNotSatisfiable { .. } => 416,
        DomainError::Invalid(_)
        | DomainError::DirectChat
        | DomainError::ClosedRoomCannotPost
        | DomainError::ClosedRoomCannotInvite
        | DomainError::AlreadyClosed
        | DomainError::CreatorIsProtected
        | DomainError::CreatorCannotLeave
        | DomainError::AlreadyBanned(_)
        | DomainError::NotBanned(_)
        | DomainError::TimedOut { .. }
        | DomainError::CannotMessageUser
        | DomainError::TooManyPins(_)
        | DomainError::MessageDeleted
        | DomainError::ClosedRoomIsReadOnly
        | DomainError::TooManyReactions => 422,
        DomainError::RateLimited { .. } | DomainError::SlowMode { .. } => 429,
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
        assert_eq!(status_of(&DomainError::AttachmentNotFound), 404);
        assert_eq!(
            status_of(&DomainError::FileTooLarge { limit_bytes: 1 }),
            413
        );
        assert_eq!(
            status_of(&DomainError::RangeNotSatisfiable { size: 1 }),
            416
        );
        assert_eq!(status_of(&DomainError::invalid("body", "x")), 422);
        assert_eq!(status_of(&DomainError::AlreadyBanned(UserId(3))), 422);
        let limited = DomainError::RateLimited {
            retry_after_secs: 5,
        };
        assert_eq!(status_of(&limited), 429);
        let slowed = DomainError::SlowMode {
            retry_after_secs: 5,
        };
        assert_eq!(status_of(&slowed), 429);
        assert_eq!(status_of(&DomainError::ModeratorsOnly), 403);
        assert_eq!(status_of(&DomainError::CannotModerate), 403);
        assert_eq!(
            status_of(&DomainError::TimedOut {
                until: chrono::Utc::now()
            }),
            422
        );
        assert_eq!(status_of(&DomainError::Internal("x".into())), 500);
        assert_eq!(status_of(&DomainError::Unavailable("x".into())), 503);
    }
}
