//! The send limit, counted in Redis, so several Confab nodes behind one balancer share it: 60 a
//! minute per user in total, not 60 per node.
//!
//! The same fixed window as [`InMemorySendThrottle`], done atomically by one Lua script (count,
//! open the window on the first hit, and take back a refused hit so refusals do not extend the
//! wait). When Redis does not answer within [`REDIS_TIMEOUT`], sends are counted in this node's
//! memory instead: a Redis outage should weaken the limit across nodes, not stop people chatting.
//! The outage is logged once, and its end once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use confab_domain::ports::SendThrottle;
use confab_domain::{DomainError, Timestamp, UserId};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::InMemorySendThrottle;

/// A chat send must not wait on a sick Redis longer than this.
const REDIS_TIMEOUT: Duration = Duration::from_millis(250);

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
    redis: ConnectionManager,
    script: redis::Script,
    prefix: String,
    limit: u32,
    window: Duration,
    fallback: InMemorySendThrottle,
    degraded: AtomicBool,
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
        let client = redis::Client::open(url)?;
        // Few, short reconnect attempts per call: a send falls back to local counting rather than
        // waiting; the manager keeps reconnecting on later calls.
        let config = ConnectionManagerConfig::new()
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(500))
            .set_connection_timeout(Some(Duration::from_secs(1)))
            .set_response_timeout(Some(REDIS_TIMEOUT));
        let redis = ConnectionManager::new_with_config(client, config).await?;
        Ok(Self {
            redis,
            script: redis::Script::new(SCRIPT),
            prefix: prefix.to_owned(),
            limit,
            window,
            fallback: InMemorySendThrottle::new(limit, window),
            degraded: AtomicBool::new(false),
        })
    }

    async fn hit_redis(&self, user: UserId) -> Result<(bool, u64), String> {
        let mut connection = self.redis.clone();
        let key = format!("{}throttle:{user}", self.prefix);
        let mut invocation = self.script.key(key);
        invocation
            .arg(self.window.as_millis() as u64)
            .arg(self.limit);
        let call = invocation.invoke_async::<(i64, i64)>(&mut connection);
        match tokio::time::timeout(REDIS_TIMEOUT, call).await {
            Ok(Ok((allowed, ttl_ms))) => Ok((allowed == 1, ttl_ms.max(0) as u64)),
            Ok(Err(error)) => Err(error.to_string()),
            Err(_) => Err(format!("no answer within {REDIS_TIMEOUT:?}")),
        }
    }
}

#[async_trait]
impl SendThrottle for RedisSendThrottle {
    async fn hit(&self, user: UserId, now: Timestamp) -> Result<(), DomainError> {
        match self.hit_redis(user).await {
            Ok((allowed, ttl_ms)) => {
                if self.degraded.swap(false, Ordering::Relaxed) {
                    tracing::info!("Redis answers again; the send limit is shared across nodes");
                }
                if allowed {
                    Ok(())
                } else {
                    Err(DomainError::RateLimited {
                        retry_after_secs: ttl_ms.div_ceil(1000).max(1),
                    })
                }
            }
            Err(cause) => {
                if !self.degraded.swap(true, Ordering::Relaxed) {
                    tracing::warn!(%cause, "Redis unavailable; counting sends in this node until it is back");
                }
                self.fallback.hit(user, now).await
            }
        }
    }
}
