//! The room's audit log: every moderation act, who did it to whom, and when. The entries of a
//! room change are decided by [`RoomDifference::audit`](crate::RoomDifference::audit); those of
//! message moderation (pins, deleting another's message) and report resolutions by their use
//! cases. The storage writes them in the same transaction as the act.

use std::collections::BTreeMap;

use crate::{ConversationId, MessageId, Timestamp, UserId, UserSummary};

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    RoleChanged,
    OwnershipTransferred,
    ParticipantRemoved,
    ParticipantBanned,
    ParticipantUnbanned,
    TimedOut,
    TimeoutLifted,
    MessagePinned,
    MessageUnpinned,
    MessageDeleted,
    SettingsChanged,
    ReportResolved,
    RoomClosed,
}

impl AuditAction {
    pub const ALL: [AuditAction; 13] = [
        Self::RoleChanged,
        Self::OwnershipTransferred,
        Self::ParticipantRemoved,
        Self::ParticipantBanned,
        Self::ParticipantUnbanned,
        Self::TimedOut,
        Self::TimeoutLifted,
        Self::MessagePinned,
        Self::MessageUnpinned,
        Self::MessageDeleted,
        Self::SettingsChanged,
        Self::ReportResolved,
        Self::RoomClosed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::RoleChanged => "role_changed",
            Self::OwnershipTransferred => "ownership_transferred",
            Self::ParticipantRemoved => "participant_removed",
            Self::ParticipantBanned => "participant_banned",
            Self::ParticipantUnbanned => "participant_unbanned",
            Self::TimedOut => "timed_out",
            Self::TimeoutLifted => "timeout_lifted",
            Self::MessagePinned => "message_pinned",
            Self::MessageUnpinned => "message_unpinned",
            Self::MessageDeleted => "message_deleted",
            Self::SettingsChanged => "settings_changed",
            Self::ReportResolved => "report_resolved",
            Self::RoomClosed => "room_closed",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|action| action.as_str() == raw)
            .ok_or_else(|| format!("unknown audit action {raw:?}"))
    }
}

/// One act, about to be recorded (its time is the transaction's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub conversation_id: ConversationId,
    pub actor: UserId,
    pub action: AuditAction,
    pub target_user: Option<UserId>,
    pub target_message: Option<MessageId>,
    /// What else the act says: a role given, a timeout's end, the settings set, a report's
    /// resolution.
    pub details: BTreeMap<String, String>,
}

impl AuditEntry {
    pub fn new(
        conversation_id: ConversationId,
        actor: UserId,
        action: AuditAction,
        target_user: Option<UserId>,
    ) -> Self {
        Self {
            conversation_id,
            actor,
            action,
            target_user,
            target_message: None,
            details: BTreeMap::new(),
        }
    }

    pub fn on_message(mut self, message: MessageId) -> Self {
        self.target_message = Some(message);
        self
    }

    pub fn with(mut self, key: &str, value: impl Into<String>) -> Self {
        self.details.insert(key.to_owned(), value.into());
        self
    }
}

/// A recorded act as the log shows it, names resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub id: i64,
    pub actor: UserSummary,
    pub action: AuditAction,
    pub target_user: Option<UserSummary>,
    pub target_message: Option<MessageId>,
    pub details: BTreeMap<String, String>,
    pub created_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_reads_back_from_its_name() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Ok(action));
        }
        assert!(AuditAction::parse("coup").is_err());
    }

    #[test]
    fn an_entry_carries_its_target_and_details() {
        let entry = AuditEntry::new(
            ConversationId(1),
            UserId(1),
            AuditAction::MessagePinned,
            None,
        )
        .on_message(MessageId(7))
        .with("k", "v");
        assert_eq!(entry.target_message, Some(MessageId(7)));
        assert_eq!(entry.details.get("k").map(String::as_str), Some("v"));
    }
}
