use async_trait::async_trait;

use crate::{
    DomainError, Email, NewUser, Page, PageRequest, PasswordHash, User, UserId, UserSummary,
};

/// Where accounts live.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait UserRepository: Send + Sync {
    /// Stores a new account and returns it with its id.
    ///
    /// # Errors
    /// `DomainError::Invalid` on field `email` when the email is taken — decided by the database's
    /// unique index, so two simultaneous registrations cannot both win. `Internal` otherwise.
    async fn create(&self, user: NewUser) -> Result<User, DomainError>;

    /// # Errors
    /// `Internal` only; a missing user is `Ok(None)`.
    async fn find_by_id(&self, id: UserId) -> Result<Option<User>, DomainError>;

    /// Replaces the user's password hash.
    ///
    /// # Errors
    /// `Internal` / `Unavailable` only.
    async fn update_password(&self, id: UserId, hash: PasswordHash) -> Result<(), DomainError>;

    /// # Errors
    /// `Internal` only; a missing user is `Ok(None)`.
    async fn find_by_email(&self, email: &Email) -> Result<Option<User>, DomainError>;

    /// The ones of `ids` that exist, in no particular order; missing ids are simply absent.
    ///
    /// # Errors
    /// `Internal` only.
    async fn find_summaries(&self, ids: &[UserId]) -> Result<Vec<UserSummary>, DomainError>;

    /// People to invite: users whose name or email contains `search` (case-insensitive), by name,
    /// excluding `except`.
    ///
    /// # Errors
    /// `Internal` only.
    async fn search(
        &self,
        search: Option<String>,
        except: UserId,
        page: PageRequest,
    ) -> Result<Page<UserSummary>, DomainError>;
}
