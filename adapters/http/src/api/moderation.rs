//! Running a room: roles, ownership, timeouts, pins and the audit log. (Its settings —
//! `PATCH /conversations/{id}` — and unbans — `DELETE …/ban/{userId}` — are in
//! `conversations.rs`: poem-openapi keeps one API's operations of a path, so a path's methods live
//! in one API.) Who may do each is the domain's table (`confab_domain::roles`); these handlers
//! only translate.

use confab_application::Confab;
use confab_domain::{ConversationId, MessageId, UserId};
use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::ApiTags;
use super::conversations::{OneConversation, envelope};
use crate::dto::{
    AuditEntryDto, AuditLogEnvelope, BanListEnvelope, CursorLimit, CursorMeta, MessageDto,
    MessageEnvelope, PinListEnvelope, RoleBody, Ruled, TimeoutBody, TransferBody, UserDto,
    parse_time,
};
use crate::error::ApiResult;
use crate::security::{BearerAuth, caller_of};

#[derive(Default)]
pub struct ModerationApi;

#[derive(ApiResponse)]
enum PinChanged {
    #[oai(status = 200)]
    Ok(Json<MessageEnvelope>),
}

#[derive(ApiResponse)]
enum Pins {
    #[oai(status = 200)]
    Ok(Json<PinListEnvelope>),
}

#[derive(ApiResponse)]
enum Bans {
    #[oai(status = 200)]
    Ok(Json<BanListEnvelope>),
}

#[derive(ApiResponse)]
enum AuditLog {
    #[oai(status = 200)]
    Ok(Json<AuditLogEnvelope>),
}

#[OpenApi(tag = "ApiTags::Moderation")]
impl ModerationApi {
    /// Change a participant's role
    ///
    /// Owner only: make a participant an `admin` or a `member` again. Told as
    /// `participant.updated`.
    #[oai(
        path = "/api/v1/conversations/:id/participants/:userId/role",
        method = "put",
        operation_id = "changeRole"
    )]
    async fn change_role(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// Conversation id.
        id: Path<i64>,
        /// The participant.
        #[oai(name = "userId")]
        user_id: Path<i64>,
        body: Json<RoleBody>,
    ) -> ApiResult<OneConversation> {
        let caller = caller_of(&auth, request);
        let conversation = app
            .change_role(
                &caller,
                ConversationId(id.0),
                UserId(user_id.0),
                &body.0.role.0,
            )
            .await?;
        Ok(envelope(&conversation, &caller, Some("Role changed.")))
    }

    /// Transfer ownership
    ///
    /// Owner only: hand the room to another participant; you become an admin (and may then
    /// leave). Told as `participant.updated` for both.
    #[oai(
        path = "/api/v1/conversations/:id/transfer",
        method = "post",
        operation_id = "transferOwnership"
    )]
    async fn transfer(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// Conversation id.
        id: Path<i64>,
        body: Json<TransferBody>,
    ) -> ApiResult<OneConversation> {
        let caller = caller_of(&auth, request);
        let conversation = app
            .transfer_ownership(&caller, ConversationId(id.0), UserId(body.0.user_id))
            .await?;
        Ok(envelope(
            &conversation,
            &caller,
            Some("Ownership transferred."),
        ))
    }

    /// Time out a participant
    ///
    /// Owner and admins, on members below them: until `until` the participant may read but not
    /// send, edit, react or type (422 "You are timed out until …"). Told as
    /// `participant.updated`.
    #[oai(
        path = "/api/v1/conversations/:id/participants/:userId/timeout",
        method = "put",
        operation_id = "timeOutParticipant"
    )]
    async fn time_out(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// Conversation id.
        id: Path<i64>,
        /// The participant.
        #[oai(name = "userId")]
        user_id: Path<i64>,
        body: Json<TimeoutBody>,
    ) -> ApiResult<OneConversation> {
        let caller = caller_of(&auth, request);
        let until = parse_time("until", &body.0.until.0)?;
        let conversation = app
            .time_out_participant(
                &caller,
                ConversationId(id.0),
                UserId(user_id.0),
                Some(until),
            )
            .await?;
        Ok(envelope(
            &conversation,
            &caller,
            Some("Participant timed out."),
        ))
    }

    /// Lift a timeout
    #[oai(
        path = "/api/v1/conversations/:id/participants/:userId/timeout",
        method = "delete",
        operation_id = "liftTimeout"
    )]
    async fn lift_timeout(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// Conversation id.
        id: Path<i64>,
        /// The participant.
        #[oai(name = "userId")]
        user_id: Path<i64>,
    ) -> ApiResult<OneConversation> {
        let caller = caller_of(&auth, request);
        let conversation = app
            .time_out_participant(&caller, ConversationId(id.0), UserId(user_id.0), None)
            .await?;
        Ok(envelope(&conversation, &caller, Some("Timeout lifted.")))
    }

    /// List banned users
    ///
    /// Owner and admins: who is banned from the room (unban with `DELETE …/ban/{userId}`).
    #[oai(
        path = "/api/v1/conversations/:id/bans",
        method = "get",
        operation_id = "listBans"
    )]
    async fn bans(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// Conversation id.
        id: Path<i64>,
    ) -> ApiResult<Bans> {
        let caller = caller_of(&auth, request);
        let banned = app.list_bans(&caller, ConversationId(id.0)).await?;
        Ok(Bans::Ok(Json(BanListEnvelope {
            status: true,
            data: banned.iter().map(UserDto::from).collect(),
        })))
    }

    /// Pin a message
    ///
    /// Owner and admins in a group room, either member in a direct chat; at most 50 pins per
    /// room. Told as `message.pinned`.
    #[oai(
        path = "/api/v1/conversations/:id/messages/:messageId/pin",
        method = "put",
        operation_id = "pinMessage"
    )]
    async fn pin(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// Conversation id.
        id: Path<i64>,
        /// Message id.
        #[oai(name = "messageId")]
        message_id: Path<i64>,
    ) -> ApiResult<PinChanged> {
        self.set_pin(app, auth, request, id, message_id, true).await
    }

    /// Unpin a message
    ///
    /// Who may pin may unpin. Told as `message.unpinned`.
    #[oai(
        path = "/api/v1/conversations/:id/messages/:messageId/pin",
        method = "delete",
        operation_id = "unpinMessage"
    )]
    async fn unpin(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// Conversation id.
        id: Path<i64>,
        /// Message id.
        #[oai(name = "messageId")]
        message_id: Path<i64>,
    ) -> ApiResult<PinChanged> {
        self.set_pin(app, auth, request, id, message_id, false)
            .await
    }

    /// List pinned messages
    ///
    /// The room's pinned messages, newest pin first.
    #[oai(
        path = "/api/v1/conversations/:id/pins",
        method = "get",
        operation_id = "listPins"
    )]
    async fn pins(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// Conversation id.
        id: Path<i64>,
    ) -> ApiResult<Pins> {
        let caller = caller_of(&auth, request);
        let pins = app.list_pins(&caller, ConversationId(id.0)).await?;
        Ok(Pins::Ok(Json(PinListEnvelope {
            status: true,
            data: pins.iter().map(MessageDto::from).collect(),
        })))
    }

    /// Read the audit log
    ///
    /// Owner and admins: every moderation act in the room (roles, ownership, removals, bans,
    /// unbans, timeouts, pins, deletions of others' messages, settings, report resolutions, the
    /// close), newest first.
    #[oai(
        path = "/api/v1/conversations/:id/audit",
        method = "get",
        operation_id = "readAuditLog"
    )]
    async fn audit(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// Conversation id.
        id: Path<i64>,
        /// Entries older than this entry id.
        before: Query<Option<i64>>,
        /// How many (1–100, default 20).
        limit: Query<Ruled<Option<i64>, CursorLimit>>,
    ) -> ApiResult<AuditLog> {
        let caller = caller_of(&auth, request);
        let (entries, limit, has_more) = app
            .read_audit_log(&caller, ConversationId(id.0), before.0, limit.0.0)
            .await?;
        Ok(AuditLog::Ok(Json(AuditLogEnvelope {
            status: true,
            data: entries.iter().map(AuditEntryDto::from).collect(),
            meta: CursorMeta { limit, has_more },
        })))
    }
}

impl ModerationApi {
    async fn set_pin(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        id: Path<i64>,
        message_id: Path<i64>,
        pin: bool,
    ) -> ApiResult<PinChanged> {
        let caller = caller_of(&auth, request);
        let message = app
            .pin_message(&caller, ConversationId(id.0), MessageId(message_id.0), pin)
            .await?;
        Ok(PinChanged::Ok(Json(MessageEnvelope {
            status: true,
            message: Some(
                if pin {
                    "Message pinned."
                } else {
                    "Message unpinned."
                }
                .into(),
            ),
            data: MessageDto::from(&message),
        })))
    }
}
