use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash as PhcString;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use async_trait::async_trait;
use confab_domain::ports::PasswordHasher;
use confab_domain::{DomainError, PasswordHash, PlainPassword};

/// Argon2id with the crate's default (OWASP-recommended) parameters. Hashing takes tens of
/// milliseconds of CPU on purpose, so it runs on the blocking pool, never on an async worker.
#[derive(Debug, Clone, Default)]
pub struct Argon2Passwords;

#[async_trait]
impl PasswordHasher for Argon2Passwords {
    async fn hash(&self, password: &PlainPassword) -> Result<PasswordHash, DomainError> {
        let password = password.expose().to_owned();
        tokio::task::spawn_blocking(move || {
            Argon2::default()
                .hash_password(password.as_bytes())
                .map(|hash| PasswordHash(hash.to_string()))
                .map_err(|error| DomainError::Internal(format!("hashing failed: {error}")))
        })
        .await
        .map_err(|error| DomainError::Internal(format!("hashing task failed: {error}")))?
    }

    async fn verify(&self, password: &str, hash: &PasswordHash) -> Result<bool, DomainError> {
        let password = password.to_owned();
        let hash = hash.0.clone();
        tokio::task::spawn_blocking(move || {
            let parsed = PhcString::new(&hash).map_err(|error| {
                DomainError::Internal(format!("stored hash unreadable: {error}"))
            })?;
            Ok(Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok())
        })
        .await
        .map_err(|error| DomainError::Internal(format!("verify task failed: {error}")))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let hasher = Argon2Passwords;
        let password = PlainPassword::parse("correct horse").unwrap();
        let hash = hasher.hash(&password).await.unwrap();
        assert!(hash.0.starts_with("$argon2id$"));
        assert!(hasher.verify("correct horse", &hash).await.unwrap());
        assert!(!hasher.verify("wrong horse", &hash).await.unwrap());
    }

    #[tokio::test]
    async fn the_same_password_hashes_differently_each_time() {
        let hasher = Argon2Passwords;
        let password = PlainPassword::parse("correct horse").unwrap();
        assert_ne!(
            hasher.hash(&password).await.unwrap(),
            hasher.hash(&password).await.unwrap()
        );
    }

    #[tokio::test]
    async fn an_unreadable_stored_hash_is_an_internal_error() {
        let result = Argon2Passwords
            .verify("x", &PasswordHash("not a hash".into()))
            .await;
        assert!(matches!(result, Err(DomainError::Internal(_))));
    }
}
