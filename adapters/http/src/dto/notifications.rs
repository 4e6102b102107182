//! Notification settings, as the API shows them.

use confab_domain::{NotificationLevel, NotificationSettings};
use poem_openapi::{Enum, Object};

use super::{DateTime, NotificationLevelName, NullAllowed, Ruled, SentOrNull, rfc3339_micros};

/// How much of a room alerts you: `all` (direct messages, mentions, room mentions, replies in
/// threads you follow), `mentions` (only mentions of you or of the room) or `none`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum NotificationLevelDto {
    All,
    Mentions,
    None,
}

impl From<NotificationLevel> for NotificationLevelDto {
    fn from(level: NotificationLevel) -> Self {
        match level {
            NotificationLevel::All => Self::All,
            NotificationLevel::Mentions => Self::Mentions,
            NotificationLevel::None => Self::None,
        }
    }
}

/// Your settings for one conversation (new members: `all`, not muted).
#[derive(Debug, Clone, Object)]
pub struct NotificationSettingsDto {
    pub level: NotificationLevelDto,
    /// Nothing alerts you until then; `null` when not muted.
    pub muted_until: Ruled<Option<String>, (DateTime, SentOrNull)>,
}

impl From<&NotificationSettings> for NotificationSettingsDto {
    fn from(settings: &NotificationSettings) -> Self {
        Self {
            level: settings.level.into(),
            muted_until: settings.muted_until.map(rfc3339_micros).into(),
        }
    }
}

/// `PUT /api/v1/conversations/{id}/notifications`.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct NotificationSettingsBody {
    /// `all`, `mentions` or `none`.
    pub level: Ruled<String, NotificationLevelName>,
    /// Mute until this time (RFC 3339); `null` or left out to unmute. A time already past mutes
    /// nothing.
    pub muted_until: Ruled<Option<String>, (DateTime, NullAllowed)>,
}

impl poem_openapi::types::Example for NotificationSettingsBody {
    fn example() -> Self {
        Self {
            level: String::from("mentions").into(),
            muted_until: Some("2026-12-08T08:00:00.000000Z".to_owned()).into(),
        }
    }
}
