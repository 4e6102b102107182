//! Deleting one's account (`DELETE /user`): what stays, what goes, and what the rooms are told.
//!
//! The account row stays, anonymised, because the messages people replied to, the rooms' audit
//! logs and reports name it: its name becomes [`DELETED_USER_NAME`], its email an address that
//! can never receive mail (so the real one is free for a new account), its password one nobody
//! knows. Its messages stay where they were as tombstones (empty, `deleted_at` set, as a message
//! deletion leaves them), so every page, `meta.total` and unread count of the others stays what
//! it was; their reactions, mentions and files go with them. Everything else that was the
//! person's — sessions, reactions, blocks, thread follows, tokens, queued mail, uploads, the
//! avatar — is removed.

use crate::{
    ConversationId, DomainError, Email, PasswordHash, RealtimeEvent, SessionId, Timestamp, UserId,
    UserName, UserSummary,
};

/// What a deleted account is called wherever it still appears (message authors, audit logs).
pub const DELETED_USER_NAME: &str = "Deleted user";

/// The wrong password refuses a deletion: Laravel's `current_password` rule's text.
pub const WRONG_PASSWORD: &str = "The password is incorrect.";

/// An account as deletion leaves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletedAccount {
    pub user: UserId,
    pub name: UserName,
    /// `deleted-{id}@deleted.invalid`: unique like every email, never deliverable (`.invalid` is
    /// reserved, RFC 2606), and not anyone's real address.
    pub email: Email,
    /// The hash of a secret that was thrown away: the account can never sign in again.
    pub password_hash: PasswordHash,
    pub at: Timestamp,
}

impl DeletedAccount {
    /// `user`'s account, deleted `at`; `unusable_password` hashes a secret nobody keeps.
    pub fn of(user: UserId, unusable_password: PasswordHash, at: Timestamp) -> Self {
        Self {
            user,
            name: UserName::parse(DELETED_USER_NAME).expect("a valid name"),
            email: Email::parse(&format!("deleted-{}@deleted.invalid", user.get()))
                .expect("a valid email"),
            password_hash: unusable_password,
            at,
        }
    }

    /// How the account appears from now on.
    pub fn summary(&self) -> UserSummary {
        UserSummary {
            id: self.user,
            name: self.name.as_str().to_owned(),
            avatar: None,
        }
    }

    /// `user.updated` with the new name to every room the person was in, so open clients show
    /// their messages under "Deleted user" at once (the tombstones arrive with the next fetch).
    pub fn events(&self, rooms: Vec<ConversationId>) -> Vec<RealtimeEvent> {
        if rooms.is_empty() {
            return Vec::new();
        }
        vec![RealtimeEvent::UserUpdated {
            user: self.summary(),
            conversations: rooms,
        }]
    }
}

/// What is left to do once the deletion is stored: close the sockets of `sessions`, remove
/// `files` from the file store.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RemovedAccount {
    pub sessions: Vec<SessionId>,
    /// Storage keys of the account's uploads (and their thumbnails) and avatar.
    pub files: Vec<String>,
}

/// A deletion needs the password: a stolen token alone must not delete an account.
///
/// # Errors
/// `Invalid` on `password` when it did not match.
pub fn ensure_password_confirms(matched: bool) -> Result<(), DomainError> {
    if matched {
        Ok(())
    } else {
        Err(DomainError::invalid("password", WRONG_PASSWORD))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deleted() -> DeletedAccount {
        DeletedAccount::of(
            UserId(42),
            PasswordHash("h".into()),
            chrono::DateTime::UNIX_EPOCH,
        )
    }

    #[test]
    fn the_account_is_anonymised_and_its_address_undeliverable() {
        let account = deleted();
        assert_eq!(account.name.as_str(), "Deleted user");
        assert_eq!(account.email.as_str(), "deleted-42@deleted.invalid");
        assert_eq!(account.summary().name, "Deleted user");
    }

    #[test]
    fn the_rooms_are_told_the_new_name_and_no_room_means_no_event() {
        let account = deleted();
        assert_eq!(
            account.events(vec![ConversationId(3), ConversationId(5)]),
            [RealtimeEvent::UserUpdated {
                user: account.summary(),
                conversations: vec![ConversationId(3), ConversationId(5)],
            }]
        );
        assert!(account.events(Vec::new()).is_empty());
    }

    #[test]
    fn a_wrong_password_is_refused_on_password() {
        assert!(ensure_password_confirms(true).is_ok());
        let refused = ensure_password_confirms(false).unwrap_err();
        assert_eq!(refused, DomainError::invalid("password", WRONG_PASSWORD));
    }
}
