//! The document's success envelope, `{status: true, message?, data, meta?}`, once per payload
//! type (poem-openapi names each in the spec, which generated clients read better than generics).

use confab_domain::{Page, Slice};
use poem_openapi::{Object, Union};

use super::{
    AuditEntryDto, BlockedUserDto, ConversationDto, FollowedThreadDto, MessageDto,
    NotificationSettingsDto, ReportDto, UserDto, UserProfileDto,
};

/// Laravel's paginator summary.
#[derive(Debug, Clone, Object)]
pub struct PageMeta {
    pub current_page: u64,
    pub last_page: u64,
    pub per_page: u64,
    pub total: u64,
}

impl<T> From<&Page<T>> for PageMeta {
    fn from(page: &Page<T>) -> Self {
        Self {
            current_page: page.request.page(),
            last_page: page.last_page(),
            per_page: page.request.per_page(),
            total: page.total,
        }
    }
}

/// A cursor read's summary: the `limit` asked for, and whether more messages lie beyond the
/// last one returned (older for `before`, newer for `after`).
#[derive(Debug, Clone, Object)]
pub struct CursorMeta {
    pub limit: u64,
    pub has_more: bool,
}

impl<T> From<&Slice<T>> for CursorMeta {
    fn from(slice: &Slice<T>) -> Self {
        Self {
            limit: slice.limit,
            has_more: slice.has_more,
        }
    }
}

/// A message list's `meta`: the page summary for `page`/`per_page` reads, the cursor summary for
/// `before`/`after` reads.
#[derive(Debug, Clone, Union)]
#[oai(one_of)]
pub enum MessagesMeta {
    Page(PageMeta),
    Cursor(CursorMeta),
}

/// `{status: true, message}` with no data.
#[derive(Debug, Clone, Object)]
pub struct StatusMessage {
    pub status: bool,
    pub message: String,
}

impl StatusMessage {
    pub fn new(message: &str) -> Self {
        Self {
            status: true,
            message: message.into(),
        }
    }
}

#[derive(Debug, Clone, Object)]
pub struct ConversationListEnvelope {
    pub status: bool,
    pub data: Vec<ConversationDto>,
}

#[derive(Debug, Clone, Object)]
pub struct ConversationEnvelope {
    pub status: bool,
    #[oai(skip_serializing_if_is_none)]
    pub message: Option<String>,
    pub data: ConversationDto,
}

impl ConversationEnvelope {
    pub fn new(data: ConversationDto, message: Option<&str>) -> Self {
        Self {
            status: true,
            message: message.map(Into::into),
            data,
        }
    }
}

#[derive(Debug, Clone, Object)]
pub struct MessagePageEnvelope {
    pub status: bool,
    /// Newest first, except for `after` reads: oldest first.
    pub data: Vec<MessageDto>,
    pub meta: MessagesMeta,
}

#[derive(Debug, Clone, Object)]
pub struct MessageEnvelope {
    pub status: bool,
    #[oai(skip_serializing_if_is_none)]
    pub message: Option<String>,
    pub data: MessageDto,
}

#[derive(Debug, Clone, Object)]
pub struct UserEnvelope {
    pub status: bool,
    pub data: UserProfileDto,
}

#[derive(Debug, Clone, Object)]
pub struct UserPageEnvelope {
    pub status: bool,
    pub data: Vec<UserDto>,
    pub meta: PageMeta,
}

#[derive(Debug, Clone, Object)]
pub struct NotificationSettingsEnvelope {
    pub status: bool,
    pub message: String,
    pub data: NotificationSettingsDto,
}

/// The mention feed: messages naming you or calling a room of yours, newest first.
#[derive(Debug, Clone, Object)]
pub struct MentionFeedEnvelope {
    pub status: bool,
    pub data: Vec<MessageDto>,
    pub meta: CursorMeta,
}

/// `GET …/messages/{messageId}/thread`: the root, and one slice of its replies in `data`.
#[derive(Debug, Clone, Object)]
pub struct ThreadPageEnvelope {
    pub status: bool,
    pub root: MessageDto,
    /// Newest first, except for `after` reads: oldest first.
    pub data: Vec<MessageDto>,
    pub meta: CursorMeta,
}

/// `GET /api/v1/user/threads`.
#[derive(Debug, Clone, Object)]
pub struct ThreadListEnvelope {
    pub status: bool,
    pub data: Vec<FollowedThreadDto>,
    pub meta: CursorMeta,
}

/// `GET …/pins`: the room's pinned messages, newest pin first (at most 50).
#[derive(Debug, Clone, Object)]
pub struct PinListEnvelope {
    pub status: bool,
    pub data: Vec<MessageDto>,
}

/// `GET …/audit`: the room's moderation acts, newest first; ask for the next page with `before`
/// set to the last entry's `id`.
#[derive(Debug, Clone, Object)]
pub struct AuditLogEnvelope {
    pub status: bool,
    pub data: Vec<AuditEntryDto>,
    pub meta: CursorMeta,
}

#[derive(Debug, Clone, Object)]
pub struct ReportEnvelope {
    pub status: bool,
    pub message: String,
    pub data: ReportDto,
}

/// `GET …/reports`: open reports first, each group newest first; ask for the next page with
/// `before` set to the last report's `id`.
#[derive(Debug, Clone, Object)]
pub struct ReportListEnvelope {
    pub status: bool,
    pub data: Vec<ReportDto>,
    pub meta: CursorMeta,
}

/// `GET /user/blocks`: everyone you block, most recent first.
#[derive(Debug, Clone, Object)]
pub struct BlockListEnvelope {
    pub status: bool,
    pub data: Vec<BlockedUserDto>,
}

/// `GET …/bans`: the users banned from the room, in id order.
#[derive(Debug, Clone, Object)]
pub struct BanListEnvelope {
    pub status: bool,
    pub data: Vec<UserDto>,
}
