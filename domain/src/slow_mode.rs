//! Slow mode: how often a member of a room may send. The posting rule
//! ([`PostingFacts::ensure_pace`](crate::PostingFacts::ensure_pace)) asks it at commit; the room's
//! settings hold it.

use crate::{DomainError, Timestamp};

/// Slow mode: a member (not the owner or an admin) may send one message per this many seconds.
/// Zero is off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SlowMode(u32);

impl SlowMode {
    /// Six hours, as Discord allows.
    pub const MAX_SECONDS: u32 = 21_600;

    pub fn parse(seconds: i64) -> Result<Self, String> {
        match u32::try_from(seconds) {
            Ok(seconds) if seconds <= Self::MAX_SECONDS => Ok(Self(seconds)),
            _ => Err(format!(
                "The slow_mode_seconds field must be between 0 and {}.",
                Self::MAX_SECONDS
            )),
        }
    }

    pub fn seconds(self) -> u32 {
        self.0
    }

    pub fn is_on(self) -> bool {
        self.0 > 0
    }

    /// May someone who last sent at `last` send at `now`? When not, how many whole seconds
    /// until they may (at least one).
    ///
    /// # Errors
    /// `SlowMode` with the seconds to wait.
    pub fn ensure_may_send(
        self,
        last: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<(), DomainError> {
        let Some(last) = last.filter(|_| self.is_on()) else {
            return Ok(());
        };
        let next = last + chrono::Duration::seconds(i64::from(self.0));
        if next <= now {
            return Ok(());
        }
        let wait_ms = u64::try_from((next - now).num_milliseconds().max(1)).unwrap_or(1);
        let retry_after_secs = wait_ms.div_ceil(1_000);
        Err(DomainError::SlowMode { retry_after_secs })
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone, Utc};

    use super::*;

    #[test]
    fn slow_mode_is_zero_to_six_hours() {
        assert_eq!(SlowMode::parse(0), Ok(SlowMode(0)));
        assert_eq!(SlowMode::parse(21_600).map(SlowMode::seconds), Ok(21_600));
        assert!(SlowMode::parse(21_601).is_err());
        assert!(SlowMode::parse(-1).is_err());
    }

    #[test]
    fn slow_mode_says_how_long_to_wait_rounded_up() {
        let now = Utc.with_ymd_and_hms(2026, 2, 19, 14, 30, 0).unwrap();
        let ten = SlowMode(10);
        assert_eq!(ten.ensure_may_send(None, now), Ok(()));
        assert_eq!(
            ten.ensure_may_send(Some(now - Duration::milliseconds(500)), now),
            Err(DomainError::SlowMode {
                retry_after_secs: 10
            })
        );
        assert_eq!(
            ten.ensure_may_send(Some(now - Duration::milliseconds(9_990)), now),
            Err(DomainError::SlowMode {
                retry_after_secs: 1
            })
        );
        assert_eq!(
            ten.ensure_may_send(Some(now - Duration::seconds(10)), now),
            Ok(())
        );
        assert_eq!(SlowMode(0).ensure_may_send(Some(now), now), Ok(()));
    }
}
