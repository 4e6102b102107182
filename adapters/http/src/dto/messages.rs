use confab_domain::MessageView;
use poem_openapi::Object;

use super::{DateTime, MessageText, Ruled, UserDto, rfc3339_micros};

/// A message, as the API document and the `message.sent` event show it.
#[derive(Debug, Clone, Object)]
pub struct MessageDto {
    pub id: i64,
    pub conversation_id: i64,
    pub user_id: i64,
    pub body: String,
    pub created_at: Ruled<String, DateTime>,
    pub user: UserDto,
}

impl From<&MessageView> for MessageDto {
    fn from(view: &MessageView) -> Self {
        Self {
            id: view.message.id.get(),
            conversation_id: view.message.conversation_id.get(),
            user_id: view.message.sender.get(),
            body: view.message.body.clone(),
            created_at: rfc3339_micros(view.message.created_at).into(),
            user: UserDto::from(&view.author),
        }
    }
}

/// The newest message of a conversation, in a conversation list.
#[derive(Debug, Clone, Object)]
pub struct LastMessageDto {
    pub id: i64,
    pub body: String,
    pub created_at: Ruled<String, DateTime>,
    pub user: UserDto,
}

impl From<&MessageView> for LastMessageDto {
    fn from(view: &MessageView) -> Self {
        Self {
            id: view.message.id.get(),
            body: view.message.body.clone(),
            created_at: rfc3339_micros(view.message.created_at).into(),
            user: UserDto::from(&view.author),
        }
    }
}

/// `POST /api/v1/conversations/{id}/messages`.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct SendMessageBody {
    /// Message text: not blank, at most 65,535 characters.
    pub body: Ruled<String, MessageText>,
}

impl poem_openapi::types::Example for SendMessageBody {
    fn example() -> Self {
        Self {
            body: String::from("Hello, how is everyone?").into(),
        }
    }
}
