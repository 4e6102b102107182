//! The Redis link both shared counters use (the send limit, login attempts): connected with few,
//! short reconnect attempts, every call bounded by [`REDIS_TIMEOUT`], and an outage logged once
//! when it starts and once when it ends. A counter whose call gets no answer counts in this
//! node's memory instead: a Redis outage should weaken a limit across nodes, not stop people
//! chatting or logging in.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// A request must not wait on a sick Redis longer than this.
pub(crate) const REDIS_TIMEOUT: Duration = Duration::from_millis(250);

pub(crate) struct RedisCounters {
    redis: ConnectionManager,
    /// What is counted, for the outage log lines ("sends", "login attempts").
    what: &'static str,
    degraded: AtomicBool,
}

impl RedisCounters {
    /// # Errors
    /// The connection error, when Redis cannot be reached at start.
    pub(crate) async fn connect(url: &str, what: &'static str) -> Result<Self, redis::RedisError> {
        // Few, short reconnect attempts per call: a counter falls back to local counting rather
        // than waiting; the manager keeps reconnecting on later calls.
        let config = ConnectionManagerConfig::new()
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(500))
            .set_connection_timeout(Some(Duration::from_secs(1)))
            .set_response_timeout(Some(REDIS_TIMEOUT));
        let redis = ConnectionManager::new_with_config(redis::Client::open(url)?, config).await?;
        Ok(Self {
            redis,
            what,
            degraded: AtomicBool::new(false),
        })
    }

    /// A connection handle for one call (cheap: the manager is shared).
    pub(crate) fn connection(&self) -> ConnectionManager {
        self.redis.clone()
    }

    /// Runs `call` within [`REDIS_TIMEOUT`]; `None` when Redis does not answer, for the caller to
    /// count in memory instead.
    pub(crate) async fn call<T>(
        &self,
        call: impl Future<Output = redis::RedisResult<T>>,
    ) -> Option<T> {
        let outcome = match tokio::time::timeout(REDIS_TIMEOUT, call).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(error.to_string()),
            Err(_) => Err(format!("no answer within {REDIS_TIMEOUT:?}")),
        };
        match outcome {
            Ok(value) => {
                if self.degraded.swap(false, Ordering::Relaxed) {
                    tracing::info!(
                        "Redis answers again; {} are counted across nodes",
                        self.what
                    );
                }
                Some(value)
            }
            Err(cause) => {
                if !self.degraded.swap(true, Ordering::Relaxed) {
                    tracing::warn!(%cause, "Redis unavailable; counting {} in this node until it is back", self.what);
                }
                None
            }
        }
    }
}
