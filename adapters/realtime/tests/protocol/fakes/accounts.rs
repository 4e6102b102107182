//! The accounts side of the fake application: four known users, tokens that name them, live
//! sessions, and the ports the envelope tests never reach (passwords, throttles).

use std::sync::Arc;

use async_trait::async_trait;
use confab_domain::ports::{
    Clock, IssuedToken, LoginThrottle, PasswordHasher, SendThrottle, SessionStore, TokenIssuer,
    UserRepository,
};
use confab_domain::{
    Bearer, DomainError, Email, LoginAttemptKey, LoginAttempts, NewUser, Page, PageRequest,
    PasswordHash, PlainPassword, SessionId, Timestamp, User, UserId, UserName, UserSummary,
};

use super::unsupported;

/// Users 1..=4: Ann, Bob, Cy, Dee.
pub struct Users(Vec<User>);

impl Users {
    pub(super) fn new() -> Self {
        let users = ["Ann", "Bob", "Cy", "Dee"]
            .iter()
            .enumerate()
            .map(|(i, name)| User {
                id: UserId(i as i64 + 1),
                name: UserName::parse(name).unwrap(),
                email: Email::parse(&format!("{}@example.com", name.to_lowercase())).unwrap(),
                password_hash: PasswordHash("unused".into()),
                created_at: chrono::Utc::now(),
                email_verified_at: None,
                avatar: None,
            })
            .collect();
        Self(users)
    }

    pub(super) fn summary(&self, id: UserId) -> Option<UserSummary> {
        self.0.iter().find(|u| u.id == id).map(User::summary)
    }
}

#[async_trait]
impl UserRepository for Users {
    async fn create(&self, _: NewUser) -> Result<User, DomainError> {
        unsupported()
    }
    async fn find_by_id(&self, id: UserId) -> Result<Option<User>, DomainError> {
        Ok(self.0.iter().find(|u| u.id == id).cloned())
    }
    async fn find_by_email(&self, _: &Email) -> Result<Option<User>, DomainError> {
        unsupported()
    }
    async fn update_password(&self, _: UserId, _: PasswordHash) -> Result<(), DomainError> {
        unsupported()
    }
    async fn find_summaries(&self, ids: &[UserId]) -> Result<Vec<UserSummary>, DomainError> {
        Ok(ids.iter().filter_map(|&id| self.summary(id)).collect())
    }
    async fn search(
        &self,
        _: Option<String>,
        _: UserId,
        _: PageRequest,
    ) -> Result<Page<UserSummary>, DomainError> {
        unsupported()
    }
}

/// Tokens read `token-{user id}`, each of session `session-{user id}`.
pub(super) struct Tokens;

impl TokenIssuer for Tokens {
    fn issue(&self, _: &Bearer, _: Timestamp) -> Result<IssuedToken, DomainError> {
        unsupported()
    }
    fn lifetime_secs(&self) -> u64 {
        3600
    }
    fn verify(&self, token: &str, _: Timestamp) -> Result<Bearer, DomainError> {
        let user = token
            .strip_prefix("token-")
            .and_then(|id| id.parse().ok())
            .map(UserId)
            .ok_or(DomainError::Unauthenticated)?;
        Ok(Bearer {
            user,
            session: SessionId::new(format!("session-{user}")),
            generation: 1,
        })
    }
}

/// Every session is live: its user is whoever `Users` has.
pub(super) struct Sessions(pub(super) Arc<Users>);

#[async_trait]
impl SessionStore for Sessions {
    async fn open(&self, _: UserId, _: Timestamp) -> Result<SessionId, DomainError> {
        unsupported()
    }
    async fn user_of(
        &self,
        _: &SessionId,
        user: UserId,
        _: u32,
    ) -> Result<Option<User>, DomainError> {
        self.0.find_by_id(user).await
    }
    async fn renew(&self, _: &SessionId, _: u32, _: Timestamp) -> Result<Option<u32>, DomainError> {
        unsupported()
    }
    async fn end(&self, _: &SessionId) -> Result<(), DomainError> {
        unsupported()
    }
    async fn end_others(&self, _: UserId, _: &SessionId) -> Result<Vec<SessionId>, DomainError> {
        unsupported()
    }
}

pub(super) struct NoLogins;

#[async_trait]
impl LoginThrottle for NoLogins {
    async fn attempt(
        &self,
        _: &LoginAttemptKey,
        _: Timestamp,
    ) -> Result<LoginAttempts, DomainError> {
        unsupported()
    }
    async fn clear(&self, _: &LoginAttemptKey) -> Result<(), DomainError> {
        unsupported()
    }
}

pub(super) struct NoPasswords;

#[async_trait]
impl PasswordHasher for NoPasswords {
    async fn hash(&self, _: &PlainPassword) -> Result<PasswordHash, DomainError> {
        unsupported()
    }
    async fn verify(&self, _: &str, _: &PasswordHash) -> Result<bool, DomainError> {
        unsupported()
    }
}

pub(super) struct NoThrottle;

#[async_trait]
impl SendThrottle for NoThrottle {
    async fn hit(&self, _: UserId, _: Timestamp) -> Result<(), DomainError> {
        Ok(())
    }
}

pub(super) struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        chrono::Utc::now()
    }
}
