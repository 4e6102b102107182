//! Messages and the rule for what a message body may be.

use crate::{ConversationId, MessageId, Timestamp, UserId, UserSummary};

/// Message text: required, not blank, at most 65,535 characters (the API document's limit).
///
/// The text is kept exactly as sent: leading spaces and line breaks are part of what people write
/// (code blocks, poems), so only the blank check looks through them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageBody(String);

impl MessageBody {
    pub const MAX_CHARS: usize = 65_535;

    pub fn parse(raw: &str) -> Result<Self, String> {
        if raw.trim().is_empty() {
            return Err("The body field is required.".into());
        }
        crate::text::ensure_no_nul("body", raw)?;
        if raw.chars().count() > Self::MAX_CHARS {
            return Err(format!(
                "The body field must not be greater than {} characters.",
                Self::MAX_CHARS
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A message about to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub conversation_id: ConversationId,
    pub sender: UserId,
    pub body: MessageBody,
    pub created_at: Timestamp,
}

/// A stored message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: MessageId,
    pub conversation_id: ConversationId,
    /// Its place in the conversation: 1 for the first message, then one more for each, no gaps.
    /// Internal (clients page by id); it is what makes unread counts and pages cost the same at
    /// any history size (see [`crate::read_position`]).
    pub seq: u64,
    pub sender: UserId,
    pub body: String,
    pub created_at: Timestamp,
}

/// A message with its author's name: what every reader is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageView {
    pub message: Message,
    pub author: UserSummary,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_is_required_and_not_blank() {
        assert!(MessageBody::parse("").is_err());
        assert!(MessageBody::parse(" \n\t ").is_err());
    }

    #[test]
    fn body_of_exactly_65535_characters_is_accepted_and_one_more_is_not() {
        assert!(MessageBody::parse(&"é".repeat(65_535)).is_ok());
        assert!(MessageBody::parse(&"é".repeat(65_536)).is_err());
    }

    #[test]
    fn a_body_with_a_nul_is_refused() {
        assert!(MessageBody::parse("a\0b").unwrap_err().contains("NUL"));
    }

    #[test]
    fn body_keeps_its_whitespace() {
        assert_eq!(MessageBody::parse("  hi\n").unwrap().as_str(), "  hi\n");
    }
}
