//! Who may do what in a group room: the roles, the acts that need one, and the one table that
//! joins them ([`Role::may`]). Every moderation rule of the aggregate asks this table; no adapter
//! decides who may do what.
//!
//! | act                               | owner | admin | member |
//! |-----------------------------------|:-----:|:-----:|:------:|
//! | close the room                    |   ✓   |       |        |
//! | change a role, transfer ownership |   ✓   |       |        |
//! | invite, remove, ban, unban        |   ✓   |   ✓   |        |
//! | delete another's message, pin     |   ✓   |   ✓   |        |
//! | time out, change the settings     |   ✓   |   ✓   |        |
//! | review reports, read the audit log|   ✓   |   ✓   |        |
//! | send faster than slow mode        |   ✓   |   ✓   |        |
//!
//! Acting *on* someone (remove, ban, time out) also needs a higher role than theirs
//! ([`Role::outranks`]): admins act on members only, the owner on everyone but themself. Direct
//! chats have no roles.

use crate::{DomainError, Timestamp};

/// A member's standing in a group room. Exactly one owner (the creator until they transfer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Role {
    #[default]
    Member,
    Admin,
    Owner,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::Member => "member",
        }
    }

    /// A stored role (any of the three).
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw {
            "owner" => Ok(Self::Owner),
            "admin" => Ok(Self::Admin),
            "member" => Ok(Self::Member),
            _ => Err("The selected role is invalid; use admin or member.".into()),
        }
    }

    /// A role the owner may give (`PUT …/role`): admin or member. Ownership moves only by
    /// transfer, so there is always exactly one owner.
    pub fn parse_assignable(raw: &str) -> Result<Self, String> {
        match Self::parse(raw)? {
            Self::Owner => Err(
                "The selected role is invalid; use admin or member (hand the room over with transfer)."
                    .into(),
            ),
            role => Ok(role),
        }
    }

    /// The table: may someone of this role do `act`?
    pub fn may(self, act: Act) -> bool {
        match act {
            Act::Close | Act::ChangeRoles => self == Self::Owner,
            Act::Invite
            | Act::Remove
            | Act::Ban
            | Act::Unban
            | Act::DeleteOthersMessages
            | Act::Pin
            | Act::TimeOut
            | Act::ChangeSettings
            | Act::ReviewReports
            | Act::ReadAuditLog
            | Act::IgnoreSlowMode => self >= Self::Admin,
        }
    }

    /// Whether this role may act on someone of `other`'s: strictly higher.
    pub fn outranks(self, other: Role) -> bool {
        self > other
    }
}

/// An act in a room that needs a role (see the table above).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Act {
    Close,
    /// Give admin or member, or hand the room over.
    ChangeRoles,
    Invite,
    Remove,
    Ban,
    Unban,
    DeleteOthersMessages,
    Pin,
    TimeOut,
    ChangeSettings,
    ReviewReports,
    ReadAuditLog,
    IgnoreSlowMode,
}

impl Act {
    pub const ALL: [Act; 13] = [
        Act::Close,
        Act::ChangeRoles,
        Act::Invite,
        Act::Remove,
        Act::Ban,
        Act::Unban,
        Act::DeleteOthersMessages,
        Act::Pin,
        Act::TimeOut,
        Act::ChangeSettings,
        Act::ReviewReports,
        Act::ReadAuditLog,
        Act::IgnoreSlowMode,
    ];

    /// The refusal for someone whose role falls short. The seed's acts keep the seed's words
    /// (its "creator" is the owner); the others name who may.
    pub fn refusal(self) -> DomainError {
        match self {
            Act::Close | Act::Invite | Act::Remove | Act::Ban => DomainError::NotTheCreator,
            Act::DeleteOthersMessages => DomainError::NotAllowedToDelete,
            Act::ChangeRoles => DomainError::OwnerOnly,
            Act::Unban
            | Act::Pin
            | Act::TimeOut
            | Act::ChangeSettings
            | Act::ReviewReports
            | Act::ReadAuditLog
            | Act::IgnoreSlowMode => DomainError::ModeratorsOnly,
        }
    }
}

/// A member's role and, when they are timed out, until when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Standing {
    pub role: Role,
    pub timed_out_until: Option<Timestamp>,
}

impl Standing {
    pub fn owner() -> Self {
        Self {
            role: Role::Owner,
            timed_out_until: None,
        }
    }

    /// Becomes the room's owner, by a transfer or by inheriting it: an owner is never timed out
    /// (nobody above them could have set it, or would lift it).
    pub fn make_owner(&mut self) {
        *self = Self::owner();
    }

    /// Timed out at `now`: the timeout has not run out.
    pub fn is_timed_out(&self, now: Timestamp) -> bool {
        self.timed_out_until.is_some_and(|until| until > now)
    }

    /// A timed-out member can read but not send, edit, react or type.
    ///
    /// # Errors
    /// `TimedOut` with the end of the timeout.
    pub fn ensure_not_timed_out(&self, now: Timestamp) -> Result<(), DomainError> {
        match self.timed_out_until {
            Some(until) if until > now => Err(DomainError::TimedOut { until }),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests;
