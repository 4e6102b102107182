use async_trait::async_trait;

use crate::{
    AccountToken, Avatar, ChangedProfile, DeletedAccount, DomainError, Email, NewToken, NewUser,
    PasswordHash, RealtimeEvent, RemovedAccount, SessionId, Timestamp, User, UserId,
};

/// The account changes that send mail: each stores its change, the token (its hash only) and the
/// mail that carries it in one transaction, so a change is never without its mail and a mail
/// never without its change (see [`crate::mail`]).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AccountRepository: Send + Sync {
    /// A new account, with the verification token and mail to its address.
    ///
    /// # Errors
    /// `Invalid` on `email` when it is taken (the unique index decides); `Internal` /
    /// `Unavailable` otherwise.
    async fn register(&self, user: NewUser, verification: NewToken) -> Result<User, DomainError>;

    /// Stores `changed.user`'s name and email (a new email unverified, with `verification`'s
    /// token and mail to it), and what [`ChangedProfile::events`] tells the rooms the user is in
    /// in the webhook outbox; returns those events, for the use case to publish live.
    ///
    /// # Errors
    /// `Invalid` on `email` when another account has it; `Internal` / `Unavailable` otherwise.
    async fn update_profile(
        &self,
        changed: &ChangedProfile,
        verification: Option<NewToken>,
    ) -> Result<Vec<RealtimeEvent>, DomainError>;

    /// Sets `user`'s avatar (`None` removes it) and stores `user.updated` (see
    /// [`crate::profile::avatar_changed`]) in the webhook outbox. Returns the avatar it replaced, read in
    /// the same transaction (so of two racing uploads each removes only what it replaced), and
    /// the events to publish.
    ///
    /// # Errors
    /// `Internal` / `Unavailable`.
    async fn replace_avatar(
        &self,
        user: &User,
        avatar: Option<Avatar>,
    ) -> Result<(Option<Avatar>, Vec<RealtimeEvent>), DomainError>;

    /// Another verification token and mail for `user`, unless one was issued after
    /// `not_after` (then nothing is stored and the last one's time is returned: `Err(last)`).
    /// One conditional statement, so two racing requests send one mail.
    ///
    /// # Errors
    /// `Internal` / `Unavailable`.
    async fn resend_verification(
        &self,
        user: &User,
        token: NewToken,
        not_after: Timestamp,
    ) -> Result<Result<(), Timestamp>, DomainError>;

    /// A reset token and mail for the account of `email`, when there is one; nothing for an
    /// unknown email, and nothing said about which it was.
    ///
    /// # Errors
    /// `Internal` / `Unavailable`.
    async fn request_reset(&self, email: &Email, token: NewToken) -> Result<(), DomainError>;

    /// Uses a verification token: when it is unused, unexpired at `now` and for the account's
    /// current email, marks it used and the email verified; returns the account after. `None`
    /// otherwise, with nothing changed.
    ///
    /// # Errors
    /// `Internal` / `Unavailable`.
    async fn verify_email(
        &self,
        token: &AccountToken,
        now: Timestamp,
    ) -> Result<Option<User>, DomainError>;

    /// Uses a reset token of the account of `email`: when it is unused and unexpired at `now`,
    /// stores `password`, uses up every reset token of the account, and ends all its sessions —
    /// one transaction. Returns the account and the sessions that ended; `None` otherwise.
    ///
    /// # Errors
    /// `Internal` / `Unavailable`.
    async fn reset_password(
        &self,
        email: &Email,
        token: &AccountToken,
        password: PasswordHash,
        now: Timestamp,
    ) -> Result<Option<(UserId, Vec<SessionId>)>, DomainError>;

    /// Deletes the account for good (see [`crate::account_deletion`]), in one transaction: the
    /// row anonymised as `account` says (`deleted_at` set), its messages turned into tombstones
    /// (their reactions, mentions and files with them), its own reactions, blocks both ways,
    /// thread follows, tokens, queued mail, announced uploads and sessions removed, and `events`
    /// stored in the webhook outbox. Returns what is left to do outside the database. Leaving the
    /// rooms is not part of it: each room decides that under its own lock
    /// ([`crate::Conversation::depart_for_good`]) first.
    ///
    /// # Errors
    /// `Internal` / `Unavailable`.
    async fn delete_account(
        &self,
        account: &DeletedAccount,
        events: &[RealtimeEvent],
    ) -> Result<RemovedAccount, DomainError>;
}
