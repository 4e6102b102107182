//! The real clock.

use chrono::{SubsecRound, Utc};
use confab_domain::Timestamp;
use confab_domain::ports::Clock;

/// `Utc::now()` cut to the microsecond: PostgreSQL keeps no more, so a value read back equals the
/// value that was written, on SQLite too.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        now()
    }
}

/// The same time for the adapter's own bookkeeping columns (`joined_at`, ban times), which no port
/// passes in.
pub(crate) fn now() -> Timestamp {
    Utc::now().trunc_subsecs(6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_has_no_nanoseconds_beyond_the_microsecond() {
        assert_eq!(SystemClock.now().timestamp_subsec_nanos() % 1_000, 0);
    }
}
