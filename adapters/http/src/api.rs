//! The operations of the REST API, grouped by tag. Handlers only translate: DTO in, use case,
//! DTO out; every rule lives in the domain and every status in `error.rs`.

mod account_mail;
mod accounts;
mod attachments;
mod avatars;
mod blocks;
mod conversations;
mod data_export;
mod direct_uploads;
mod envelopes;
mod message_changes;
mod message_search;
mod messages;
mod moderation;
mod notifications;
mod realtime;
mod reports;
mod sessions;
mod system;
mod threads;
mod typing;

use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Tags};

use crate::dto::StatusMessage;

/// What an operation that changes something, and has nothing else to return, answers:
/// `200 {"status": true, "message": …}`.
#[derive(ApiResponse)]
pub(super) enum Done {
    #[oai(status = 200)]
    Ok(Json<StatusMessage>),
}

pub use account_mail::AccountMailApi;
pub use accounts::AccountsApi;
pub use attachments::AttachmentsApi;
pub use avatars::AvatarsApi;
pub use blocks::BlocksApi;
pub use conversations::ConversationsApi;
pub use data_export::DataExportApi;
pub use direct_uploads::DirectUploadsApi;
pub use envelopes::EnvelopesApi;
pub use message_changes::MessageChangesApi;
pub use message_search::MessageSearchApi;
pub use messages::MessagesApi;
pub use moderation::ModerationApi;
pub use notifications::{MentionsApi, NotificationsApi};
pub use realtime::{RealtimeApi, RealtimeInfo};
pub use reports::ReportsApi;
pub use sessions::SessionsApi;
pub use system::{Readiness, SystemApi};
pub use threads::ThreadsApi;
pub use typing::TypingApi;

#[derive(Tags)]
pub enum ApiTags {
    /// Register, log in, and find people.
    Users,
    /// Direct chats and group rooms: create, list, manage, read.
    Conversations,
    /// Message history, sending, editing, deleting, reactions and search.
    Messages,
    /// Running a room: roles, ownership, settings and slow mode, timeouts, unbans, pins and the
    /// audit log.
    Moderation,
    /// Files in messages: upload, download, thumbnails.
    Attachments,
    /// Live events: channel authorization for pusher-js / laravel-echo, connection settings.
    Realtime,
    /// The learning README's way in: `POST /api/login`, envelopes over HTTP, the envelope schema.
    Envelopes,
    /// Health and service information.
    System,
}
