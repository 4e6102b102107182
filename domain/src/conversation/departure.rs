//! Leaving for good: what a room does when one of its people deletes their account. Unlike
//! [`Conversation::leave`], nobody is refused: the owner's room passes on, an empty room closes,
//! and a direct chat keeps its other person's history.

use super::{Conversation, ConversationKind};
use crate::roles::Role;
use crate::{Timestamp, UserId};

impl Conversation {
    /// `user`'s account is being deleted.
    ///
    /// - In a group they leave. An owner's room passes to the earliest admin, else the earliest
    ///   member (the order they joined in), who becomes its owner as by a transfer; a room left
    ///   with nobody closes.
    /// - A direct chat keeps them (their messages stay as tombstones for the other person, under
    ///   "Deleted user") and closes: nobody is there to read what would be sent.
    ///
    /// Returns whether anything changed (a room they are not in changes nothing).
    pub fn depart_for_good(&mut self, user: UserId, now: Timestamp) -> bool {
        if !self.is_participant(user) {
            return false;
        }
        if self.kind == ConversationKind::Direct {
            let open = !self.is_closed();
            if open {
                self.closed_at = Some(now);
            }
            return open;
        }
        let was_owner = self.owner() == Some(user);
        self.participants.retain(|p| p.user_id != user);
        if was_owner {
            let heir = self
                .participants
                .iter()
                .position(|p| p.role() == Role::Admin)
                .or_else(|| (!self.participants.is_empty()).then_some(0));
            if let Some(heir) = heir {
                self.participants[heir].standing.make_owner();
            }
        }
        if self.participants.is_empty() && !self.is_closed() {
            self.closed_at = Some(now);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;
    use crate::conversation::Participant;
    use crate::roles::Standing;
    use crate::{ConversationId, RoomSettings};

    fn room(kind: ConversationKind, people: &[(i64, Role)]) -> Conversation {
        Conversation {
            id: ConversationId(1),
            kind,
            name: None,
            created_by: UserId(people[0].0),
            settings: RoomSettings::default(),
            participants: people
                .iter()
                .map(|&(id, role)| Participant {
                    standing: Standing {
                        role,
                        timed_out_until: Some(DateTime::UNIX_EPOCH),
                    },
                    ..Participant::new(UserId(id))
                })
                .collect(),
            banned: Vec::new(),
            closed_at: None,
            created_at: DateTime::UNIX_EPOCH,
            updated_at: DateTime::UNIX_EPOCH,
            version: 1,
        }
    }

    const NOW: Timestamp = DateTime::UNIX_EPOCH;

    #[test]
    fn an_owners_room_passes_to_the_earliest_admin() {
        let mut group = room(
            ConversationKind::Group,
            &[
                (1, Role::Owner),
                (2, Role::Member),
                (3, Role::Admin),
                (4, Role::Admin),
            ],
        );
        assert!(group.depart_for_good(UserId(1), NOW));
        assert!(!group.is_participant(UserId(1)));
        assert_eq!(group.owner(), Some(UserId(3)));
        assert_eq!(group.standing(UserId(3)).timed_out_until, None);
        assert_eq!(group.standing(UserId(4)).role, Role::Admin);
        assert!(!group.is_closed());
    }

    #[test]
    fn without_admins_the_earliest_member_owns_it() {
        let mut group = room(
            ConversationKind::Group,
            &[(1, Role::Owner), (5, Role::Member), (2, Role::Member)],
        );
        group.depart_for_good(UserId(1), NOW);
        assert_eq!(group.owner(), Some(UserId(5)));
    }

    #[test]
    fn a_member_just_leaves_and_the_owner_stays() {
        let mut group = room(
            ConversationKind::Group,
            &[(1, Role::Owner), (2, Role::Admin)],
        );
        assert!(group.depart_for_good(UserId(2), NOW));
        assert_eq!(group.owner(), Some(UserId(1)));
        assert_eq!(group.participants.len(), 1);
    }

    #[test]
    fn a_room_left_empty_closes() {
        let mut group = room(ConversationKind::Group, &[(1, Role::Owner)]);
        assert!(group.depart_for_good(UserId(1), NOW));
        assert!(group.participants.is_empty());
        assert_eq!(group.closed_at, Some(NOW));
    }

    #[test]
    fn a_direct_chat_keeps_its_history_and_closes() {
        let mut direct = room(
            ConversationKind::Direct,
            &[(1, Role::Member), (2, Role::Member)],
        );
        assert!(direct.depart_for_good(UserId(2), NOW));
        assert!(direct.is_participant(UserId(2)) && direct.is_closed());
        assert!(!direct.depart_for_good(UserId(2), NOW), "closed already");
    }

    #[test]
    fn a_room_they_are_not_in_is_unchanged() {
        let mut group = room(ConversationKind::Group, &[(1, Role::Owner)]);
        let before = group.clone();
        assert!(!group.depart_for_good(UserId(9), NOW));
        assert_eq!(group, before);
    }
}
