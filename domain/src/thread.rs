//! Threads: a side track under a message of a room. A reply in a thread names its root
//! (`thread_id`); it stays out of the room's timeline (pages, cursors, `meta.total`, the last
//! message, the room's unread count) unless sent `also_in_room`. The root carries the thread's
//! summary; its author and everyone who replies follow the thread, and each follower has a read
//! position in it, so "unread in this thread" is arithmetic like the room's (see
//! [`crate::read_position`]). How a thread is read is with history's cursors
//! ([`crate::history::ThreadRead`]).

use crate::{ConversationId, DomainError, MessageId, Timestamp, UserId, UserSummary};

/// The most repliers a root's summary shows, latest first.
pub const MAX_THREAD_PARTICIPANTS: usize = 5;

/// A root's thread, as every reader sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadSummary {
    pub reply_count: u64,
    pub last_reply_at: Timestamp,
    pub last_reply_id: MessageId,
    /// Who replied, latest first, each once, at most [`MAX_THREAD_PARTICIPANTS`].
    pub participants: Vec<UserSummary>,
}

/// What the thread rule knows of the message a reply names as its root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RootFacts {
    pub conversation_id: ConversationId,
    pub deleted: bool,
    /// It is itself a reply in a thread.
    pub in_thread: bool,
}

/// Whether a message sent to `conversation` may go into the thread under `root` (`None`: no such
/// message): a live message of the same room that is not itself in a thread (threads do not nest).
///
/// # Errors
/// `Invalid` on `thread_id`.
pub fn ensure_can_reply_in_thread(
    conversation: ConversationId,
    root: MessageId,
    facts: Option<RootFacts>,
) -> Result<(), DomainError> {
    let reason = match facts {
        Some(f) if f.conversation_id != conversation => None,
        Some(f) if f.deleted => Some(format!(
            "Message {} has been deleted and cannot start a thread.",
            root.get()
        )),
        Some(f) if f.in_thread => Some(format!(
            "Message {} is a reply in a thread; reply in its thread instead.",
            root.get()
        )),
        Some(_) => return Ok(()),
        None => None,
    };
    Err(DomainError::invalid(
        "thread_id",
        reason.unwrap_or_else(|| {
            format!(
                "The selected thread_id is not a message of this conversation: {}.",
                root.get()
            )
        }),
    ))
}

/// The repliers a summary shows after `replier` replies: them first, then the others as they
/// were, each once, at most [`MAX_THREAD_PARTICIPANTS`].
pub fn participants_after(current: &[UserId], replier: UserId) -> Vec<UserId> {
    std::iter::once(replier)
        .chain(current.iter().copied().filter(|user| *user != replier))
        .take(MAX_THREAD_PARTICIPANTS)
        .collect()
}

/// Replies in a thread by others after a follower's read position: the thread's replies are
/// numbered 1, 2, 3, … (`reply_count` is the last), and replying moves your own position to your
/// reply, so none of yours is ever after it.
pub fn unread_in_thread(reply_count: u64, read_seq: u64) -> u64 {
    reply_count.saturating_sub(read_seq)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOM: ConversationId = ConversationId(1);

    fn root(conversation: i64, deleted: bool, in_thread: bool) -> Option<RootFacts> {
        Some(RootFacts {
            conversation_id: ConversationId(conversation),
            deleted,
            in_thread,
        })
    }

    fn refusal(facts: Option<RootFacts>) -> String {
        match ensure_can_reply_in_thread(ROOM, MessageId(7), facts) {
            Err(DomainError::Invalid(e)) => e.fields()["thread_id"][0].clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_live_message_of_the_room_takes_replies() {
        assert_eq!(
            ensure_can_reply_in_thread(ROOM, MessageId(7), root(1, false, false)),
            Ok(())
        );
    }

    #[test]
    fn another_rooms_message_or_none_is_not_a_root() {
        assert!(refusal(root(2, false, false)).contains("not a message of this conversation"));
        assert!(refusal(None).contains("not a message of this conversation"));
        assert!(
            refusal(root(2, true, true)).contains("not a message of this conversation"),
            "nothing is told about another room's message"
        );
    }

    #[test]
    fn a_tombstone_or_a_reply_in_a_thread_is_not_a_root() {
        assert!(refusal(root(1, true, false)).contains("deleted"));
        assert!(refusal(root(1, false, true)).contains("reply in its thread"));
    }

    #[test]
    fn the_latest_replier_comes_first_once_and_five_are_shown() {
        let ids = |raw: &[i64]| raw.iter().map(|id| UserId(*id)).collect::<Vec<_>>();
        assert_eq!(participants_after(&[], UserId(3)), ids(&[3]));
        assert_eq!(participants_after(&ids(&[3, 4]), UserId(4)), ids(&[4, 3]));
        assert_eq!(
            participants_after(&ids(&[1, 2, 3, 4, 5]), UserId(6)),
            ids(&[6, 1, 2, 3, 4])
        );
        assert_eq!(
            participants_after(&ids(&[1, 2, 3, 4, 5]), UserId(5)),
            ids(&[5, 1, 2, 3, 4])
        );
    }

    #[test]
    fn unread_in_a_thread_is_what_came_after_the_position() {
        assert_eq!(unread_in_thread(5, 2), 3);
        assert_eq!(unread_in_thread(5, 5), 0);
        assert_eq!(
            unread_in_thread(2, 5),
            0,
            "a position read a moment late saturates"
        );
    }
}
