//! Which events a change produces — decided once, here. The use case publishes these values
//! live; persistence stores the same values in the webhook outbox inside the change's transaction
//! (it renders and stores, it never decides). A new event is added here, and the compiler then
//! lists every door that must render it.
//!
//! - A room change: [`RoomDifference::between`] the room before and after, then
//!   [`RoomDifference::events`] with the names of the people involved.
//! - A message change: [`MessageChange::events`].
//! - A report as stored: [`Report::events`](crate::Report::events).

mod room;

pub use room::{RoomChange, RoomDifference};

use crate::{
    ConversationId, Emoji, MessageId, MessageView, ReactionAction, RealtimeEvent, Timestamp, UserId,
};

/// A change to a message as stored, with the message as the one who changed it sees it (their own
/// `me` on its reactions: what their response shows). [`MessageChange::events`] drops that `me`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageChange {
    /// A new message.
    Sent(MessageView),
    /// The message as the edit left it.
    Edited(MessageView),
    /// The message became a tombstone.
    Deleted {
        conversation_id: ConversationId,
        message_id: MessageId,
        deleted_at: Timestamp,
    },
    /// Pinned (`true`) or unpinned; the message as it is after.
    Pinned { message: MessageView, pinned: bool },
    /// `user_id` added or took back `emoji`; `message` carries the new tally.
    Reacted {
        message: MessageView,
        emoji: Emoji,
        user_id: UserId,
        action: ReactionAction,
    },
}

impl MessageChange {
    /// What the change tells: `message.sent`, `message.updated`, `message.deleted` or
    /// `message.reacted` — without anyone's `me`, since one event goes to everyone.
    pub fn events(&self) -> Vec<RealtimeEvent> {
        let event = match self.clone() {
            Self::Sent(message) => RealtimeEvent::MessageSent {
                message: for_everyone(message),
            },
            Self::Edited(message) => RealtimeEvent::MessageUpdated {
                message: for_everyone(message),
            },
            Self::Deleted {
                conversation_id,
                message_id,
                deleted_at,
            } => RealtimeEvent::MessageDeleted {
                conversation_id,
                message_id,
                deleted_at,
            },
            Self::Pinned {
                message,
                pinned: true,
            } => RealtimeEvent::MessagePinned {
                message: for_everyone(message),
            },
            Self::Pinned {
                message,
                pinned: false,
            } => RealtimeEvent::MessageUnpinned {
                message: for_everyone(message),
            },
            Self::Reacted {
                message,
                emoji,
                user_id,
                action,
            } => RealtimeEvent::MessageReacted {
                conversation_id: message.message.conversation_id,
                message_id: message.message.id,
                emoji,
                user_id,
                action,
                reactions: for_everyone(message).reactions,
            },
        };
        vec![event]
    }

    /// The message as the one who changed it sees it (what their response shows); `None` for a
    /// deletion, which answers nothing.
    pub fn into_message(self) -> Option<MessageView> {
        match self {
            Self::Sent(message)
            | Self::Edited(message)
            | Self::Reacted { message, .. }
            | Self::Pinned { message, .. } => Some(message),
            Self::Deleted { .. } => None,
        }
    }
}

/// `message` as everyone sees it: no reaction is anyone's own, and no reader's blocks show.
fn for_everyone(mut message: MessageView) -> MessageView {
    for reaction in &mut message.reactions {
        reaction.me = false;
    }
    message.author_blocked = false;
    message
}

/// What a send did: stored a new message, or found the one an earlier send with the same
/// [`ClientId`](crate::ClientId) stored (nothing was written, and nobody is told again).
#[derive(Debug, Clone, PartialEq, Eq)]
// A send is answered once; boxing the common case would only add an allocation per send.
#[allow(clippy::large_enum_variant)]
pub enum Appended {
    /// Stored now: the message, and whom it alerts ([`crate::notification::notification_for`]).
    New {
        message: crate::MessageView,
        notifications: Vec<crate::Notification>,
        /// A thread reply's root's summary after it.
        thread: Option<crate::thread::ThreadSummary>,
    },
    Repeat(crate::MessageId),
}

impl Appended {
    /// What a new message tells, in order: `message.sent`, the thread's `thread.updated` for a
    /// reply, then each `notification` — decided once, published live by the use case and stored
    /// in the webhook outbox with the message. A repeat tells nothing.
    pub fn events(&self) -> Vec<crate::RealtimeEvent> {
        let Self::New {
            message,
            notifications,
            thread,
        } = self
        else {
            return Vec::new();
        };
        let mut events = crate::MessageChange::Sent(message.clone()).events();
        if let (Some(root_id), Some(thread)) = (message.message.thread_id, thread) {
            events.push(crate::RealtimeEvent::ThreadUpdated {
                conversation_id: message.message.conversation_id,
                root_id,
                thread: thread.clone(),
            });
        }
        events.extend(
            notifications
                .iter()
                .cloned()
                .map(|notification| crate::RealtimeEvent::Notification { notification }),
        );
        events
    }

    /// The message this send stored; `None` for a repeat.
    pub fn into_new(self) -> Option<crate::MessageView> {
        match self {
            Self::New { message, .. } => Some(message),
            Self::Repeat(_) => None,
        }
    }
}

impl crate::Report {
    /// What a report tells when it is stored: a new one is `message.reported` (the webhooks alone
    /// carry it, moderators' tools read it there); a repeat of an earlier report tells nothing.
    pub fn events(&self, new: bool) -> Vec<RealtimeEvent> {
        if new {
            vec![RealtimeEvent::MessageReported {
                report: self.clone(),
            }]
        } else {
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests;
