//! Typing: "… is typing" for the others in a room. However often a client says so, one typing
//! event per user per room goes out at most every [`TYPING_INTERVAL_MS`]; calls in between are
//! answered all the same, without an event (a client can call on every key press).

use crate::Timestamp;

/// The shortest time between two typing events of one user in one room.
pub const TYPING_INTERVAL_MS: i64 = 2_000;

/// Whether a typing signal at `now` becomes an event, given when the last event of the same user
/// in the same room went out. A clock that stepped back counts as a new interval, so that a
/// skewed clock can delay an event by at most one interval rather than silence it.
pub fn typing_is_due(last_event: Option<Timestamp>, now: Timestamp) -> bool {
    last_event.is_none_or(|last| {
        now < last || now - last >= chrono::Duration::milliseconds(TYPING_INTERVAL_MS)
    })
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    fn at(millis: i64) -> Timestamp {
        Utc.timestamp_millis_opt(1_700_000_000_000 + millis)
            .unwrap()
    }

    #[test]
    fn the_first_signal_in_a_room_is_an_event() {
        assert!(typing_is_due(None, at(0)));
    }

    #[test]
    fn signals_within_the_interval_are_not() {
        assert!(!typing_is_due(Some(at(0)), at(0)));
        assert!(!typing_is_due(Some(at(0)), at(TYPING_INTERVAL_MS - 1)));
    }

    #[test]
    fn the_first_signal_once_the_interval_is_over_is_an_event() {
        assert!(typing_is_due(Some(at(0)), at(TYPING_INTERVAL_MS)));
        assert!(typing_is_due(Some(at(0)), at(60_000)));
    }

    #[test]
    fn a_clock_that_stepped_back_starts_a_new_interval() {
        assert!(typing_is_due(Some(at(5_000)), at(4_000)));
    }
}
