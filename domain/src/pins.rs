//! Pinned messages: who may pin is [`crate::message_changes::ensure_can_pin`]; how many a room
//! keeps is here.

use crate::{DomainError, Timestamp, UserId};

/// The most messages one room keeps pinned (Slack and Discord keep 50 too).
pub const MAX_PINS: usize = 50;

/// When a message was pinned, and by whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pin {
    pub at: Timestamp,
    pub by: UserId,
}

/// Whether a room that has `pinned` messages pinned may pin one more.
///
/// # Errors
/// `TooManyPins`.
pub fn ensure_room_for_pin(pinned: usize) -> Result<(), DomainError> {
    if pinned >= MAX_PINS {
        Err(DomainError::TooManyPins(MAX_PINS))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_room_keeps_at_most_fifty_pins() {
        assert_eq!(ensure_room_for_pin(0), Ok(()));
        assert_eq!(ensure_room_for_pin(49), Ok(()));
        assert_eq!(ensure_room_for_pin(50), Err(DomainError::TooManyPins(50)));
    }
}
