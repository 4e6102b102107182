//! When each user's last typing event in each room went out: in this process's memory, or in
//! Redis with scale-out on, so that a client whose calls land on several nodes still makes one
//! event per interval in all.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use confab_domain::ports::TypingThrottle;
use confab_domain::typing::{TYPING_INTERVAL_MS, typing_is_due};
use confab_domain::{ConversationId, DomainError, Timestamp, UserId};

use crate::redis_counters::RedisCounters;

/// The last typing event per user and room, in this process.
///
/// Entries older than an interval are dropped at most once per interval, so people who stopped
/// typing do not stay in memory.
#[derive(Debug, Default)]
pub struct InMemoryTypingThrottle {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    last: HashMap<(UserId, ConversationId), Timestamp>,
    next_prune: Option<Timestamp>,
}

fn interval() -> chrono::Duration {
    chrono::Duration::milliseconds(TYPING_INTERVAL_MS)
}

#[async_trait]
impl TypingThrottle for InMemoryTypingThrottle {
    async fn admit(
        &self,
        user: UserId,
        room: ConversationId,
        now: Timestamp,
    ) -> Result<bool, DomainError> {
        let mut state = self
            .state
            .lock()
            .map_err(|_| DomainError::Internal("typing throttle lock poisoned".into()))?;
        if state.next_prune.is_none_or(|at| now >= at) {
            state
                .last
                .retain(|_, last| !typing_is_due(Some(*last), now));
            state.next_prune = Some(now + interval());
        }
        let last = state.last.get(&(user, room)).copied();
        if !typing_is_due(last, now) {
            return Ok(false);
        }
        state.last.insert((user, room), now);
        Ok(true)
    }
}

/// The last typing event per user and room in Redis: `SET {prefix}typing:{user}:{room} NX PX`
/// with the interval, so the key's existence is "an event went out less than an interval ago".
/// When Redis does not answer, this node's memory decides (an outage lets a little more through,
/// it stops no one).
pub struct RedisTypingThrottle {
    redis: RedisCounters,
    prefix: String,
    fallback: InMemoryTypingThrottle,
}

impl RedisTypingThrottle {
    /// Connects to `url` (`redis://127.0.0.1:6379`).
    ///
    /// # Errors
    /// The connection error, when Redis cannot be reached at start.
    pub async fn connect(url: &str, prefix: &str) -> Result<Self, redis::RedisError> {
        Ok(Self {
            redis: RedisCounters::connect(url, "typing events").await?,
            prefix: prefix.to_owned(),
            fallback: InMemoryTypingThrottle::default(),
        })
    }
}

#[async_trait]
impl TypingThrottle for RedisTypingThrottle {
    async fn admit(
        &self,
        user: UserId,
        room: ConversationId,
        now: Timestamp,
    ) -> Result<bool, DomainError> {
        let mut connection = self.redis.connection();
        let key = format!("{}typing:{user}:{room}", self.prefix);
        let mut set = redis::cmd("SET");
        set.arg(key)
            .arg(1)
            .arg("NX")
            .arg("PX")
            .arg(TYPING_INTERVAL_MS);
        let call = set.query_async::<Option<String>>(&mut connection);
        match self.redis.call(call).await {
            Some(answer) => Ok(answer.is_some()),
            None => self.fallback.admit(user, room, now).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    fn at(millis: i64) -> Timestamp {
        Utc.timestamp_millis_opt(1_700_000_000_000 + millis)
            .unwrap()
    }

    #[tokio::test]
    async fn one_event_per_user_and_room_per_interval() {
        let throttle = InMemoryTypingThrottle::default();
        let (ann, bob, room, other) = (UserId(1), UserId(2), ConversationId(1), ConversationId(2));

        assert!(throttle.admit(ann, room, at(0)).await.unwrap());
        assert!(!throttle.admit(ann, room, at(1_999)).await.unwrap());
        assert!(throttle.admit(bob, room, at(1_000)).await.unwrap());
        assert!(throttle.admit(ann, other, at(1_000)).await.unwrap());
        assert!(throttle.admit(ann, room, at(2_000)).await.unwrap());
        assert!(!throttle.admit(ann, room, at(3_000)).await.unwrap());
    }

    #[tokio::test]
    async fn people_who_stopped_typing_are_forgotten() {
        let throttle = InMemoryTypingThrottle::default();
        for user in 1..=100 {
            throttle
                .admit(UserId(user), ConversationId(1), at(0))
                .await
                .unwrap();
        }

        throttle
            .admit(UserId(1), ConversationId(2), at(10_000))
            .await
            .unwrap();

        assert_eq!(throttle.state.lock().unwrap().last.len(), 1);
    }
}
