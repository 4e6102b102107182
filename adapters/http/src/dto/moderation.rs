//! Running a room as the API shows it: roles, the bodies of the moderation operations, and the
//! audit log.

use std::collections::BTreeMap;

use confab_domain::{AuditRecord, BlockedUser, Report, Role, Standing, UserSummary};
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{Enum, Object};

use super::{
    DateTime, MessageDto, NullAllowed, RoomNameText, Ruled, SentOrNull, UserDto, rfc3339_micros,
};
use crate::dto::schema_rules::{
    AssignableRoleName, AuditActionName, ReportDetailsText, ReportReasonName, ResolutionName,
    RoomDescriptionText, SlowModeSeconds,
};

/// A member's standing in a group room: `owner` (exactly one), `admin` or `member`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum RoleDto {
    Owner,
    Admin,
    Member,
}

impl From<Role> for RoleDto {
    fn from(role: Role) -> Self {
        match role {
            Role::Owner => Self::Owner,
            Role::Admin => Self::Admin,
            Role::Member => Self::Member,
        }
    }
}

/// A participant's `role` field: `null` in a direct chat, which has no roles.
pub type RoleField = Ruled<Option<RoleDto>, SentOrNull>;

/// A participant's `timed_out_until` field: `null` when not timed out.
pub type TimeoutField = Ruled<Option<String>, (DateTime, SentOrNull)>;

/// A participant's `role` and `timed_out_until` as the API shows them.
pub fn standing_fields(standing: Option<Standing>) -> (RoleField, TimeoutField) {
    (
        standing.map(|s| RoleDto::from(s.role)).into(),
        standing
            .and_then(|s| s.timed_out_until)
            .map(rfc3339_micros)
            .into(),
    )
}

/// A member whose role or timeout changed (`participant.updated`).
#[derive(Debug, Clone, Object)]
pub struct ParticipantStandingDto {
    pub id: i64,
    pub name: String,
    /// As in a user object.
    pub avatar_url: Ruled<Option<String>, SentOrNull>,
    pub role: RoleField,
    pub timed_out_until: TimeoutField,
}

impl ParticipantStandingDto {
    pub fn new(user: &UserSummary, standing: Standing) -> Self {
        let (role, timed_out_until) = standing_fields(Some(standing));
        Self {
            id: user.id.get(),
            name: user.name.clone(),
            avatar_url: super::users::avatar_url(user.id, user.avatar.as_ref()).into(),
            role,
            timed_out_until,
        }
    }
}

/// `PUT …/participants/{userId}/role`.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct RoleBody {
    /// `admin` or `member` (hand the room over with `POST …/transfer`).
    pub role: Ruled<String, AssignableRoleName>,
}

impl poem_openapi::types::Example for RoleBody {
    fn example() -> Self {
        Self {
            role: String::from("admin").into(),
        }
    }
}

/// `POST …/transfer`.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct TransferBody {
    /// The participant who becomes the owner; you become an admin.
    pub user_id: i64,
}

impl poem_openapi::types::Example for TransferBody {
    fn example() -> Self {
        Self { user_id: 3 }
    }
}

/// `PATCH /api/v1/conversations/{id}`: each field given is set (`null` or `""` clears a name or
/// description), the others are kept.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct UpdateConversationBody {
    /// At most 255 characters.
    pub name: Ruled<MaybeUndefined<String>, (RoomNameText, NullAllowed)>,
    /// What the room is about: at most 1,000 characters.
    pub description: Ruled<MaybeUndefined<String>, (RoomDescriptionText, NullAllowed)>,
    /// Members (not the owner or admins) may send one message per this many seconds; 0 turns
    /// slow mode off. At most 21,600 (six hours). Left out or `null`: unchanged.
    pub slow_mode_seconds: Ruled<Option<i64>, (SlowModeSeconds, NullAllowed)>,
}

impl poem_openapi::types::Example for UpdateConversationBody {
    fn example() -> Self {
        Self {
            name: MaybeUndefined::Undefined.into(),
            description: MaybeUndefined::Value("Release planning".into()).into(),
            slow_mode_seconds: Some(30).into(),
        }
    }
}

/// `PUT …/participants/{userId}/timeout`.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct TimeoutBody {
    /// When the timeout ends (RFC 3339): in the future, at most 28 days away.
    pub until: Ruled<String, DateTime>,
}

impl poem_openapi::types::Example for TimeoutBody {
    fn example() -> Self {
        Self {
            until: String::from("2026-12-08T08:00:00.000000Z").into(),
        }
    }
}

/// Whom or what an act was done to.
#[derive(Debug, Clone, Object)]
pub struct AuditTargetDto {
    /// The person acted on; `null` for a change of the room itself.
    pub user: Ruled<Option<UserDto>, SentOrNull>,
    /// The message acted on (pins, deletions); `null` otherwise.
    pub message_id: Ruled<Option<i64>, SentOrNull>,
}

/// One moderation act of a room's audit log.
#[derive(Debug, Clone, Object)]
pub struct AuditEntryDto {
    pub id: i64,
    /// Who did it.
    pub actor: UserDto,
    /// `role_changed`, `ownership_transferred`, `participant_removed`, `participant_banned`,
    /// `participant_unbanned`, `timed_out`, `timeout_lifted`, `message_pinned`,
    /// `message_unpinned`, `message_deleted`, `settings_changed`, `report_resolved` or
    /// `room_closed`.
    pub action: Ruled<String, AuditActionName>,
    pub target: AuditTargetDto,
    /// What else the act says: `role` given, timeout `until`, the settings set (`name`,
    /// `description`, `slow_mode_seconds`), a report's `resolution`.
    pub details: BTreeMap<String, String>,
    pub created_at: Ruled<String, DateTime>,
}

impl From<&AuditRecord> for AuditEntryDto {
    fn from(record: &AuditRecord) -> Self {
        Self {
            id: record.id,
            actor: UserDto::from(&record.actor),
            action: record.action.as_str().to_owned().into(),
            target: AuditTargetDto {
                user: record.target_user.as_ref().map(UserDto::from).into(),
                message_id: record.target_message.map(|id| id.get()).into(),
            },
            details: record.details.clone(),
            created_at: rfc3339_micros(record.created_at).into(),
        }
    }
}

/// A report of a message to the room's moderators.
#[derive(Debug, Clone, Object)]
pub struct ReportDto {
    pub id: i64,
    pub conversation_id: i64,
    /// The message reported, as it is now.
    pub message: MessageDto,
    pub reporter: UserDto,
    /// `spam`, `abuse` or `other`.
    pub reason: Ruled<String, ReportReasonName>,
    /// The reporter's words; `null` when none.
    pub details: Ruled<Option<String>, SentOrNull>,
    /// `open` or `resolved`.
    pub status: String,
    /// What the moderator did (`dismissed`, `message_deleted`, `user_removed`, `user_banned`);
    /// `null` while open.
    pub resolution: Ruled<Option<String>, SentOrNull>,
    pub resolved_by: Ruled<Option<UserDto>, SentOrNull>,
    pub resolved_at: TimeoutField,
    pub created_at: Ruled<String, DateTime>,
}

impl From<&Report> for ReportDto {
    fn from(report: &Report) -> Self {
        Self {
            id: report.id,
            conversation_id: report.conversation_id.get(),
            message: MessageDto::from(&report.message),
            reporter: UserDto::from(&report.reporter),
            reason: report.reason.as_str().to_owned().into(),
            details: report.details.clone().into(),
            status: if report.is_open() { "open" } else { "resolved" }.to_owned(),
            resolution: report.resolution.map(|r| r.as_str().to_owned()).into(),
            resolved_by: report.resolved_by.as_ref().map(UserDto::from).into(),
            resolved_at: report.resolved_at.map(rfc3339_micros).into(),
            created_at: rfc3339_micros(report.created_at).into(),
        }
    }
}

/// `POST …/messages/{messageId}/report`.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct ReportBody {
    /// `spam`, `abuse` or `other`.
    pub reason: Ruled<String, ReportReasonName>,
    /// What the moderators should know (at most 1,000 characters).
    pub details: Ruled<Option<String>, (ReportDetailsText, NullAllowed)>,
}

impl poem_openapi::types::Example for ReportBody {
    fn example() -> Self {
        Self {
            reason: String::from("spam").into(),
            details: Some("Links to a phishing site.".to_owned()).into(),
        }
    }
}

/// `POST …/reports/{reportId}/resolve`.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct ResolveBody {
    /// `dismissed`, `message_deleted` (deletes it), `user_removed` or `user_banned` (its author).
    pub action: Ruled<String, ResolutionName>,
}

impl poem_openapi::types::Example for ResolveBody {
    fn example() -> Self {
        Self {
            action: String::from("message_deleted").into(),
        }
    }
}

/// Someone you block.
#[derive(Debug, Clone, Object)]
pub struct BlockedUserDto {
    pub id: i64,
    pub name: String,
    pub blocked_at: Ruled<String, DateTime>,
}

impl From<&BlockedUser> for BlockedUserDto {
    fn from(blocked: &BlockedUser) -> Self {
        Self {
            id: blocked.user.id.get(),
            name: blocked.user.name.clone(),
            blocked_at: rfc3339_micros(blocked.blocked_at).into(),
        }
    }
}
