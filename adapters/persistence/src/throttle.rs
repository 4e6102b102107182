//! The send limit, counted in this process's memory.
//!
//! A fixed window per user, as Laravel's `throttle:60,1`: the first send opens a window of `window`
//! length, at most `limit` sends fit in it, and the count starts over when it ends. Memory is fine
//! for one server process; several instances behind a balancer would each allow `limit`, which is
//! the trade-off for needing no shared store.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use confab_domain::ports::SendThrottle;
use confab_domain::{DomainError, Timestamp, UserId};

/// Per-user fixed-window counter.
///
/// A `std` mutex, not an async one: the critical section is a map lookup with no `.await` inside,
/// so it is held for nanoseconds and never across a suspension point.
#[derive(Debug)]
pub struct InMemorySendThrottle {
    limit: u32,
    window: chrono::Duration,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    windows: HashMap<UserId, Window>,
    /// When to next drop finished windows, so users who stopped sending do not stay in memory.
    next_prune: Option<Timestamp>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Timestamp,
    count: u32,
}

impl InMemorySendThrottle {
    /// `limit` sends per `window` per user (`60`, one minute for the API document's limit).
    pub fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit,
            // A window too long for chrono is in practice "forever".
            window: chrono::Duration::from_std(window).unwrap_or(chrono::Duration::MAX),
            state: Mutex::new(State::default()),
        }
    }

    fn window_end(&self, started: Timestamp) -> Timestamp {
        started
            .checked_add_signed(self.window)
            .unwrap_or(Timestamp::MAX_UTC)
    }

    /// Drops every window that has ended, at most once per window length: pruning costs a pass
    /// over the map, so it must not run on every hit.
    fn prune(&self, state: &mut State, now: Timestamp) {
        if state.next_prune.is_some_and(|at| now < at) {
            return;
        }
        state
            .windows
            .retain(|_, window| now < self.window_end(window.started));
        state.next_prune = Some(self.window_end(now));
    }

    #[cfg(test)]
    fn tracked_users(&self) -> usize {
        self.state.lock().map(|s| s.windows.len()).unwrap_or(0)
    }
}

#[async_trait]
impl SendThrottle for InMemorySendThrottle {
    async fn hit(&self, user: UserId, now: Timestamp) -> Result<(), DomainError> {
        let mut state = self
            .state
            .lock()
            .map_err(|_| DomainError::Internal("send throttle lock poisoned".into()))?;
        self.prune(&mut state, now);
        let window = state.windows.entry(user).or_insert(Window {
            started: now,
            count: 0,
        });
        let mut end = self.window_end(window.started);
        if now >= end {
            *window = Window {
                started: now,
                count: 0,
            };
            end = self.window_end(now);
        }
        if window.count >= self.limit {
            // Round up: "retry in 0 seconds" would invite an immediate, refused retry.
            let wait = (end - now).num_milliseconds().max(0) as u64;
            return Err(DomainError::RateLimited {
                retry_after_secs: wait.div_ceil(1_000).max(1),
            });
        }
        window.count += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    fn at(secs: i64, millis: u32) -> Timestamp {
        Utc.timestamp_opt(1_700_000_000 + secs, millis * 1_000_000)
            .unwrap()
    }

    fn throttle(limit: u32) -> InMemorySendThrottle {
        InMemorySendThrottle::new(limit, Duration::from_secs(60))
    }

    #[tokio::test]
    async fn sends_up_to_the_limit_are_allowed() {
        let throttle = throttle(3);
        for second in 0..3 {
            assert_eq!(throttle.hit(UserId(1), at(second, 0)).await, Ok(()));
        }
    }

    #[tokio::test]
    async fn the_send_over_the_limit_is_refused_until_the_window_ends() {
        let throttle = throttle(2);
        throttle.hit(UserId(1), at(0, 0)).await.unwrap();
        throttle.hit(UserId(1), at(10, 0)).await.unwrap();
        assert_eq!(
            throttle.hit(UserId(1), at(15, 0)).await,
            Err(DomainError::RateLimited {
                retry_after_secs: 45
            })
        );
    }

    #[tokio::test]
    async fn retry_after_rounds_up_and_is_at_least_one_second() {
        let throttle = throttle(1);
        throttle.hit(UserId(1), at(0, 0)).await.unwrap();
        assert_eq!(
            throttle.hit(UserId(1), at(58, 500)).await,
            Err(DomainError::RateLimited {
                retry_after_secs: 2
            })
        );
        assert_eq!(
            throttle.hit(UserId(1), at(59, 999)).await,
            Err(DomainError::RateLimited {
                retry_after_secs: 1
            })
        );
    }

    #[tokio::test]
    async fn a_new_window_starts_when_the_old_one_ends() {
        let throttle = throttle(1);
        throttle.hit(UserId(1), at(0, 0)).await.unwrap();
        assert!(throttle.hit(UserId(1), at(30, 0)).await.is_err());
        assert_eq!(throttle.hit(UserId(1), at(60, 0)).await, Ok(()));
        assert!(throttle.hit(UserId(1), at(61, 0)).await.is_err());
    }

    #[tokio::test]
    async fn refused_sends_are_not_counted() {
        let throttle = throttle(1);
        throttle.hit(UserId(1), at(0, 0)).await.unwrap();
        for second in 1..50 {
            assert!(throttle.hit(UserId(1), at(second, 0)).await.is_err());
        }
        // Had the refusals counted, a window would have been pushed or filled; it was not.
        assert_eq!(throttle.hit(UserId(1), at(60, 0)).await, Ok(()));
    }

    #[tokio::test]
    async fn users_are_limited_separately() {
        let throttle = throttle(1);
        throttle.hit(UserId(1), at(0, 0)).await.unwrap();
        assert!(throttle.hit(UserId(1), at(1, 0)).await.is_err());
        assert_eq!(throttle.hit(UserId(2), at(1, 0)).await, Ok(()));
    }

    #[tokio::test]
    async fn finished_windows_are_forgotten() {
        let throttle = throttle(5);
        for user in 0..100 {
            throttle.hit(UserId(user), at(0, 0)).await.unwrap();
        }
        assert_eq!(throttle.tracked_users(), 100);
        throttle.hit(UserId(1_000), at(120, 0)).await.unwrap();
        assert_eq!(throttle.tracked_users(), 1);
    }

    #[tokio::test]
    async fn a_zero_limit_refuses_everything() {
        let throttle = throttle(0);
        assert_eq!(
            throttle.hit(UserId(1), at(0, 0)).await,
            Err(DomainError::RateLimited {
                retry_after_secs: 60
            })
        );
    }
}
