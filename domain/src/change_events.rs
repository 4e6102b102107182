//! Which events a change produces — decided once, here. The use case publishes these values
//! live; persistence stores the same values in the webhook outbox inside the change's transaction
//! (it renders and stores, it never decides). A new event is added here, and the compiler then
//! lists every door that must render it.
//!
//! - A room change: [`RoomDifference::between`] the room before and after, then
//!   [`RoomDifference::events`] with the names of the people involved.
//! - A message change: [`MessageChange::events`].

use std::collections::{BTreeMap, BTreeSet};

use crate::{
    Conversation, ConversationId, ConversationOverview, Emoji, MessageId, MessageView,
    ReactionAction, RealtimeEvent, Timestamp, UserId, UserSummary,
};

/// What a room change did to its people, read from the room before and after: who joined, who
/// left or was taken out (and whether banned), and whether it closed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoomDifference {
    /// In the order they joined.
    pub added: Vec<UserId>,
    /// Out of the room (left, removed or banned), with whether this change banned them. A ban
    /// of someone who was not in the room is here too (banned, never a participant).
    pub removed: Vec<(UserId, bool)>,
    pub closed: bool,
}

impl RoomDifference {
    pub fn between(before: &Conversation, after: &Conversation) -> Self {
        let added = after
            .participants
            .iter()
            .map(|p| p.user_id)
            .filter(|user| !before.is_participant(*user))
            .collect();
        let newly_banned = |user: UserId| after.is_banned(user) && !before.is_banned(user);
        let mut removed: Vec<(UserId, bool)> = before
            .participants
            .iter()
            .map(|p| p.user_id)
            .filter(|user| !after.is_participant(*user))
            .map(|user| (user, newly_banned(user)))
            .collect();
        for user in &after.banned {
            if newly_banned(*user) && !removed.iter().any(|(gone, _)| gone == user) {
                removed.push((*user, true));
            }
        }
        Self {
            added,
            removed,
            closed: before.closed_at.is_none() && after.closed_at.is_some(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && !self.closed
    }

    /// Everyone the difference names.
    pub fn users(&self) -> impl Iterator<Item = UserId> + '_ {
        self.added
            .iter()
            .copied()
            .chain(self.removed.iter().map(|(user, _)| *user))
    }

    /// Everyone [`Self::events`] names, whose names it needs: the room's people after the
    /// change, its creator, and whoever joined or went.
    pub fn people(&self, after: &Conversation) -> BTreeSet<UserId> {
        after
            .participants
            .iter()
            .map(|p| p.user_id)
            .chain(self.users())
            .chain([after.created_by])
            .collect()
    }

    /// The events this change tells, in order: who joined (`participant.added`), who left or was
    /// taken out (`participant.removed` / `participant.banned`), the close
    /// (`conversation.closed`); none when nothing changed. `names` holds the names of
    /// [`Self::people`] (a missing one is told as empty). The room is described as everyone sees
    /// it: no viewer's unread count, last message or read receipts.
    pub fn events(
        &self,
        after: &Conversation,
        names: &BTreeMap<UserId, String>,
    ) -> Vec<RealtimeEvent> {
        if self.is_empty() {
            return Vec::new();
        }
        let summary = |user: UserId| UserSummary {
            id: user,
            name: names.get(&user).cloned().unwrap_or_default(),
        };
        let conversation = ConversationOverview {
            id: after.id,
            kind: after.kind,
            name: after.name.as_ref().map(|name| name.as_str().to_owned()),
            created_by: summary(after.created_by),
            closed_at: after.closed_at,
            participants: after
                .participants
                .iter()
                .map(|p| summary(p.user_id))
                .collect(),
            last_read: BTreeMap::new(),
            last_message: None,
            unread_count: 0,
            unread_mentions: 0,
            notifications: crate::NotificationSettings::default(),
            updated_at: after.updated_at,
        };
        let mut events = Vec::new();
        if !self.added.is_empty() {
            events.push(RealtimeEvent::ParticipantsAdded {
                conversation: conversation.clone(),
                added: self.added.iter().map(|user| summary(*user)).collect(),
            });
        }
        for (user, banned) in &self.removed {
            events.push(RealtimeEvent::ParticipantRemoved {
                conversation_id: after.id,
                user: summary(*user),
                banned: *banned,
            });
        }
        if self.closed {
            events.push(RealtimeEvent::ConversationClosed { conversation });
        }
        events
    }
}

/// A room change as stored: the room after it, and the events it told (stored in the webhook
/// outbox with it, and published live by the use case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomChange {
    pub room: Conversation,
    pub events: Vec<RealtimeEvent>,
}

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
            Self::Sent(message) | Self::Edited(message) | Self::Reacted { message, .. } => {
                Some(message)
            }
            Self::Deleted { .. } => None,
        }
    }
}

/// `message` as everyone sees it: no reaction is anyone's own.
fn for_everyone(mut message: MessageView) -> MessageView {
    for reaction in &mut message.reactions {
        reaction.me = false;
    }
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

#[cfg(test)]
mod tests;
