//! The live channels a client can listen on, named as the Laravel app names them
//! (`routes/channels.php`): one per conversation, and one per user for news about their rooms.
//! Who may listen is a rule (see `Channel::requires_participant_of`); how a name is spelled is
//! part of the contract with laravel-echo clients, so it is fixed here, in one place.

use crate::{ConversationId, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// `private-conversation.{id}`: the room's messages and events, for its participants.
    Conversation(ConversationId),
    /// `presence-conversation.{id}`: the same, plus who is online in the room.
    ConversationPresence(ConversationId),
    /// `private-encrypted-conversation.{id}`: end-to-end encrypted events an app publishes about
    /// the room itself (the server never publishes here: it could not encrypt for pusher-js), for
    /// its participants, who get the channel's key with their authorization.
    EncryptedConversation(ConversationId),
    /// `private-user.{id}`: rooms a user was added to or taken out of; that user only.
    User(UserId),
}

impl Channel {
    /// `None` for any name Confab does not serve (public channels carry nothing of ours).
    pub fn parse(name: &str) -> Option<Self> {
        let id = |rest: &str| -> Option<i64> {
            (!rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()))
                .then(|| rest.parse().ok())
                .flatten()
        };
        if let Some(rest) = name.strip_prefix("private-conversation.") {
            return id(rest).map(|id| Self::Conversation(ConversationId(id)));
        }
        if let Some(rest) = name.strip_prefix("private-encrypted-conversation.") {
            return id(rest).map(|id| Self::EncryptedConversation(ConversationId(id)));
        }
        if let Some(rest) = name.strip_prefix("presence-conversation.") {
            return id(rest).map(|id| Self::ConversationPresence(ConversationId(id)));
        }
        if let Some(rest) = name.strip_prefix("private-user.") {
            return id(rest).map(|id| Self::User(UserId(id)));
        }
        None
    }

    pub fn name(self) -> String {
        match self {
            Self::Conversation(id) => format!("private-conversation.{id}"),
            Self::ConversationPresence(id) => format!("presence-conversation.{id}"),
            Self::EncryptedConversation(id) => format!("private-encrypted-conversation.{id}"),
            Self::User(id) => format!("private-user.{id}"),
        }
    }

    /// The conversation whose participants alone may listen, if any.
    pub fn conversation(self) -> Option<ConversationId> {
        match self {
            Self::Conversation(id)
            | Self::ConversationPresence(id)
            | Self::EncryptedConversation(id) => Some(id),
            Self::User(_) => None,
        }
    }

    /// Presence channels tell members who else is there, so their auth carries the user's info.
    pub fn is_presence(self) -> bool {
        matches!(self, Self::ConversationPresence(_))
    }

    /// Whether its events are end-to-end encrypted (its authorization carries the key).
    pub fn is_encrypted(self) -> bool {
        matches!(self, Self::EncryptedConversation(_))
    }

    /// The channels the server publishes a conversation's events on.
    pub fn of_conversation(id: ConversationId) -> [Self; 2] {
        [Self::Conversation(id), Self::ConversationPresence(id)]
    }

    /// Every channel of a conversation that only its participants may hear: a removal revokes
    /// them all, a timeout silences them all, and the room guard checks them all.
    pub fn guarded_by(id: ConversationId) -> [Self; 3] {
        [
            Self::Conversation(id),
            Self::ConversationPresence(id),
            Self::EncryptedConversation(id),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for channel in [
            Channel::Conversation(ConversationId(1)),
            Channel::ConversationPresence(ConversationId(22)),
            Channel::EncryptedConversation(ConversationId(7)),
            Channel::User(UserId(333)),
        ] {
            assert_eq!(Channel::parse(&channel.name()), Some(channel));
        }
    }

    #[test]
    fn names_we_do_not_serve_are_refused() {
        for name in [
            "conversation.1",
            "private-conversation.",
            "private-conversation.x",
            "private-conversation.-1",
            "private-conversation.1.2",
            "private-user.1a",
            "presence-user.1",
            "private-conversation.99999999999999999999",
            "private-encrypted-conversation.",
            "private-encrypted-user.1",
        ] {
            assert_eq!(Channel::parse(name), None, "{name}");
        }
    }

    #[test]
    fn conversation_channels_belong_to_their_conversation() {
        assert_eq!(
            Channel::Conversation(ConversationId(4)).conversation(),
            Some(ConversationId(4))
        );
        assert_eq!(Channel::User(UserId(4)).conversation(), None);
        assert!(Channel::ConversationPresence(ConversationId(4)).is_presence());
        assert!(!Channel::Conversation(ConversationId(4)).is_presence());
        let encrypted = Channel::EncryptedConversation(ConversationId(4));
        assert_eq!(encrypted.name(), "private-encrypted-conversation.4");
        assert_eq!(encrypted.conversation(), Some(ConversationId(4)));
        assert!(encrypted.is_encrypted() && !encrypted.is_presence());
        // The server publishes nothing on it, but a removal ends it with the others.
        assert!(!Channel::of_conversation(ConversationId(4)).contains(&encrypted));
        assert!(Channel::guarded_by(ConversationId(4)).contains(&encrypted));
    }
}
