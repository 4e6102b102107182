use confab_domain::{ConversationKind, ConversationOverview, UserId};
use poem_openapi::{Enum, Object};

use super::{LastMessageDto, UserDto, rfc3339_micros};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum ConversationType {
    Direct,
    Group,
}

impl From<ConversationKind> for ConversationType {
    fn from(kind: ConversationKind) -> Self {
        match kind {
            ConversationKind::Direct => Self::Direct,
            ConversationKind::Group => Self::Group,
        }
    }
}

impl ConversationType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Direct => "direct",
            Self::Group => "group",
        }
    }
}

/// A conversation as the caller sees it.
#[derive(Debug, Clone, Object)]
pub struct ConversationDto {
    pub id: i64,
    #[oai(rename = "type")]
    pub kind: ConversationType,
    /// Group rooms only; `null` for direct chats and unnamed rooms.
    pub name: Option<String>,
    pub created_by: UserDto,
    /// Whether you created it (and so may manage it).
    pub is_creator: bool,
    pub is_closed: bool,
    pub closed_at: Option<String>,
    /// In the order they joined.
    pub participants: Vec<UserDto>,
    pub last_message: Option<LastMessageDto>,
    /// Messages by others since you last read.
    pub unread_count: u64,
    /// When the last message was sent (or the conversation was created).
    pub updated_at: String,
}

/// The caller's view of a conversation: `is_creator` and `unread_count` depend on who asks.
pub fn conversation_dto(overview: &ConversationOverview, viewer: UserId) -> ConversationDto {
    ConversationDto {
        id: overview.id.get(),
        kind: overview.kind.into(),
        name: overview.name.clone(),
        created_by: UserDto::from(&overview.created_by),
        is_creator: overview.is_creator(viewer),
        is_closed: overview.is_closed(),
        closed_at: overview.closed_at.map(rfc3339_micros),
        participants: overview.participants.iter().map(UserDto::from).collect(),
        last_message: overview.last_message.as_ref().map(LastMessageDto::from),
        unread_count: overview.unread_count,
        updated_at: rfc3339_micros(overview.updated_at),
    }
}

/// `POST /api/v1/conversations`.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct CreateConversationBody {
    /// `direct` or `group`. Default: `direct` for exactly one other user and no name, else `group`.
    #[oai(rename = "type")]
    pub kind: Option<ConversationType>,
    /// Room name (group only).
    pub name: Option<String>,
    /// The other people. Exactly one for a direct chat; any number (even none) for a group.
    #[oai(default)]
    pub user_ids: Vec<i64>,
}

impl poem_openapi::types::Example for CreateConversationBody {
    fn example() -> Self {
        Self {
            kind: Some(ConversationType::Group),
            name: Some("Project Alpha".into()),
            user_ids: vec![3, 4, 5],
        }
    }
}

/// `POST /api/v1/conversations/{id}/invite`.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct InviteBody {
    pub user_ids: Vec<i64>,
}

impl poem_openapi::types::Example for InviteBody {
    fn example() -> Self {
        Self {
            user_ids: vec![4, 5, 6],
        }
    }
}
