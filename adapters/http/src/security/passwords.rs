use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash as PhcString;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use std::sync::{Arc, Mutex, mpsc};

use async_trait::async_trait;
use confab_domain::ports::PasswordHasher;
use confab_domain::{DomainError, PasswordHash, PlainPassword};
use tokio::sync::oneshot;

/// Argon2id with the crate's default (OWASP-recommended) parameters, on a small pool of dedicated
/// threads.
///
/// A hash takes tens of milliseconds of CPU and 19 MiB of memory on purpose, so it never runs on an
/// async worker. It does not use `spawn_blocking` either: that pool grows to hundreds of threads,
/// so a burst of logins would hold hundreds of 19 MiB blocks at once. A fixed set of threads (one
/// per core: hashing is CPU-bound) caps it; requests beyond them wait in a bounded queue.
#[derive(Clone)]
pub struct Argon2Passwords {
    jobs: mpsc::SyncSender<Job>,
}

type Job = Box<dyn FnOnce() + Send>;

/// Hashes waiting beyond this are refused rather than queued without bound.
const QUEUE_DEPTH: usize = 1024;

impl Argon2Passwords {
    /// A pool of `threads` hashing threads (at least one).
    pub fn new(threads: usize) -> Self {
        let (jobs, queue) = mpsc::sync_channel::<Job>(QUEUE_DEPTH);
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..threads.max(1) {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || {
                    loop {
                        // The lock is held only while taking a job, never while hashing.
                        let next = queue.lock().map(|queue| queue.recv());
                        match next {
                            Ok(Ok(job)) => job(),
                            _ => return,
                        }
                    }
                })
                .expect("a hashing thread can be started");
        }
        Self { jobs }
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, DomainError> {
        let (answer, answered) = oneshot::channel();
        self.jobs
            .try_send(Box::new(move || {
                let _ = answer.send(work());
            }))
            .map_err(|_| DomainError::Internal("password hashing queue is full".into()))?;
        answered
            .await
            .map_err(|_| DomainError::Internal("password hashing thread stopped".into()))
    }
}

#[async_trait]
impl PasswordHasher for Argon2Passwords {
    async fn hash(&self, password: &PlainPassword) -> Result<PasswordHash, DomainError> {
        let password = password.expose().to_owned();
        self.run(move || {
            Argon2::default()
                .hash_password(password.as_bytes())
                .map(|hash| PasswordHash(hash.to_string()))
                .map_err(|error| DomainError::Internal(format!("hashing failed: {error}")))
        })
        .await?
    }

    async fn verify(&self, password: &str, hash: &PasswordHash) -> Result<bool, DomainError> {
        let password = password.to_owned();
        let hash = hash.0.clone();
        self.run(move || {
            let parsed = PhcString::new(&hash).map_err(|error| {
                DomainError::Internal(format!("stored hash unreadable: {error}"))
            })?;
            Ok(Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok())
        })
        .await?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let hasher = Argon2Passwords::new(2);
        let password = PlainPassword::parse("correct horse").unwrap();
        let hash = hasher.hash(&password).await.unwrap();
        assert!(hash.0.starts_with("$argon2id$"));
        assert!(hasher.verify("correct horse", &hash).await.unwrap());
        assert!(!hasher.verify("wrong horse", &hash).await.unwrap());
    }

    #[tokio::test]
    async fn the_same_password_hashes_differently_each_time() {
        let hasher = Argon2Passwords::new(2);
        let password = PlainPassword::parse("correct horse").unwrap();
        assert_ne!(
            hasher.hash(&password).await.unwrap(),
            hasher.hash(&password).await.unwrap()
        );
    }

    #[tokio::test]
    async fn an_unreadable_stored_hash_is_an_internal_error() {
        let result = Argon2Passwords::new(1)
            .verify("x", &PasswordHash("not a hash".into()))
            .await;
        assert!(matches!(result, Err(DomainError::Internal(_))));
    }
}
