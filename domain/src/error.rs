//! The one error type of the domain and the use cases. Each variant is a distinct outcome a client
//! can act on; the HTTP adapter maps each to a status in a single table.

use crate::{UserId, ValidationErrors};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// Input that fails a field rule (422 with `errors`).
    #[error("{}", .0.summary())]
    Invalid(ValidationErrors),

    /// The conversation does not exist *or the caller is not in it*: the two are indistinguishable
    /// on purpose, so ids cannot be probed (404).
    #[error("Conversation not found.")]
    ConversationNotFound,

    /// A user named in the path does not exist (404).
    #[error("User not found.")]
    UserNotFound,

    /// The target of remove is not in the room (404).
    #[error("User is not a participant of this conversation.")]
    NotAParticipant,

    /// Room management by someone other than its creator (403).
    #[error("Only the room creator can do this.")]
    NotTheCreator,

    /// Close, invite, remove, ban and leave make no sense for a 1-on-1 chat (422).
    #[error("This action is not allowed on a direct chat.")]
    DirectChat,

    /// (422)
    #[error("Cannot send messages to a closed room.")]
    ClosedRoomCannotPost,

    /// (422)
    #[error("Cannot invite users to a closed room.")]
    ClosedRoomCannotInvite,

    /// Closing twice would move `closed_at`; refuse instead (422).
    #[error("The room is already closed.")]
    AlreadyClosed,

    /// (422)
    #[error("The room creator cannot be removed or banned.")]
    CreatorIsProtected,

    /// The creator owns the room; they close it rather than leave it (422).
    #[error("The room creator cannot leave the room; close it instead.")]
    CreatorCannotLeave,

    /// (422)
    #[error("User {0} is already banned from this room.")]
    AlreadyBanned(UserId),

    /// Unbanning someone who is not banned (422).
    #[error("User {0} is not banned from this room.")]
    NotBanned(UserId),

    /// An act only the room's owner may do, by an admin or member (403; see `roles`).
    #[error("Only the room owner can do this.")]
    OwnerOnly,

    /// An act for the owner and admins, by a member (403; see `roles`).
    #[error("Only the room owner or an admin can do this.")]
    ModeratorsOnly,

    /// Acting on someone of the same role or above: admins act on members only (403).
    #[error("You can only do this to members below your own role.")]
    CannotModerate,

    /// A timed-out member sending, editing, reacting or typing (422 with `errors.until`).
    #[error("You are timed out until {}.", crate::text::rfc3339(*until))]
    TimedOut { until: crate::Timestamp },

    /// Slow mode: the member sent less than the room's interval ago (429 with `Retry-After`).
    #[error("Slow mode is on in this room: you may send again in {retry_after_secs} seconds.")]
    SlowMode { retry_after_secs: u64 },

    /// A direct chat with, or an invitation of, someone who blocked you (422). Says nothing of
    /// the block itself.
    #[error("You cannot message this user.")]
    CannotMessageUser,

    /// A pin beyond the room's limit (422).
    #[error("A room can have at most {0} pinned messages; unpin one first.")]
    TooManyPins(usize),

    /// No such message in this conversation (404).
    #[error("Message not found.")]
    MessageNotFound,

    /// No such report in this room (404).
    #[error("Report not found.")]
    ReportNotFound,

    /// No such attachment, or not one this user may see.
    #[error("Attachment not found.")]
    AttachmentNotFound,

    /// No such avatar (never stored, or replaced since: a new picture has a new URL).
    #[error("Avatar not found.")]
    AvatarNotFound,

    /// The person never asked for a data export (or their last one is gone).
    #[error("No data export was requested.")]
    ExportNotFound,

    /// The person's latest data export is not ready to download: still being built, failed or
    /// expired (its status says which).
    #[error("No data export is ready to download.")]
    ExportNotReady,

    /// A signed link to an attachment that is not this server's, or has expired.
    #[error("The link is invalid or has expired.")]
    AttachmentLinkExpired,

    /// An upload bigger than the server takes, counted on the bytes as they arrive.
    #[error("The file may not be greater than {limit_bytes} bytes.")]
    FileTooLarge { limit_bytes: u64 },

    /// A byte range that starts past the end of the file.
    #[error("The requested range is not satisfiable: the file has {size} bytes.")]
    RangeNotSatisfiable { size: u64 },

    /// Editing someone else's message (403).
    #[error("Only the author can edit this message.")]
    NotTheAuthor,

    /// Deleting a message that is neither yours nor in a room you created (403).
    #[error("Only the author or the room creator can delete this message.")]
    NotAllowedToDelete,

    /// Editing, reacting to or replying to a tombstone (422).
    #[error("This message has been deleted.")]
    MessageDeleted,

    /// Edits and reactions in a closed room; it stays readable (422).
    #[error("The room is closed: its messages can no longer be edited or reacted to.")]
    ClosedRoomIsReadOnly,

    /// A 21st different emoji on one message (422).
    #[error("A message can have at most 20 different reactions.")]
    TooManyReactions,

    /// A channel subscription the caller may not have: not a participant of the room, someone
    /// else's user channel, or a channel Confab does not serve (403).
    #[error("You may not listen on this channel.")]
    ChannelForbidden,

    /// A send by an account whose email is not verified, where the server requires it (403).
    #[error("Your email address is not verified.")]
    EmailNotVerified,

    /// Wrong email or wrong password: one message for both, so accounts cannot be enumerated (401).
    #[error("Invalid credentials.")]
    InvalidCredentials,

    /// Missing, malformed, expired or forged token, or a token whose user is gone (401).
    #[error("Unauthenticated.")]
    Unauthenticated,

    /// Over the send limit; retry after this many seconds (429).
    #[error("Too Many Attempts.")]
    RateLimited { retry_after_secs: u64 },

    /// The database cannot be reached (down, restarting, out of connections): nothing was done,
    /// and the same request may succeed shortly (503 with `Retry-After`). The text is for the log.
    #[error("The service is temporarily unavailable; please retry shortly.")]
    Unavailable(String),

    /// Storage, hashing or signing failed. The text is for the log, never for the client (500).
    #[error("internal failure: {0}")]
    Internal(String),
}

impl DomainError {
    /// A one-field validation failure.
    pub fn invalid(field: &str, reason: impl Into<String>) -> Self {
        Self::Invalid(ValidationErrors::single(field, reason))
    }

    /// The fields a refusal is about, for the `errors` of every door: a validation failure's,
    /// and a timeout's `until`.
    pub fn field_errors(&self) -> Option<ValidationErrors> {
        match self {
            Self::Invalid(errors) => Some(errors.clone()),
            Self::TimedOut { .. } => Some(ValidationErrors::single("until", self.to_string())),
            _ => None,
        }
    }

    /// How long a throttled caller should wait (`Retry-After`), for the refusals that say.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Self::RateLimited { retry_after_secs } | Self::SlowMode { retry_after_secs } => {
                Some(*retry_after_secs)
            }
            _ => None,
        }
    }
}

/// Here rather than in `validation`, so the dependency runs one way: the error holds the
/// collected failures, the failures know nothing of the error.
impl ValidationErrors {
    /// `Ok(())` when nothing failed, so callers can end validation with `?`.
    pub fn into_result(self) -> Result<(), DomainError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Invalid(self))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_errors_validate() {
        assert!(ValidationErrors::new().into_result().is_ok());
        assert!(ValidationErrors::single("a", "b").into_result().is_err());
    }
}
