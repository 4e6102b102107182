//! Reactions: one emoji per (user, message, emoji), at most [`MAX_DISTINCT`] different emoji on a
//! message, shown as counts in the order each emoji was first used.

use unicode_segmentation::UnicodeSegmentation;

use crate::DomainError;

/// The most different emoji one message carries: enough for any real conversation, and a bound
/// on what every reader of a page is sent.
pub const MAX_DISTINCT: usize = 20;

/// A reaction: exactly one emoji, as people see one (a single extended grapheme cluster: a flag,
/// a keycap, a skin tone or a ZWJ family are each one).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Emoji(String);

impl Emoji {
    /// Longer than any emoji sequence Unicode defines (the longest ZWJ sequences are ~35 bytes).
    pub const MAX_BYTES: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, String> {
        let refuse = || Err("The emoji must be a single emoji.".to_owned());
        if raw.is_empty() || raw.len() > Self::MAX_BYTES || raw.graphemes(true).count() != 1 {
            return refuse();
        }
        if !raw.chars().any(is_pictographic) && !is_keycap(raw) {
            return refuse();
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Unicode's `Extended_Pictographic` and regional indicators, by block: the characters an emoji
/// grapheme is built on (letters, digits and punctuation are not among them).
fn is_pictographic(c: char) -> bool {
    matches!(c as u32,
        0x00A9 | 0x00AE | 0x203C | 0x2049 | 0x2122 | 0x2139 | 0x2194..=0x21AA
        | 0x231A..=0x23FF | 0x24C2 | 0x25AA..=0x25FE | 0x2600..=0x27BF | 0x2934 | 0x2935
        | 0x2B05..=0x2B55 | 0x3030 | 0x303D | 0x3297 | 0x3299
        | 0x1F000..=0x1FAFF | 0x1FC00..=0x1FFFD)
}

/// `1️⃣`, `#️⃣`, `*️⃣`: a keycap is a digit, `#` or `*`, optionally VS16, then U+20E3.
fn is_keycap(raw: &str) -> bool {
    let mut chars = raw.chars();
    let base = chars
        .next()
        .is_some_and(|c| c.is_ascii_digit() || c == '#' || c == '*');
    let rest: String = chars.collect();
    base && (rest == "\u{20E3}" || rest == "\u{FE0F}\u{20E3}")
}

/// One emoji on a message: how many reacted with it, and whether the reader did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReactionCount {
    pub emoji: String,
    pub count: u64,
    /// Whether the user the message is shown to reacted with it (always `false` in events, which
    /// go to everyone).
    pub me: bool,
}

/// Whether a reaction may be added, given the different emoji the message has now: an emoji
/// already on it always may (adding it again changes nothing), a new one only below the limit.
///
/// # Errors
/// `TooManyReactions` when `emoji` would be the 21st different emoji.
pub fn ensure_room_for(present: &[String], emoji: &Emoji) -> Result<(), DomainError> {
    if present.iter().any(|e| e == emoji.as_str()) || present.len() < MAX_DISTINCT {
        Ok(())
    } else {
        Err(DomainError::TooManyReactions)
    }
}

/// Added or taken back: what `message.reacted` says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReactionAction {
    Added,
    Removed,
}

impl ReactionAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Added => "added",
            Self::Removed => "removed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_emoji_graphemes_are_accepted() {
        for emoji in ["👍", "❤️", "👍🏽", "🇫🇷", "👨‍👩‍👧‍👦", "1️⃣", "#️⃣", "©️", "☕", "🫠"]
        {
            assert!(Emoji::parse(emoji).is_ok(), "{emoji}");
        }
    }

    #[test]
    fn text_several_emoji_and_empty_are_refused() {
        for raw in [
            "", "a", "1", "ok", "👍👍", "👍 ", ":+1:", "é", "\u{FE0F}", "-",
        ] {
            assert!(Emoji::parse(raw).is_err(), "{raw:?}");
        }
        assert!(Emoji::parse(&"\u{1F44D}\u{200D}".repeat(20)).is_err());
    }

    #[test]
    fn the_21st_different_emoji_is_refused_but_a_present_one_is_not() {
        let present: Vec<String> = (0..MAX_DISTINCT).map(|i| format!("e{i}")).collect();
        let new = Emoji::parse("👍").unwrap();
        assert_eq!(
            ensure_room_for(&present, &new),
            Err(DomainError::TooManyReactions)
        );
        assert_eq!(ensure_room_for(&present[..19], &new), Ok(()));
        let mut full = present.clone();
        full[3] = "👍".into();
        assert_eq!(ensure_room_for(&full, &new), Ok(()));
    }
}
