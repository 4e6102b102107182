//! Mentions: a message may name people of its room (`mentions`) or call the whole room
//! (`mention_room`). Who is named decides who is alerted ([`crate::notification`]) and whose
//! `unread_mentions` grows; the body stays the client's own text (the server does not parse
//! `@names` out of it, so renaming a user never breaks a stored message).

use std::collections::HashSet;

use crate::{DomainError, UserId};

/// The most people one message may name.
pub const MAX_MENTIONS: usize = 50;

/// Who a message names: people by id, in the order first named (a name given twice counts once),
/// and whether it calls the whole room.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mentions {
    users: Vec<UserId>,
    room: bool,
}

impl Mentions {
    /// Checks the shape: at most [`MAX_MENTIONS`] ids (a client that names someone twice, as
    /// `@Ann … @Ann`, is not refused: the second counts for nothing). Whether they are in the room
    /// is [`Mentions::ensure_present`]'s question, asked where the room's members are known.
    ///
    /// # Errors
    /// The message for the `mentions` field.
    pub fn parse(ids: &[i64], room: bool) -> Result<Self, String> {
        if ids.len() > MAX_MENTIONS {
            return Err(format!(
                "The mentions field must not have more than {MAX_MENTIONS} items."
            ));
        }
        let mut seen = HashSet::new();
        let users: Vec<UserId> = ids
            .iter()
            .filter(|id| seen.insert(**id))
            .map(|id| UserId(*id))
            .collect();
        Ok(Self { users, room })
    }

    /// A message that names nobody.
    pub fn none() -> Self {
        Self::default()
    }

    pub fn users(&self) -> &[UserId] {
        &self.users
    }

    pub fn room(&self) -> bool {
        self.room
    }

    pub fn is_empty(&self) -> bool {
        self.users.is_empty() && !self.room
    }

    pub fn names(&self, user: UserId) -> bool {
        self.users.contains(&user)
    }

    /// Everyone named must be a participant of the room now (`is_participant` answers for the
    /// room the message goes to). A participant who left is no longer someone to call.
    ///
    /// # Errors
    /// `Invalid` on `mentions`, naming the first id that is not in the room.
    pub fn ensure_present(
        &self,
        is_participant: impl Fn(UserId) -> bool,
    ) -> Result<(), DomainError> {
        match self.users.iter().find(|user| !is_participant(**user)) {
            Some(user) => Err(DomainError::invalid(
                "mentions",
                format!("The user {user} is not a participant of this conversation."),
            )),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_named_twice_count_once_in_first_named_order() {
        let mentions = Mentions::parse(&[3, 2, 3], false).unwrap();
        assert_eq!(mentions.users(), [UserId(3), UserId(2)]);
        assert!(mentions.names(UserId(2)));
        assert!(!mentions.names(UserId(4)));
    }

    #[test]
    fn fifty_people_may_be_named_and_not_one_more() {
        let fifty: Vec<i64> = (1..=50).collect();
        assert!(Mentions::parse(&fifty, true).is_ok());
        let fifty_one: Vec<i64> = (1..=51).collect();
        assert!(
            Mentions::parse(&fifty_one, false)
                .unwrap_err()
                .contains("50")
        );
        let repeated: Vec<i64> = (1..=25).chain(1..=25).collect();
        assert_eq!(Mentions::parse(&repeated, false).unwrap().users().len(), 25);
    }

    #[test]
    fn nobody_named_and_no_room_call_is_empty() {
        assert!(Mentions::parse(&[], false).unwrap().is_empty());
        assert!(!Mentions::parse(&[], true).unwrap().is_empty());
        assert!(!Mentions::parse(&[1], false).unwrap().is_empty());
    }

    #[test]
    fn everyone_named_must_be_in_the_room() {
        let mentions = Mentions::parse(&[2, 7], false).unwrap();
        assert_eq!(mentions.ensure_present(|_| true), Ok(()));
        let err = mentions
            .ensure_present(|user| user == UserId(2))
            .unwrap_err();
        assert!(
            matches!(&err, DomainError::Invalid(e) if e.fields()["mentions"][0].contains('7')),
            "{err:?}"
        );
    }
}
