//! Identifiers. Distinct types so a user id can never be passed where a conversation id is meant.

use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub i64);

        impl $name {
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<i64> for $name {
            fn from(value: i64) -> Self {
                Self(value)
            }
        }
    };
}

id_type!(
    /// A registered user; the `sub` of their tokens.
    UserId
);
id_type!(
    /// A direct chat or a group room.
    ConversationId
);
id_type!(
    /// A message. Ids grow with time inside a conversation, so "after my read position" is `id >`.
    MessageId
);
id_type!(
    /// A file uploaded to a conversation, before and after it is sent in a message.
    AttachmentId
);
