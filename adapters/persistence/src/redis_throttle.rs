//! The send limit, counted in Redis, so several Confab nodes behind one balancer share it: 60 a
//! minute per user in total, not 60 per node.
//!
//! The same fixed window as [`InMemorySendThrottle`], done atomically by one Lua script (count,
//! open the window on the first hit, and take back a refused hit so refusals do not extend the
//! wait). When Redis does not answer within [`REDIS_TIMEOUT`](crate::redis_counters::REDIS_TIMEOUT), sends are counted in this node's
//! memory instead: a Redis outage should weaken the limit across nodes, not stop people chatting.
//! The outage is logged once, and its end once.

use std::time::Duration;

use async_trait::async_trait;
use confab_domain::ports::SendThrottle;
use confab_domain::{DomainError, Timestamp, UserId};

use crate::InMemorySendThrottle;
use crate::redis_counters::RedisCounters;

const SCRIPT: &str = r"
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
if count > tonumber(ARGV[2]) then
  redis.call('DECR', KEYS[1])
  return {0, ttl}
end
return {1, ttl}
";

pub struct RedisSendThrottle {
    redis: RedisCounters,
    script: redis::Script,
    prefix: String,
    limit: u32,
    window: Duration,
    fallback: InMemorySendThrottle,
}

impl RedisSendThrottle {
    /// Connects to `url` (`redis://127.0.0.1:6379`). Keys are `{prefix}throttle:{user}`.
    ///
    /// # Errors
    /// The connection error, when Redis cannot be reached at start.
    pub async fn connect(
        url: &str,
        prefix: &str,
        limit: u32,
        window: Duration,
    ) -> Result<Self, redis::RedisError> {
        let redis = RedisCounters::connect(url, "sends").await?;
        Ok(Self {
            redis,
            script: redis::Script::new(SCRIPT),
            prefix: prefix.to_owned(),
            limit,
            window,
            fallback: InMemorySendThrottle::new(limit, window),
        })
    }

    /// `(allowed, ms until the window ends)`, or `None` when Redis does not answer.
    async fn hit_redis(&self, user: UserId) -> Option<(bool, u64)> {
        let mut connection = self.redis.connection();
        let key = format!("{}throttle:{user}", self.prefix);
        let mut invocation = self.script.key(key);
        invocation
            .arg(self.window.as_millis() as u64)
            .arg(self.limit);
        let call = invocation.invoke_async::<(i64, i64)>(&mut connection);
        let (allowed, ttl_ms) = self.redis.call(call).await?;
        Some((allowed == 1, ttl_ms.max(0) as u64))
    }
}

#[async_trait]
impl SendThrottle for RedisSendThrottle {
    async fn hit(&self, user: UserId, now: Timestamp) -> Result<(), DomainError> {
        match self.hit_redis(user).await {
            Some((true, _)) => Ok(()),
            Some((false, ttl_ms)) => Err(DomainError::RateLimited {
                retry_after_secs: ttl_ms.div_ceil(1000).max(1),
            }),
            None => self.fallback.hit(user, now).await,
        }
    }
}
