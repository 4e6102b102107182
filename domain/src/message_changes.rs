//! Who may change a message after it is sent, and what deleting leaves behind.
//!
//! - **Edit**: only the author, only while the message is not deleted, the room is open and the
//!   author is not timed out.
//! - **Delete**: the author, or in a group room its owner and admins (moderation, see
//!   [`crate::roles`]); also in a closed room, since taking back what you wrote must stay
//!   possible. Deleting leaves a tombstone: the
//!   message keeps its id, place, author and time, its body becomes empty and its reactions go.
//!   Deleting a tombstone again changes nothing.
//! - **React**: any participant not timed out, on a message that is not deleted, while the room
//!   is open.
//! - **Pin**: in a group its owner and admins, in a direct chat either member; a live message of
//!   an open room.
//! - **Reply**: to a message of the same conversation that is not deleted.

use crate::roles::Act;
use crate::{Conversation, ConversationKind, DomainError, Message, MessageId, Timestamp, UserId};

/// May `actor` change `message`'s body in `room`?
///
/// # Errors
/// `ConversationNotFound` for an outsider, `NotTheAuthor`, `TimedOut`, `MessageDeleted`,
/// `ClosedRoomIsReadOnly`.
pub fn ensure_can_edit(
    room: &Conversation,
    message: &Message,
    actor: UserId,
    now: Timestamp,
) -> Result<(), DomainError> {
    room.ensure_visible_to(actor)?;
    if message.sender != actor {
        return Err(DomainError::NotTheAuthor);
    }
    room.ensure_can_take_part(actor, now)?;
    ChangeFacts {
        deleted: message.is_deleted(),
        closed: room.is_closed(),
    }
    .ensure()
}

/// The facts the rules for changing a live message (edit, react) read about it and its room, as
/// the storage can establish them with the message locked, just before it writes — so a deletion
/// or close that lands between the use case's check and the write still refuses the change (as
/// [`crate::PostingFacts`] does for a send). Who may edit (the author) does not change meanwhile
/// and is checked on what was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeFacts {
    pub deleted: bool,
    pub closed: bool,
}

impl ChangeFacts {
    /// # Errors
    /// `MessageDeleted` for a tombstone (told first), `ClosedRoomIsReadOnly` in a closed room.
    pub fn ensure(self) -> Result<(), DomainError> {
        if self.deleted {
            return Err(DomainError::MessageDeleted);
        }
        if self.closed {
            return Err(DomainError::ClosedRoomIsReadOnly);
        }
        Ok(())
    }
}

/// May `actor` delete `message` in `room`?
///
/// # Errors
/// `ConversationNotFound` for an outsider, `NotAllowedToDelete` for anyone but the author and a
/// group room's owner and admins.
pub fn ensure_can_delete(
    room: &Conversation,
    message: &Message,
    actor: UserId,
) -> Result<(), DomainError> {
    room.ensure_visible_to(actor)?;
    let moderator = room.kind == ConversationKind::Group
        && room.standing(actor).role.may(Act::DeleteOthersMessages);
    if message.sender == actor || moderator {
        Ok(())
    } else {
        Err(DomainError::NotAllowedToDelete)
    }
}

/// May `actor` add or take back a reaction on `message` in `room`?
///
/// # Errors
/// `ConversationNotFound` for an outsider, `TimedOut`, `MessageDeleted`, `ClosedRoomIsReadOnly`.
pub fn ensure_can_react(
    room: &Conversation,
    message: &Message,
    actor: UserId,
    now: Timestamp,
) -> Result<(), DomainError> {
    room.ensure_can_take_part(actor, now)?;
    ChangeFacts {
        deleted: message.is_deleted(),
        closed: room.is_closed(),
    }
    .ensure()
}

/// May `actor` pin `message` in `room`, or unpin it?
///
/// # Errors
/// `ConversationNotFound` for an outsider, `ModeratorsOnly` for a group's member,
/// `MessageDeleted`, `ClosedRoomIsReadOnly`.
pub fn ensure_can_pin(
    room: &Conversation,
    message: &Message,
    actor: UserId,
) -> Result<(), DomainError> {
    room.ensure_visible_to(actor)?;
    if room.kind == ConversationKind::Group {
        room.ensure_may(actor, Act::Pin)?;
    }
    ChangeFacts {
        deleted: message.is_deleted(),
        closed: room.is_closed(),
    }
    .ensure()
}

/// What the storage knows about the message a send answers, read in the send's transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyTarget {
    pub conversation_id: crate::ConversationId,
    pub deleted: bool,
}

/// Whether a message sent to `conversation` may answer `parent` (`None`: no such message).
///
/// # Errors
/// `Invalid` on field `reply_to` for a message of another conversation, none, or a tombstone.
pub fn ensure_can_reply_to(
    conversation: crate::ConversationId,
    parent: MessageId,
    target: Option<ReplyTarget>,
) -> Result<(), DomainError> {
    match target {
        Some(t) if t.conversation_id == conversation && !t.deleted => Ok(()),
        Some(t) if t.conversation_id == conversation => Err(DomainError::invalid(
            "reply_to",
            format!(
                "Message {} has been deleted and cannot be replied to.",
                parent.get()
            ),
        )),
        _ => Err(DomainError::invalid(
            "reply_to",
            format!(
                "The selected reply_to is not a message of this conversation: {}.",
                parent.get()
            ),
        )),
    }
}

impl Message {
    /// The tombstone this message becomes when deleted at `at`: nothing of its content remains,
    /// and it is no longer pinned.
    /// A message already deleted stays as it is (the first deletion's time is kept).
    pub fn into_tombstone(mut self, at: Timestamp) -> Self {
        if self.deleted_at.is_none() {
            self.deleted_at = Some(at);
            self.body = String::new();
            self.mention_room = false;
            self.pinned = None;
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::roles::Role;
    use crate::{ConversationId, Participant};

    fn at(minute: u32) -> Timestamp {
        chrono::Utc
            .with_ymd_and_hms(2026, 2, 19, 14, minute, 0)
            .unwrap()
    }

    /// A room created by user 1 with members 1, 2, 3: in a group, 1 owns it and 3 is an admin.
    fn room(kind: ConversationKind) -> Conversation {
        let group = kind == ConversationKind::Group;
        Conversation {
            id: ConversationId(1),
            kind,
            name: None,
            created_by: UserId(1),
            settings: Default::default(),
            participants: [1, 2, 3]
                .into_iter()
                .map(|id| {
                    let mut member = Participant::new(UserId(id));
                    member.standing.role = match id {
                        1 if group => Role::Owner,
                        3 if group => Role::Admin,
                        _ => Role::Member,
                    };
                    member
                })
                .collect(),
            banned: Vec::new(),
            closed_at: None,
            created_at: at(0),
            updated_at: at(0),
            version: 1,
        }
    }

    fn by(author: i64) -> Message {
        Message::sent(
            MessageId(9),
            ConversationId(1),
            4,
            UserId(author),
            "hi",
            at(1),
        )
    }

    #[test]
    fn only_the_author_edits_and_not_a_tombstone_nor_in_a_closed_room() {
        let group = room(ConversationKind::Group);
        assert_eq!(ensure_can_edit(&group, &by(2), UserId(2), at(1)), Ok(()));
        assert_eq!(
            ensure_can_edit(&group, &by(2), UserId(1), at(1)),
            Err(DomainError::NotTheAuthor)
        );
        assert_eq!(
            ensure_can_edit(&group, &by(2), UserId(7), at(1)),
            Err(DomainError::ConversationNotFound)
        );
        assert_eq!(
            ensure_can_edit(&group, &by(2).into_tombstone(at(2)), UserId(2), at(3)),
            Err(DomainError::MessageDeleted)
        );
        let mut closed = group;
        closed.closed_at = Some(at(3));
        assert_eq!(
            ensure_can_edit(&closed, &by(2), UserId(2), at(4)),
            Err(DomainError::ClosedRoomIsReadOnly)
        );
    }

    #[test]
    fn the_author_or_a_group_rooms_owner_or_admin_deletes_even_in_a_closed_room() {
        let mut group = room(ConversationKind::Group);
        group.closed_at = Some(at(3));
        assert_eq!(ensure_can_delete(&group, &by(2), UserId(2)), Ok(()));
        assert_eq!(ensure_can_delete(&group, &by(2), UserId(1)), Ok(()));
        assert_eq!(ensure_can_delete(&group, &by(2), UserId(3)), Ok(()));
        assert_eq!(ensure_can_delete(&group, &by(1), UserId(3)), Ok(()));
        assert_eq!(
            ensure_can_delete(&group, &by(3), UserId(2)),
            Err(DomainError::NotAllowedToDelete)
        );
        assert_eq!(
            ensure_can_delete(&group, &by(2), UserId(8)),
            Err(DomainError::ConversationNotFound)
        );
        // A direct chat has no moderator: whoever started it cannot delete the other's words.
        let direct = room(ConversationKind::Direct);
        assert_eq!(
            ensure_can_delete(&direct, &by(2), UserId(1)),
            Err(DomainError::NotAllowedToDelete)
        );
    }

    #[test]
    fn any_member_reacts_to_a_live_message_in_an_open_room() {
        let group = room(ConversationKind::Group);
        assert_eq!(ensure_can_react(&group, &by(2), UserId(3), at(1)), Ok(()));
        assert_eq!(
            ensure_can_react(&group, &by(2).into_tombstone(at(2)), UserId(3), at(3)),
            Err(DomainError::MessageDeleted)
        );
        let mut closed = group;
        closed.closed_at = Some(at(3));
        assert_eq!(
            ensure_can_react(&closed, &by(2), UserId(3), at(4)),
            Err(DomainError::ClosedRoomIsReadOnly)
        );
    }

    #[test]
    fn a_timed_out_member_neither_edits_nor_reacts_until_it_runs_out() {
        let mut group = room(ConversationKind::Group);
        group.participants[1].standing.timed_out_until = Some(at(10));
        let refused = Err(DomainError::TimedOut { until: at(10) });
        assert_eq!(ensure_can_edit(&group, &by(2), UserId(2), at(5)), refused);
        assert_eq!(ensure_can_react(&group, &by(1), UserId(2), at(5)), refused);
        assert_eq!(ensure_can_edit(&group, &by(2), UserId(2), at(10)), Ok(()));
        assert_eq!(ensure_can_react(&group, &by(1), UserId(2), at(11)), Ok(()));
        assert_eq!(
            ensure_can_delete(&group, &by(2), UserId(2)),
            Ok(()),
            "taking back your own words stays possible"
        );
    }

    #[test]
    fn owners_and_admins_pin_in_a_group_either_member_in_a_direct_chat() {
        let group = room(ConversationKind::Group);
        assert_eq!(ensure_can_pin(&group, &by(2), UserId(1)), Ok(()));
        assert_eq!(ensure_can_pin(&group, &by(2), UserId(3)), Ok(()));
        assert_eq!(
            ensure_can_pin(&group, &by(1), UserId(2)),
            Err(DomainError::ModeratorsOnly)
        );
        assert_eq!(
            ensure_can_pin(&group, &by(1), UserId(8)),
            Err(DomainError::ConversationNotFound)
        );
        assert_eq!(
            ensure_can_pin(&group, &by(2).into_tombstone(at(2)), UserId(1)),
            Err(DomainError::MessageDeleted)
        );
        let direct = room(ConversationKind::Direct);
        assert_eq!(ensure_can_pin(&direct, &by(1), UserId(2)), Ok(()));
        let mut closed = direct;
        closed.closed_at = Some(at(3));
        assert_eq!(
            ensure_can_pin(&closed, &by(1), UserId(2)),
            Err(DomainError::ClosedRoomIsReadOnly)
        );
    }

    #[test]
    fn a_tombstone_keeps_its_place_and_loses_its_content_once() {
        let mut message = by(2);
        message.edited_at = Some(at(2));
        let gone = message.clone().into_tombstone(at(5));
        assert_eq!((gone.id, gone.seq, gone.sender), (message.id, 4, UserId(2)));
        assert_eq!(gone.body, "");
        assert_eq!(gone.deleted_at, Some(at(5)));
        assert_eq!(gone.clone().into_tombstone(at(9)).deleted_at, Some(at(5)));
    }

    #[test]
    fn a_reply_answers_a_live_message_of_the_same_conversation() {
        let here = ConversationId(1);
        let live = ReplyTarget {
            conversation_id: here,
            deleted: false,
        };
        assert_eq!(ensure_can_reply_to(here, MessageId(3), Some(live)), Ok(()));
        for target in [
            None,
            Some(ReplyTarget {
                conversation_id: ConversationId(2),
                deleted: false,
            }),
            Some(ReplyTarget {
                deleted: true,
                ..live
            }),
        ] {
            let err = ensure_can_reply_to(here, MessageId(3), target).unwrap_err();
            assert!(matches!(err, DomainError::Invalid(e) if e.fields().contains_key("reply_to")));
        }
    }

    #[test]
    fn a_change_is_refused_on_a_tombstone_first_then_in_a_closed_room() {
        let facts = |deleted, closed| ChangeFacts { deleted, closed }.ensure();
        assert_eq!(facts(false, false), Ok(()));
        assert_eq!(facts(true, true), Err(DomainError::MessageDeleted));
        assert_eq!(facts(false, true), Err(DomainError::ClosedRoomIsReadOnly));
    }
}
