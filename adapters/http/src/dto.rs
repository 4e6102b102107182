//! Transport shapes: what goes over the wire, separate from the domain types so either can change
//! without the other. Each `From` conversion is the one place a domain value becomes JSON.

mod conversations;
mod envelopes;
mod messages;
mod strict_string;
mod timestamps;
mod users;

pub use conversations::{
    ConversationDto, ConversationType, CreateConversationBody, InviteBody, conversation_dto,
};
pub use envelopes::{
    ConversationEnvelope, ConversationListEnvelope, CursorMeta, MessageEnvelope,
    MessagePageEnvelope, MessagesMeta, PageMeta, StatusMessage, UserEnvelope, UserPageEnvelope,
};
pub use messages::{LastMessageDto, MessageDto, SendMessageBody};
pub use strict_string::StrictString;
pub use timestamps::rfc3339_micros;
pub use users::{LoginBody, RegisterBody, SessionDto, SessionEnvelope, UserDto, UserProfileDto};
