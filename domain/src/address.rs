//! Where an envelope of the plain-WebSocket protocol goes (the learning README's `to` field):
//! a conversation, a user, or the global channel every signed-in user may join.

use crate::{ConversationId, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Address {
    /// `conversation:{id}`: the room's participants.
    Conversation(ConversationId),
    /// `user:{id}`: one person; a message to them goes to your direct chat with them.
    User(UserId),
    /// `channel:global`: everyone signed in who joined it. Ephemeral: nothing sent there is stored.
    Global,
}

impl Address {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let invalid = || {
            format!(
                "The to field must be conversation:{{id}}, user:{{id}} or channel:global; got {raw:?}."
            )
        };
        let id = |digits: &str| -> Result<i64, String> {
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid());
            }
            digits.parse().map_err(|_| invalid())
        };
        match raw.split_once(':') {
            Some(("conversation", rest)) => Ok(Self::Conversation(ConversationId(id(rest)?))),
            Some(("user", rest)) => Ok(Self::User(UserId(id(rest)?))),
            Some(("channel", "global")) => Ok(Self::Global),
            _ => Err(invalid()),
        }
    }
}

impl std::fmt::Display for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Conversation(id) => write!(f, "conversation:{id}"),
            Self::User(id) => write!(f, "user:{id}"),
            Self::Global => f.write_str("channel:global"),
        }
    }
}

/// A client-chosen envelope id, echoed in the answer so the client can match it: 1–128
/// printable characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EnvelopeId(String);

impl EnvelopeId {
    pub const MAX_CHARS: usize = 128;

    pub fn parse(raw: &str) -> Result<Self, String> {
        let count = raw.chars().count();
        if count == 0 || count > Self::MAX_CHARS || raw.chars().any(char::is_control) {
            return Err(format!(
                "The id field must be 1 to {} printable characters.",
                Self::MAX_CHARS
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_round_trip() {
        for address in [
            Address::Conversation(ConversationId(12)),
            Address::User(UserId(3)),
            Address::Global,
        ] {
            assert_eq!(Address::parse(&address.to_string()), Ok(address));
        }
    }

    #[test]
    fn other_addresses_are_refused() {
        for raw in [
            "",
            "conversation:",
            "conversation:x",
            "user:-1",
            "channel:other",
            "global",
            "room:1",
        ] {
            assert!(Address::parse(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn envelope_ids_are_short_and_printable() {
        assert!(EnvelopeId::parse("1").is_ok());
        assert!(EnvelopeId::parse("").is_err());
        assert!(EnvelopeId::parse("a\nb").is_err());
        assert!(EnvelopeId::parse(&"x".repeat(129)).is_err());
    }
}
