//! A conversation as one participant sees it.

use std::collections::BTreeMap;

use super::ConversationKind;
use crate::roles::{Role, Standing};
use crate::{ConversationId, MessageView, SlowMode, Timestamp, UserId, UserSummary};

/// A conversation as one participant sees it in a list: names resolved, the newest message, and
/// how many messages they have not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationOverview {
    pub id: ConversationId,
    pub kind: ConversationKind,
    pub name: Option<String>,
    pub description: Option<String>,
    pub slow_mode: SlowMode,
    pub created_by: UserSummary,
    pub closed_at: Option<Timestamp>,
    /// In the order they joined.
    pub participants: Vec<UserSummary>,
    /// Each participant's role and timeout, in a group (a direct chat has no roles: empty).
    pub standings: BTreeMap<UserId, Standing>,
    /// Read receipts: the newest message each participant has read, for those who have read
    /// any. Events leave it empty (they describe the room, not who read what).
    pub last_read: BTreeMap<UserId, crate::MessageId>,
    pub last_message: Option<MessageView>,
    /// Messages by others after the viewer's read position.
    pub unread_count: u64,
    /// Of those, the ones that name the viewer or call the room: a counter kept with the
    /// messages, never counted at read time.
    pub unread_mentions: u64,
    /// The viewer's own settings for this room; events carry the defaults (they go to everyone).
    pub notifications: crate::NotificationSettings,
    /// When the last message was sent, or when the conversation was created.
    pub updated_at: Timestamp,
}

impl ConversationOverview {
    /// The seed's `is_creator`: whether `viewer` may manage the room as its creator could — the
    /// owner of a group (the creator until they hand it over), the starter of a direct chat.
    pub fn is_creator(&self, viewer: UserId) -> bool {
        match self.kind {
            ConversationKind::Group => self.role_of(viewer) == Some(Role::Owner),
            ConversationKind::Direct => self.created_by.id == viewer,
        }
    }

    /// `user`'s role in a group; `None` in a direct chat or for someone not in it.
    pub fn role_of(&self, user: UserId) -> Option<Role> {
        match self.kind {
            ConversationKind::Group => self.standings.get(&user).map(|s| s.role),
            ConversationKind::Direct => None,
        }
    }

    /// Until when `user` is timed out, as stored (a lapsed timeout too: clients compare).
    pub fn timed_out_until(&self, user: UserId) -> Option<Timestamp> {
        self.standings.get(&user).and_then(|s| s.timed_out_until)
    }

    pub fn is_closed(&self) -> bool {
        self.closed_at.is_some()
    }

    pub fn participant_ids(&self) -> Vec<UserId> {
        self.participants.iter().map(|p| p.id).collect()
    }
}
