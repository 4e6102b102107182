use confab_domain::{ConversationKind, ConversationOverview, UserId};
use poem_openapi::{Enum, Object};

use super::{
    DateTime, LastMessageDto, NotificationSettingsDto, NullAllowed, RoleDto, RoomNameText, Ruled,
    SentOrNull, UserDto, UserIdList, rfc3339_micros, standing_fields,
};

/// A one-to-one chat, or a group room with a creator who manages it.
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
    pub name: Ruled<Option<String>, SentOrNull>,
    /// What the room is about (group rooms; `PATCH` sets it); `null` when none.
    pub description: Ruled<Option<String>, SentOrNull>,
    /// Slow mode: members may send one message per this many seconds; 0 is off.
    pub slow_mode_seconds: u32,
    pub created_by: UserDto,
    /// Whether you own it (and so may manage it): the creator, until they hand it over with
    /// `POST …/transfer`. In a direct chat: whether you started it.
    pub is_creator: bool,
    /// Your role in a group room (`owner`, `admin`, `member`); `null` in a direct chat.
    pub my_role: Ruled<Option<RoleDto>, SentOrNull>,
    pub is_closed: bool,
    /// When the creator closed it; `null` while open.
    pub closed_at: Ruled<Option<String>, (DateTime, SentOrNull)>,
    /// In the order they joined, each with the newest message they have read.
    pub participants: Vec<ParticipantDto>,
    /// `null` until the first message.
    pub last_message: Ruled<Option<LastMessageDto>, SentOrNull>,
    /// Messages by others since you last read.
    pub unread_count: u64,
    /// Of those, the ones that name you or call the room.
    pub unread_mentions: u64,
    /// Your notification settings for it (`PUT …/notifications`).
    pub notifications: NotificationSettingsDto,
    /// When the last message was sent (or the conversation was created).
    pub updated_at: Ruled<String, DateTime>,
}

/// A member of a conversation, with their role and read receipt.
#[derive(Debug, Clone, Object)]
pub struct ParticipantDto {
    pub id: i64,
    pub name: String,
    /// As in a user object.
    pub avatar_url: Ruled<Option<String>, SentOrNull>,
    /// `owner`, `admin` or `member` in a group room; `null` in a direct chat (no roles).
    pub role: Ruled<Option<RoleDto>, SentOrNull>,
    /// Until when they may read but not send, edit, react or type; `null` when not timed out.
    pub timed_out_until: Ruled<Option<String>, (DateTime, SentOrNull)>,
    /// The newest message they have read; `null` until they read one.
    pub last_read_message_id: Ruled<Option<i64>, SentOrNull>,
}

/// The caller's view of a conversation: `is_creator` and `unread_count` depend on who asks.
pub fn conversation_dto(overview: &ConversationOverview, viewer: UserId) -> ConversationDto {
    ConversationDto {
        id: overview.id.get(),
        kind: overview.kind.into(),
        name: overview.name.clone().into(),
        description: overview.description.clone().into(),
        slow_mode_seconds: overview.slow_mode.seconds(),
        created_by: UserDto::from(&overview.created_by),
        is_creator: overview.is_creator(viewer),
        my_role: overview.role_of(viewer).map(RoleDto::from).into(),
        is_closed: overview.is_closed(),
        closed_at: overview.closed_at.map(rfc3339_micros).into(),
        participants: overview
            .participants
            .iter()
            .map(|user| {
                let (role, timed_out_until) =
                    standing_fields(overview.standings.get(&user.id).copied());
                ParticipantDto {
                    id: user.id.get(),
                    name: user.name.clone(),
                    avatar_url: super::users::avatar_url(user.id, user.avatar.as_ref()).into(),
                    role,
                    timed_out_until,
                    last_read_message_id: overview
                        .last_read
                        .get(&user.id)
                        .map(|id| id.get())
                        .into(),
                }
            })
            .collect(),
        last_message: overview
            .last_message
            .as_ref()
            .map(LastMessageDto::from)
            .into(),
        unread_count: overview.unread_count,
        unread_mentions: overview.unread_mentions,
        notifications: NotificationSettingsDto::from(&overview.notifications),
        updated_at: rfc3339_micros(overview.updated_at).into(),
    }
}

/// `POST /api/v1/conversations`.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct CreateConversationBody {
    /// `direct` or `group`. Default: `direct` for exactly one other user and no name, else `group`.
    /// `direct` or `group`. Default: `direct` for exactly one other user and no name, else `group`.
    #[oai(rename = "type")]
    pub kind: Ruled<Option<ConversationType>, NullAllowed>,
    /// Room name (group only); blank means none.
    pub name: Ruled<Option<String>, (RoomNameText, NullAllowed)>,
    /// The other people, each once. Exactly one for a direct chat; any number up to 1,000 (even
    /// none, the default) for a group.
    pub user_ids: Ruled<Option<Vec<i64>>, (UserIdList, NullAllowed)>,
}

impl poem_openapi::types::Example for CreateConversationBody {
    fn example() -> Self {
        Self {
            kind: Some(ConversationType::Group).into(),
            name: Some("Project Alpha".to_owned()).into(),
            user_ids: Some(vec![3, 4, 5]).into(),
        }
    }
}

/// `POST /api/v1/conversations/{id}/invite`.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct InviteBody {
    /// Each once, at most 1,000.
    pub user_ids: Ruled<Vec<i64>, UserIdList>,
}

impl poem_openapi::types::Example for InviteBody {
    fn example() -> Self {
        Self {
            user_ids: vec![4, 5, 6].into(),
        }
    }
}
