//! Confab's domain: the chat rules and the ports through which the outside world plugs in.
//!
//! This crate is pure. It reads no clock, opens no socket and knows no wire format: time arrives as
//! an argument, storage and delivery are traits in [`ports`], and every rule is a method or a `parse`
//! constructor that returns [`DomainError`]. That keeps every rule unit-testable in microseconds and
//! lets the adapters change (SQLite or PostgreSQL, Pusher or envelopes) without touching a rule.

pub mod account_deletion;
pub mod account_tokens;
pub mod address;
pub mod attachment;
pub mod audit;
pub mod avatar;
pub mod blocks;
pub mod change_events;
pub mod channels;
pub mod conversation;
pub mod data_export;
pub mod error;
pub mod events;
pub mod history;
pub mod ids;
pub mod mail;
pub mod mention;
pub mod message;
pub mod message_changes;
pub mod notification;
pub mod pagination;
pub mod pins;
pub mod ports;
pub mod posting;
pub mod profile;
pub mod reaction;
pub mod read_position;
pub mod report;
pub mod roles;
pub mod search;
pub mod session;
pub mod slow_mode;
pub mod text;
pub mod thread;
pub mod typing;
pub mod user;
pub mod validation;
pub mod webhooks;

pub use account_deletion::{DeletedAccount, RemovedAccount};
pub use account_tokens::{AccountToken, NewToken, TokenPurpose, TokenState};
pub use address::{Address, EnvelopeId};
pub use attachment::direct_upload::DirectUpload;
pub use attachment::{
    Attachment, AttachmentId, DownloadFacts, FileName, ImageSize, NewUpload, RequestedRange,
    Requester, StoredObject, ThumbnailFile, Variant,
};
pub use audit::{AuditAction, AuditEntry, AuditRecord};
pub use avatar::{Avatar, AvatarSize};
pub use blocks::BlockedUser;
pub use change_events::{Appended, MessageChange, RoomChange, RoomDifference};
pub use channels::Channel;
pub use conversation::{
    Conversation, ConversationKind, ConversationOverview, NewConversation, Participant,
    RoomDescription, RoomName, RoomSettings, SettingsChange,
};
pub use data_export::{
    AuthoredMessage, DataExport, ExportFile, ExportRequest, ExportState, GivenReaction,
};
pub use error::DomainError;
pub use events::RealtimeEvent;
pub use history::{
    Cursor, Direction, FollowedThread, History, HistoryParams, HistoryRequest, Slice, ThreadPage,
    ThreadRead,
};
pub use ids::{ConversationId, MessageId, UserId};
pub use mail::{Mail, MailKind, QueuedMail};
pub use mention::Mentions;
pub use message::{ClientId, Message, MessageBody, MessageView, NewMessage, ReplyPreview};
pub use notification::{Notification, NotificationKind, NotificationLevel, NotificationSettings};
pub use pagination::{Page, PageRequest};
pub use pins::Pin;
pub use posting::PostingFacts;
pub use profile::{ChangedProfile, ProfileChange};
pub use reaction::{Emoji, ReactionAction, ReactionCount};
pub use read_position::ReadPosition;
pub use report::{NewReport, Report, ReportDetails, ReportReason, Resolution, Resolving};
pub use roles::{Act, Role, Standing};
pub use search::{SearchQuery, SearchScope};
pub use session::{Bearer, LoginAttemptKey, LoginAttempts, SessionId};
pub use slow_mode::SlowMode;
pub use thread::ThreadSummary;
pub use user::{Email, NewUser, PasswordHash, PlainPassword, User, UserName, UserSummary};
pub use validation::ValidationErrors;
pub use webhooks::{Claim, WebhookBatch, WebhookEvent};

/// Every timestamp in Confab: UTC, kept to the microsecond (what PostgreSQL stores and what the
/// API document's `2026-02-19T14:30:00.000000Z` examples show).
pub type Timestamp = chrono::DateTime<chrono::Utc>;
