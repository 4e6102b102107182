//! Login attempts counted per email and client address (the domain's `LoginThrottle`): in this
//! process's memory on a single node, in Redis when several nodes share one (so five attempts
//! means five across the cluster, not five per node).
//!
//! A fixed window opened by the first attempt, as Laravel's rate limiter keeps it; counting is
//! one atomic step (a mutex here, one Lua script in Redis), so parallel attempts each get their
//! own number. When Redis does
//! not answer within [`REDIS_TIMEOUT`](crate::redis_counters::REDIS_TIMEOUT), the count falls back to this node's memory — weaker
//! across nodes, but logging in keeps working — and the outage is logged once.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use confab_domain::ports::LoginThrottle;
use confab_domain::session::LOGIN_WINDOW_SECS;
use confab_domain::{DomainError, LoginAttemptKey, LoginAttempts, Timestamp};

use crate::redis_counters::RedisCounters;

/// Past this many keys in memory, windows that ended are dropped (a key lives a minute at most).
const PRUNE_AT: usize = 10_000;

/// Each key's window: when its first failure was, and how many so far.
type Windows = HashMap<LoginAttemptKey, (Timestamp, u32)>;

/// Counts in this process.
#[derive(Debug, Default)]
pub struct InMemoryLoginThrottle {
    windows: Mutex<Windows>,
}

fn window() -> chrono::Duration {
    chrono::Duration::seconds(LOGIN_WINDOW_SECS as i64)
}

impl InMemoryLoginThrottle {
    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Windows>, DomainError> {
        self.windows
            .lock()
            .map_err(|_| DomainError::Internal("login throttle lock poisoned".into()))
    }
}

#[async_trait]
impl LoginThrottle for InMemoryLoginThrottle {
    async fn attempt(
        &self,
        key: &LoginAttemptKey,
        now: Timestamp,
    ) -> Result<LoginAttempts, DomainError> {
        let mut windows = self.lock()?;
        if windows.len() >= PRUNE_AT {
            windows.retain(|_, (opened, _)| now < *opened + window());
        }
        let entry = windows.entry(key.clone()).or_insert((now, 0));
        if now >= entry.0 + window() {
            *entry = (now, 0);
        }
        entry.1 += 1;
        Ok(LoginAttempts {
            count: entry.1,
            window_ends_in_secs: (entry.0 + window() - now).num_seconds().max(1) as u64,
        })
    }

    async fn clear(&self, key: &LoginAttemptKey) -> Result<(), DomainError> {
        self.lock()?.remove(key);
        Ok(())
    }
}

const COUNT_ATTEMPT: &str = r"
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if count == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
";

/// Counts in Redis, under `{prefix}login:{email}|{address}`, falling back to memory.
pub struct RedisLoginThrottle {
    redis: RedisCounters,
    count_attempt: redis::Script,
    prefix: String,
    fallback: InMemoryLoginThrottle,
}

impl RedisLoginThrottle {
    /// # Errors
    /// The connection error, when Redis cannot be reached at start.
    pub async fn connect(url: &str, prefix: &str) -> Result<Self, redis::RedisError> {
        let redis = RedisCounters::connect(url, "login attempts").await?;
        Ok(Self {
            redis,
            count_attempt: redis::Script::new(COUNT_ATTEMPT),
            prefix: prefix.to_owned(),
            fallback: InMemoryLoginThrottle::default(),
        })
    }

    fn key(&self, key: &LoginAttemptKey) -> String {
        format!("{}login:{}", self.prefix, key.as_str())
    }
}

#[async_trait]
impl LoginThrottle for RedisLoginThrottle {
    async fn attempt(
        &self,
        key: &LoginAttemptKey,
        now: Timestamp,
    ) -> Result<LoginAttempts, DomainError> {
        let mut connection = self.redis.connection();
        let mut invocation = self.count_attempt.key(self.key(key));
        invocation.arg(LOGIN_WINDOW_SECS * 1000);
        match self
            .redis
            .call(invocation.invoke_async::<(u32, i64)>(&mut connection))
            .await
        {
            Some((count, ttl_ms)) => Ok(LoginAttempts {
                count,
                window_ends_in_secs: (ttl_ms.max(0) as u64).div_ceil(1000).max(1),
            }),
            None => self.fallback.attempt(key, now).await,
        }
    }

    async fn clear(&self, key: &LoginAttemptKey) -> Result<(), DomainError> {
        let mut connection = self.redis.connection();
        let name = self.key(key);
        let mut delete = redis::cmd("DEL");
        delete.arg(&name);
        self.redis
            .call(delete.query_async::<i64>(&mut connection))
            .await;
        self.fallback.clear(key).await
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    fn at(secs: i64) -> Timestamp {
        Utc.timestamp_opt(1_700_000_000 + secs, 0).unwrap()
    }

    #[tokio::test]
    async fn attempts_count_within_the_window_opened_by_the_first() {
        let throttle = InMemoryLoginThrottle::default();
        let key = LoginAttemptKey::new("ann@example.com", "10.0.0.1");
        for second in 0..5 {
            throttle.attempt(&key, at(second)).await.unwrap();
        }
        assert_eq!(
            throttle.attempt(&key, at(20)).await.unwrap(),
            LoginAttempts {
                count: 6,
                window_ends_in_secs: 40
            }
        );
        let other = LoginAttemptKey::new("ann@example.com", "10.0.0.2");
        assert_eq!(throttle.attempt(&other, at(20)).await.unwrap().count, 1);
        assert_eq!(
            throttle.attempt(&key, at(60)).await.unwrap().count,
            1,
            "a new window"
        );
    }

    #[tokio::test]
    async fn a_success_clears_the_count() {
        let throttle = InMemoryLoginThrottle::default();
        let key = LoginAttemptKey::new("ann@example.com", "10.0.0.1");
        throttle.attempt(&key, at(0)).await.unwrap();
        throttle.clear(&key).await.unwrap();
        assert_eq!(throttle.attempt(&key, at(1)).await.unwrap().count, 1);
    }
}
