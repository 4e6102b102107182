//! Transport shapes: what goes over the wire, separate from the domain types so either can change
//! without the other. Each `From` conversion is the one place a domain value becomes JSON.

mod account_mail;
mod attachments;
mod conversations;
mod data_export;
mod envelope_protocol;
mod envelopes;
mod event_json;
mod messages;
mod moderation;
mod notifications;
mod ruled;
mod schema_rules;
mod threads;
mod timestamps;
mod typing;
mod users;

pub use account_mail::{
    ForgotPasswordBody, ResetPasswordBody, UpdateProfileBody, VerifiedEnvelope, VerifyEmailBody,
};
pub use attachments::{
    AttachmentDto, AttachmentEnvelope, DirectUploadBody, UploadTargetDto, UploadTargetEnvelope,
};
pub use conversations::{
    ConversationDto, ConversationType, CreateConversationBody, InviteBody, ParticipantDto,
    conversation_dto,
};
pub use data_export::{DataExportDto, DataExportEnvelope, DataExportState};
pub use envelope_protocol::{
    AckPayload, AckType, ClientEnvelope, Envelope, EnvelopeAck, EnvelopeMessage, EnvelopePing,
};
pub use envelopes::{
    AuditLogEnvelope, BanListEnvelope, BlockListEnvelope, ConversationEnvelope,
    ConversationListEnvelope, CursorMeta, MentionFeedEnvelope, MessageEnvelope,
    MessagePageEnvelope, MessagesMeta, NotificationSettingsEnvelope, PageMeta, PinListEnvelope,
    ReportEnvelope, ReportListEnvelope, StatusMessage, ThreadListEnvelope, ThreadPageEnvelope,
    UserEnvelope, UserPageEnvelope,
};
pub use event_json::{
    conversation_event_json, participant_event_json, reactions_event_json, report_event_json,
    user_event_json,
};
pub use messages::{
    EditMessageBody, LastMessageDto, MessageDto, ReactionDto, ReplyPreviewDto, SendMessageBody,
    ThreadSummaryDto, message_event_json, thread_event_json,
};
pub use moderation::{
    AuditEntryDto, BlockedUserDto, ParticipantStandingDto, ReportBody, ReportDto, ResolveBody,
    RoleBody, RoleDto, TimeoutBody, TransferBody, UpdateConversationBody, standing_fields,
};
pub use notifications::{NotificationLevelDto, NotificationSettingsBody, NotificationSettingsDto};
pub use schema_rules::{
    AnyText, AttachmentIdList, ClientIdText, CursorLimit, DateTime, EmailAddress, EmojiText,
    EnvelopeAddress, EnvelopeIdText, MentionIdList, MessageText, MessageTextBesideFiles,
    NewPassword, NotBlank, NotEmpty, NotificationLevelName, NullAllowed, PageNumber, PerPage,
    PersonName, PingAddress, RoomNameText, Ruled, SearchQueryText, SearchText, SentOrNull,
    Sha256Hex, SocketIdText, UnixTime, UserIdList,
};
pub use threads::FollowedThreadDto;
pub use timestamps::{parse_time, rfc3339_micros};
pub use typing::TypingBody;
pub use users::{
    ChangePasswordBody, DeleteAccountBody, LoginBody, RegisterBody, SessionDto, SessionEnvelope,
    UserDto, UserProfileDto,
};
