//! Who may post in a room, as one rule for both places that decide it: the aggregate, when a
//! request is checked, and the storage, at the moment the message commits (so a ban, removal or
//! close that lands between the check and the write still refuses the message).

use crate::DomainError;

/// The facts the posting rule reads, as the storage can establish them inside the send's
/// transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PostingFacts {
    pub participant: bool,
    pub banned: bool,
    pub closed: bool,
}

impl PostingFacts {
    /// A participant may post unless the room is closed; anyone else is told the room does not
    /// exist (so ids cannot be probed). A banned user is never a participant; the check stands
    /// on its own anyway, so stored data can never let one through.
    ///
    /// # Errors
    /// `ConversationNotFound` for a non-participant or a banned user, `ClosedRoomCannotPost` for
    /// a closed room.
    pub fn ensure(self) -> Result<(), DomainError> {
        if !self.participant || self.banned {
            return Err(DomainError::ConversationNotFound);
        }
        if self.closed {
            return Err(DomainError::ClosedRoomCannotPost);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(participant: bool, banned: bool, closed: bool) -> PostingFacts {
        PostingFacts {
            participant,
            banned,
            closed,
        }
    }

    #[test]
    fn a_participant_posts_in_an_open_room() {
        assert_eq!(facts(true, false, false).ensure(), Ok(()));
    }

    #[test]
    fn outsiders_and_banned_users_are_told_the_room_does_not_exist() {
        for (participant, banned) in [(false, false), (false, true), (true, true)] {
            assert_eq!(
                facts(participant, banned, false).ensure(),
                Err(DomainError::ConversationNotFound)
            );
        }
        assert_eq!(
            facts(false, false, true).ensure(),
            Err(DomainError::ConversationNotFound),
            "not being in the room comes before its state"
        );
    }

    #[test]
    fn nobody_posts_in_a_closed_room() {
        assert_eq!(
            facts(true, false, true).ensure(),
            Err(DomainError::ClosedRoomCannotPost)
        );
    }
}
