//! Read positions and the unread arithmetic, on per-conversation sequence numbers.
//!
//! Every message gets the next number of its conversation (1, 2, 3, … in send order, no gaps),
//! and the conversation keeps the last one. A participant's read position is such a number, so
//! "how many messages by others after my read position" is subtraction, not a count over history:
//!
//! `unread = last_seq − read_seq − (my own messages after read_seq)`
//!
//! The last term is almost always 0: sending moves your own position to your message, so your
//! messages are never after it. It is not 0 only for someone who was in the room before, was
//! removed or left, and is invited back: they rejoin at position 0 with their earlier messages
//! ahead of them, counted once at the invite ([`ReadPosition::joined`]), and the term drops to 0
//! the first time their position moves.

/// How far a participant has read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReadPosition {
    /// Sequence number of the newest message read; 0 before the first.
    pub seq: u64,
    /// The participant's own messages after `seq` (which are never unread).
    pub own_after: u64,
}

impl ReadPosition {
    /// A participant who has read nothing: a room's creator and its first members, or someone
    /// invited (back) who wrote `own_messages` in it before.
    pub fn joined(own_messages: u64) -> Self {
        Self {
            seq: 0,
            own_after: own_messages,
        }
    }

    /// Messages by others after this position, in a conversation whose newest is `last_seq`.
    /// Saturates: a position read a moment before a racing send can never make it negative.
    pub fn unread(self, last_seq: u64) -> u64 {
        last_seq
            .saturating_sub(self.seq)
            .saturating_sub(self.own_after)
    }

    /// Moves the position to `to`, the newest message when it is read or sent: never backward (a
    /// late "mark read" from another tab must not bring back what was seen). Every own message is
    /// at or before the newest, so none is after the new position. Returns whether it moved.
    pub fn advance(&mut self, to: u64) -> bool {
        if to <= self.seq {
            return false;
        }
        *self = Self {
            seq: to,
            own_after: 0,
        };
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rule spelled out message by message: what the arithmetic must always agree with.
    fn counted(messages: &[(u64, bool)], position: ReadPosition) -> u64 {
        messages
            .iter()
            .filter(|(seq, mine)| !mine && *seq > position.seq)
            .count() as u64
    }

    #[test]
    fn unread_is_what_others_sent_after_my_position() {
        let mut me = ReadPosition::joined(0);
        assert_eq!(me.unread(0), 0);
        assert_eq!(me.unread(5), 5);
        me.advance(3);
        assert_eq!(me.unread(5), 2);
        me.advance(5);
        assert_eq!(me.unread(5), 0);
    }

    #[test]
    fn a_position_never_moves_backward() {
        let mut me = ReadPosition::joined(0);
        assert!(me.advance(7));
        assert!(!me.advance(3));
        assert!(!me.advance(7));
        assert_eq!(me.seq, 7);
    }

    #[test]
    fn my_earlier_messages_are_not_unread_when_i_am_invited_back() {
        // I wrote 2 of the first 4 messages, left, and was invited back after 6.
        let history = [
            (1, false),
            (2, true),
            (3, false),
            (4, true),
            (5, false),
            (6, false),
        ];
        let me = ReadPosition::joined(2);
        assert_eq!(me.unread(6), 4);
        assert_eq!(me.unread(6), counted(&history, me));
    }

    #[test]
    fn moving_the_position_forgets_my_earlier_messages() {
        let mut me = ReadPosition::joined(2);
        me.advance(6);
        assert_eq!(
            me,
            ReadPosition {
                seq: 6,
                own_after: 0
            }
        );
        assert_eq!(me.unread(9), 3);
    }

    #[test]
    fn a_stale_last_seq_never_underflows() {
        let mut me = ReadPosition::joined(3);
        assert_eq!(me.unread(1), 0);
        me.advance(10);
        assert_eq!(me.unread(8), 0);
    }

    #[test]
    fn the_arithmetic_agrees_with_counting_over_a_long_mixed_history() {
        // Deterministic pseudo-random: who sends, and when I read.
        let mut history: Vec<(u64, bool)> = Vec::new();
        let mut me = ReadPosition::joined(0);
        let mut state = 0x2545_f491_u64;
        for seq in 1..=500u64 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let mine = state >> 61 == 0;
            history.push((seq, mine));
            if mine {
                me.advance(seq); // sending moves my own position
            } else if state >> 58 & 7 == 3 {
                me.advance(seq); // reading
            }
            assert_eq!(me.unread(seq), counted(&history, me), "at {seq}");
        }
    }
}
