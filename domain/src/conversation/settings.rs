//! A group room's settings besides its name: a description and slow mode.

use crate::SlowMode;

/// What a room is about: trimmed, at most [`Self::MAX_CHARS`] characters; blank means none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomDescription(String);

impl RoomDescription {
    pub const MAX_CHARS: usize = 1_000;

    pub fn parse(raw: &str) -> Result<Option<Self>, String> {
        let text = raw.trim();
        if text.is_empty() {
            return Ok(None);
        }
        crate::text::ensure_no_nul("description", text)?;
        if text.chars().count() > Self::MAX_CHARS {
            return Err(format!(
                "The description field must not be greater than {} characters.",
                Self::MAX_CHARS
            ));
        }
        Ok(Some(Self(text.to_owned())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A room's settings (its name aside, which the seed API already has).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RoomSettings {
    pub description: Option<RoomDescription>,
    pub slow_mode: SlowMode,
}

/// A `PATCH` of a room: each field given is set (`Some(None)`: cleared), the others kept.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SettingsChange {
    pub name: Option<Option<super::RoomName>>,
    pub description: Option<Option<RoomDescription>>,
    pub slow_mode: Option<SlowMode>,
}

impl SettingsChange {
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.description.is_none() && self.slow_mode.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_description_is_trimmed_blank_is_none_and_long_is_refused() {
        assert_eq!(RoomDescription::parse("  "), Ok(None));
        assert_eq!(
            RoomDescription::parse(" About ").unwrap().unwrap().as_str(),
            "About"
        );
        assert!(RoomDescription::parse(&"x".repeat(1_001)).is_err());
        assert!(RoomDescription::parse(&"é".repeat(1_000)).is_ok());
        assert!(RoomDescription::parse("a\0b").is_err());
    }

    #[test]
    fn an_empty_change_changes_nothing() {
        assert!(SettingsChange::default().is_empty());
        let change = SettingsChange {
            slow_mode: Some(SlowMode::parse(5).unwrap()),
            ..SettingsChange::default()
        };
        assert!(!change.is_empty());
    }
}
