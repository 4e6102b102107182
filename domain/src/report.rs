//! Reporting a message to the room's moderators, and what they do about it.
//!
//! - Anyone in the room may report a message by someone else, once (a second report by the same
//!   person is answered with the first). A tombstone cannot be reported.
//! - Owner and admins see the room's reports (open first) and resolve each once, with what they
//!   did: dismissed, the message deleted, its author removed or banned — the use case carries the
//!   act out by the same rules as doing it directly.

use crate::{
    ConversationId, DomainError, Message, MessageId, MessageView, Timestamp, UserId, UserSummary,
};

/// Why a message was reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportReason {
    Spam,
    Abuse,
    Other,
}

impl ReportReason {
    pub const ALL: [Self; 3] = [Self::Spam, Self::Abuse, Self::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Spam => "spam",
            Self::Abuse => "abuse",
            Self::Other => "other",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|reason| reason.as_str() == raw)
            .ok_or_else(|| "The selected reason is invalid; use spam, abuse or other.".into())
    }
}

/// What the moderator did about a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    Dismissed,
    MessageDeleted,
    UserRemoved,
    UserBanned,
}

impl Resolution {
    pub const ALL: [Self; 4] = [
        Self::Dismissed,
        Self::MessageDeleted,
        Self::UserRemoved,
        Self::UserBanned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dismissed => "dismissed",
            Self::MessageDeleted => "message_deleted",
            Self::UserRemoved => "user_removed",
            Self::UserBanned => "user_banned",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        Self::ALL.into_iter().find(|r| r.as_str() == raw).ok_or_else(|| {
            "The selected action is invalid; use dismissed, message_deleted, user_removed or user_banned."
                .into()
        })
    }
}

/// A reporter's own words: trimmed, at most [`Self::MAX_CHARS`]; blank means none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportDetails(String);

impl ReportDetails {
    pub const MAX_CHARS: usize = 1_000;

    pub fn parse(raw: &str) -> Result<Option<Self>, String> {
        let text = raw.trim();
        if text.is_empty() {
            return Ok(None);
        }
        crate::text::ensure_no_nul("details", text)?;
        if text.chars().count() > Self::MAX_CHARS {
            return Err(format!(
                "The details field must not be greater than {} characters.",
                Self::MAX_CHARS
            ));
        }
        Ok(Some(Self(text.to_owned())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// May `reporter` report `message`? Not their own, not a tombstone.
///
/// # Errors
/// `Invalid` on `message` for one's own message, `MessageDeleted`.
pub fn ensure_can_report(message: &Message, reporter: UserId) -> Result<(), DomainError> {
    if message.sender == reporter {
        return Err(DomainError::invalid(
            "message",
            "You cannot report your own message.",
        ));
    }
    if message.is_deleted() {
        return Err(DomainError::MessageDeleted);
    }
    Ok(())
}

/// A report about to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReport {
    pub conversation_id: ConversationId,
    pub message_id: MessageId,
    pub reporter: UserId,
    pub reason: ReportReason,
    pub details: Option<ReportDetails>,
    pub created_at: Timestamp,
}

/// A moderator's resolution of one report, about to be stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolving {
    pub conversation_id: ConversationId,
    pub report_id: i64,
    pub resolution: Resolution,
    pub by: UserId,
    pub at: Timestamp,
}

/// A stored report as moderators (and its reporter) see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub id: i64,
    pub conversation_id: ConversationId,
    pub message: MessageView,
    pub reporter: UserSummary,
    pub reason: ReportReason,
    pub details: Option<String>,
    pub resolution: Option<Resolution>,
    pub resolved_by: Option<UserSummary>,
    pub resolved_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

impl Report {
    pub fn is_open(&self) -> bool {
        self.resolution.is_none()
    }

    /// A report is resolved once.
    ///
    /// # Errors
    /// `Invalid` on `action` when it already is.
    pub fn ensure_open(&self) -> Result<(), DomainError> {
        if self.is_open() {
            Ok(())
        } else {
            Err(DomainError::invalid(
                "action",
                "This report has already been resolved.",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn message(sender: i64) -> Message {
        let at = chrono::Utc
            .with_ymd_and_hms(2026, 2, 19, 14, 30, 0)
            .unwrap();
        Message::sent(MessageId(5), ConversationId(1), 3, UserId(sender), "hi", at)
    }

    #[test]
    fn reasons_and_resolutions_read_back_from_their_names() {
        for reason in ReportReason::ALL {
            assert_eq!(ReportReason::parse(reason.as_str()), Ok(reason));
        }
        for resolution in Resolution::ALL {
            assert_eq!(Resolution::parse(resolution.as_str()), Ok(resolution));
        }
        assert!(ReportReason::parse("boring").is_err());
        assert!(Resolution::parse("shrug").is_err());
    }

    #[test]
    fn details_are_trimmed_and_limited() {
        assert_eq!(ReportDetails::parse("  "), Ok(None));
        assert!(ReportDetails::parse(&"x".repeat(1_001)).is_err());
        assert_eq!(
            ReportDetails::parse(" rude ").unwrap().unwrap().as_str(),
            "rude"
        );
    }

    #[test]
    fn one_reports_others_live_messages_only() {
        assert_eq!(ensure_can_report(&message(2), UserId(1)), Ok(()));
        assert!(matches!(
            ensure_can_report(&message(1), UserId(1)),
            Err(DomainError::Invalid(_))
        ));
        let at = chrono::Utc.with_ymd_and_hms(2026, 2, 19, 15, 0, 0).unwrap();
        assert_eq!(
            ensure_can_report(&message(2).into_tombstone(at), UserId(1)),
            Err(DomainError::MessageDeleted)
        );
    }
}
