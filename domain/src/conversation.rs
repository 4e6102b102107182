//! The conversation aggregate: who is in a room, who may manage it, and what may happen in it.
//!
//! Every rule of the API document about rooms is a method here or in [`governance`] (who may
//! manage the room, by the table in [`crate::roles`]). The checks run in one order everywhere, so
//! a caller always gets the most fundamental refusal first: not a participant (404) → direct chat
//! (422) → role too low (403) → the target (404/422/403) → the room's state (422).

mod departure;
mod governance;
mod overview;
mod settings;

pub use overview::ConversationOverview;
pub use settings::{RoomDescription, RoomSettings, SettingsChange};

use crate::roles::{Role, Standing};
use crate::{ConversationId, DomainError, PostingFacts, ReadPosition, Timestamp, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConversationKind {
    /// A 1-on-1 chat: exactly two participants, no name, no management.
    Direct,
    /// A room with an owner (its creator until handed over), admins and members (see
    /// [`crate::roles`]).
    Group,
}

impl ConversationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Direct => "direct",
            Self::Group => "group",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw {
            "direct" => Ok(Self::Direct),
            "group" => Ok(Self::Group),
            _ => Err("The selected type is invalid; use direct or group.".into()),
        }
    }
}

/// A group room's name: trimmed, at most 255 characters. A blank name means "no name", as
/// Laravel's empty-string-to-null middleware would have it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomName(String);

impl RoomName {
    pub const MAX_CHARS: usize = 255;

    pub fn parse(raw: &str) -> Result<Option<Self>, String> {
        let name = raw.trim();
        if name.is_empty() {
            return Ok(None);
        }
        crate::text::ensure_no_nul("name", name)?;
        if name.chars().count() > Self::MAX_CHARS {
            return Err(format!(
                "The name field must not be greater than {} characters.",
                Self::MAX_CHARS
            ));
        }
        Ok(Some(Self(name.to_owned())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A member of a conversation, how far they have read, and their role and timeout (a direct
/// chat's two members are both plain members).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    pub user_id: UserId,
    pub read: ReadPosition,
    pub standing: Standing,
}

impl Participant {
    /// A member who has read nothing yet and has written nothing in the room before.
    pub fn new(user_id: UserId) -> Self {
        Self {
            user_id,
            read: ReadPosition::default(),
            standing: Standing::default(),
        }
    }

    /// The same, owning the room (a group's creator).
    pub fn owner(user_id: UserId) -> Self {
        Self {
            standing: Standing::owner(),
            ..Self::new(user_id)
        }
    }

    pub fn role(&self) -> Role {
        self.standing.role
    }

    /// The unread rule, message by message: unread for me when someone else wrote it after my
    /// read position. My own messages are never unread. [`ReadPosition::unread`] is the same rule
    /// as arithmetic; the persistence suite checks the two agree on stored rooms.
    pub fn has_not_read(&self, message: &crate::Message) -> bool {
        message.sender != self.user_id && message.seq > self.read.seq
    }
}

/// A conversation about to be created, after its rules were checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewConversation {
    pub kind: ConversationKind,
    pub name: Option<RoomName>,
    pub created_by: UserId,
    /// The creator first, then the others in the order they were given.
    pub participants: Vec<UserId>,
    pub created_at: Timestamp,
}

impl NewConversation {
    /// Decides the kind and checks the people.
    ///
    /// - `type` defaults by count: exactly one other user and no name → direct, otherwise group.
    /// - A direct chat has exactly one other user, never the creator; a name given for it is dropped.
    /// - A group may start with only its creator; naming the creator among `others` is harmless.
    /// - Naming a user twice is refused, naming who was repeated.
    pub fn plan(
        creator: UserId,
        kind: Option<ConversationKind>,
        name: Option<RoomName>,
        others: &[UserId],
        now: Timestamp,
    ) -> Result<Self, DomainError> {
        ensure_user_list(others)?;
        let kind = kind.unwrap_or(if others.len() == 1 && name.is_none() {
            ConversationKind::Direct
        } else {
            ConversationKind::Group
        });
        let mut participants = vec![creator];
        match kind {
            ConversationKind::Direct => {
                if others.len() != 1 {
                    return Err(DomainError::invalid(
                        "user_ids",
                        "A direct chat needs exactly one other user.",
                    ));
                }
                if others[0] == creator {
                    return Err(DomainError::invalid(
                        "user_ids",
                        "You cannot start a direct chat with yourself.",
                    ));
                }
                participants.push(others[0]);
            }
            ConversationKind::Group => {
                participants.extend(others.iter().copied().filter(|&id| id != creator));
            }
        }
        Ok(Self {
            kind,
            name: if kind == ConversationKind::Group {
                name
            } else {
                None
            },
            created_by: creator,
            participants,
            created_at: now,
        })
    }

    /// The members to store: in a group the creator owns the room; a direct chat has no roles.
    pub fn members(&self) -> Vec<Participant> {
        self.participants
            .iter()
            .map(|&user| {
                if self.kind == ConversationKind::Group && user == self.created_by {
                    Participant::owner(user)
                } else {
                    Participant::new(user)
                }
            })
            .collect()
    }

    /// The other person of a direct chat, to look for an existing one first.
    pub fn direct_partner(&self) -> Option<UserId> {
        match self.kind {
            ConversationKind::Direct => self.participants.get(1).copied(),
            ConversationKind::Group => None,
        }
    }
}

/// A stored conversation with its members, bans and state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    pub id: ConversationId,
    pub kind: ConversationKind,
    pub name: Option<RoomName>,
    /// Who created it; the room's owner is the member with [`Role::Owner`] (the creator until
    /// they transfer it).
    pub created_by: UserId,
    pub settings: RoomSettings,
    pub participants: Vec<Participant>,
    pub banned: Vec<UserId>,
    pub closed_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Optimistic-lock version: a save succeeds only if nobody saved since this was read.
    pub version: i64,
}

impl Conversation {
    pub fn is_closed(&self) -> bool {
        self.closed_at.is_some()
    }

    pub fn is_participant(&self, user: UserId) -> bool {
        self.participants.iter().any(|p| p.user_id == user)
    }

    pub fn is_banned(&self, user: UserId) -> bool {
        self.banned.contains(&user)
    }

    pub fn participant(&self, user: UserId) -> Option<&Participant> {
        self.participants.iter().find(|p| p.user_id == user)
    }

    /// `user`'s standing here; someone who is not in the room has the default (a member's).
    pub fn standing(&self, user: UserId) -> Standing {
        self.participant(user)
            .map(|p| p.standing)
            .unwrap_or_default()
    }

    /// The group's owner; `None` for a direct chat.
    pub fn owner(&self) -> Option<UserId> {
        self.participants
            .iter()
            .find(|p| p.role() == Role::Owner)
            .map(|p| p.user_id)
    }

    /// Outsiders are told the room does not exist, so ids cannot be probed.
    pub fn ensure_visible_to(&self, user: UserId) -> Result<(), DomainError> {
        if self.is_participant(user) {
            Ok(())
        } else {
            Err(DomainError::ConversationNotFound)
        }
    }

    /// A participant may post unless the room is closed or they are timed out (see
    /// [`PostingFacts`], the same rule the storage applies at commit, where blocks and slow mode
    /// are decided too). Closed rooms stay readable.
    pub fn ensure_can_post(&self, sender: UserId, now: Timestamp) -> Result<(), DomainError> {
        PostingFacts {
            participant: self.is_participant(sender),
            banned: self.is_banned(sender),
            closed: self.is_closed(),
            standing: self.standing(sender),
            ..PostingFacts::default()
        }
        .ensure(now)
    }

    /// A member who may change what is in the room now (edit, react, type): in it and not timed
    /// out.
    ///
    /// # Errors
    /// `ConversationNotFound` for an outsider, `TimedOut`.
    pub fn ensure_can_take_part(&self, user: UserId, now: Timestamp) -> Result<(), DomainError> {
        self.ensure_visible_to(user)?;
        self.standing(user).ensure_not_timed_out(now)
    }
}

/// The most users one request may name (`user_ids` of a create or an invite).
pub const MAX_USER_IDS: usize = 1_000;

/// A `user_ids` list a request may give: at most [`MAX_USER_IDS`], nobody twice. Checked before
/// anyone is looked up, so an oversized list costs no query.
///
/// # Errors
/// `Invalid` on `user_ids`, naming the limit or who was repeated.
pub fn ensure_user_list(users: &[UserId]) -> Result<(), DomainError> {
    if users.len() > MAX_USER_IDS {
        return Err(DomainError::invalid(
            "user_ids",
            format!("The user_ids field must not have more than {MAX_USER_IDS} items."),
        ));
    }
    ensure_no_duplicates(users)
}

/// Refuses a list that names someone twice, naming who.
fn ensure_no_duplicates(users: &[UserId]) -> Result<(), DomainError> {
    let mut seen = std::collections::HashSet::new();
    let mut repeated: Vec<String> = Vec::new();
    for user in users {
        if !seen.insert(*user) && !repeated.contains(&user.to_string()) {
            repeated.push(user.to_string());
        }
    }
    if repeated.is_empty() {
        Ok(())
    } else {
        Err(DomainError::invalid(
            "user_ids",
            format!(
                "The user_ids field has duplicate values: {}.",
                repeated.join(", ")
            ),
        ))
    }
}

#[cfg(test)]
mod tests;
