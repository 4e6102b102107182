use confab_application::use_cases::create_conversation::CreateConversationRequest;
use confab_application::use_cases::update_conversation::RoomUpdate;
use confab_application::{Caller, Confab};
use confab_domain::{ConversationId, ConversationOverview, UserId};
use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{ApiResponse, OpenApi};

use super::{ApiTags, Done};
use crate::dto::{
    ConversationEnvelope, ConversationListEnvelope, CreateConversationBody, InviteBody,
    StatusMessage, UpdateConversationBody, conversation_dto,
};
use crate::error::ApiResult;
use crate::security::{BearerAuth, caller_of};

#[derive(Default)]
pub struct ConversationsApi;

#[derive(ApiResponse)]
enum ConversationList {
    #[oai(status = 200)]
    Ok(Json<ConversationListEnvelope>),
}

#[derive(ApiResponse)]
enum ConversationCreated {
    /// A new conversation.
    #[oai(status = 201)]
    Created(Json<ConversationEnvelope>),
    /// You already have a direct chat with this user: here it is.
    #[oai(status = 200)]
    Existing(Json<ConversationEnvelope>),
}

#[derive(ApiResponse)]
pub(super) enum OneConversation {
    #[oai(status = 200)]
    Ok(Json<ConversationEnvelope>),
}

/// `PATCH`'s three states of a text field: absent (keep), `null` (clear), a value.
fn patch(field: &MaybeUndefined<String>) -> Option<Option<&str>> {
    match field {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(text) => Some(Some(text.as_str())),
    }
}

pub(super) fn envelope(
    overview: &ConversationOverview,
    caller: &Caller,
    message: Option<&str>,
) -> OneConversation {
    OneConversation::Ok(Json(ConversationEnvelope::new(
        conversation_dto(overview, caller.user),
        message,
    )))
}

#[OpenApi(tag = "ApiTags::Conversations")]
impl ConversationsApi {
    /// List conversations
    ///
    /// Every conversation you are in, most recently active first, with the last message, your
    /// unread count and mentions, and your notification settings.
    #[oai(
        path = "/api/v1/conversations",
        method = "get",
        operation_id = "listConversations"
    )]
    async fn list(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// `true`: only the conversations muted now (`notifications.muted_until` ahead, or level
        /// `none`); `false`: only the others. Left out: all.
        muted: Query<Option<bool>>,
    ) -> ApiResult<ConversationList> {
        let caller = caller_of(&auth, request);
        let conversations = app.list_conversations(&caller, muted.0).await?;
        Ok(ConversationList::Ok(Json(ConversationListEnvelope {
            status: true,
            data: conversations
                .iter()
                .map(|c| conversation_dto(c, caller.user))
                .collect(),
        })))
    }

    /// Create conversation
    ///
    /// A direct chat (exactly one other user) or a group room (any number, even none). Asking for
    /// a direct chat you already have returns it with 200 instead of making a second one.
    #[oai(
        path = "/api/v1/conversations",
        method = "post",
        operation_id = "createConversation"
    )]
    async fn create(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        body: Json<CreateConversationBody>,
    ) -> ApiResult<ConversationCreated> {
        let caller = caller_of(&auth, request);
        let Json(body) = body;
        let created = app
            .create_conversation(
                &caller,
                CreateConversationRequest {
                    kind: body.kind.0.map(|kind| kind.as_str().to_owned()),
                    name: body.name.into_inner(),
                    user_ids: body.user_ids.into_inner().unwrap_or_default(),
                },
            )
            .await?;
        let dto = conversation_dto(&created.conversation, caller.user);
        Ok(if created.is_new {
            ConversationCreated::Created(Json(ConversationEnvelope::new(
                dto,
                Some("Conversation created."),
            )))
        } else {
            ConversationCreated::Existing(Json(ConversationEnvelope::new(
                dto,
                Some("Conversation already exists."),
            )))
        })
    }

    /// Get conversation
    ///
    /// One conversation as the conversation list shows it (participants, last message, your
    /// unread count); 404 unless you are a participant.
    #[oai(
        path = "/api/v1/conversations/:id",
        method = "get",
        operation_id = "getConversation"
    )]
    async fn get(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// Conversation id.
        id: Path<i64>,
    ) -> ApiResult<OneConversation> {
        let caller = caller_of(&auth, request);
        let conversation = app.get_conversation(&caller, ConversationId(id.0)).await?;
        Ok(envelope(&conversation, &caller, None))
    }

    /// Close room
    ///
    /// Creator only; group rooms only. A closed room takes no new messages or invites; its history
    /// stays readable.
    #[oai(
        path = "/api/v1/conversations/:id/close",
        method = "post",
        operation_id = "closeRoom"
    )]
    async fn close(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// Conversation id.
        id: Path<i64>,
    ) -> ApiResult<OneConversation> {
        let caller = caller_of(&auth, request);
        let conversation = app.close_room(&caller, ConversationId(id.0)).await?;
        Ok(envelope(&conversation, &caller, Some("Room closed.")))
    }

    /// Invite users
    ///
    /// Creator only; not for direct chats or closed rooms. Banned users cannot be invited; users
    /// already inside are left as they are.
    #[oai(
        path = "/api/v1/conversations/:id/invite",
        method = "post",
        operation_id = "inviteUsers"
    )]
    async fn invite(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// Conversation id.
        id: Path<i64>,
        body: Json<InviteBody>,
    ) -> ApiResult<OneConversation> {
        let caller = caller_of(&auth, request);
        let conversation = app
            .invite_users(&caller, ConversationId(id.0), &body.0.user_ids.0)
            .await?;
        Ok(envelope(&conversation, &caller, Some("Users invited.")))
    }

    /// Remove user
    ///
    /// Creator only. The user may be invited again later.
    #[oai(
        path = "/api/v1/conversations/:id/participants/:userId",
        method = "delete",
        operation_id = "removeParticipant"
    )]
    async fn remove(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// Conversation id.
        id: Path<i64>,
        /// The user to remove.
        #[oai(name = "userId")]
        user_id: Path<i64>,
    ) -> ApiResult<OneConversation> {
        let caller = caller_of(&auth, request);
        let conversation = app
            .remove_participant(&caller, ConversationId(id.0), UserId(user_id.0))
            .await?;
        Ok(envelope(&conversation, &caller, Some("User removed.")))
    }

    /// Ban user
    ///
    /// Creator only. Removes the user and keeps them from ever being invited again.
    #[oai(
        path = "/api/v1/conversations/:id/ban/:userId",
        method = "post",
        operation_id = "banParticipant"
    )]
    async fn ban(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// Conversation id.
        id: Path<i64>,
        /// The user to ban.
        #[oai(name = "userId")]
        user_id: Path<i64>,
    ) -> ApiResult<OneConversation> {
        let caller = caller_of(&auth, request);
        let conversation = app
            .ban_participant(&caller, ConversationId(id.0), UserId(user_id.0))
            .await?;
        Ok(envelope(&conversation, &caller, Some("User banned.")))
    }

    /// Update room settings
    ///
    /// Owner and admins: the room's `name`, `description` and `slow_mode_seconds`. Fields left
    /// out are kept. Told as `conversation.updated`.
    #[oai(
        path = "/api/v1/conversations/:id",
        method = "patch",
        operation_id = "updateConversation"
    )]
    async fn update(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// Conversation id.
        id: Path<i64>,
        body: Json<UpdateConversationBody>,
    ) -> ApiResult<OneConversation> {
        let caller = caller_of(&auth, request);
        let update = RoomUpdate {
            name: patch(&body.0.name.0),
            description: patch(&body.0.description.0),
            slow_mode_seconds: body.0.slow_mode_seconds.0,
        };
        let conversation = app
            .update_conversation(&caller, ConversationId(id.0), update)
            .await?;
        Ok(envelope(
            &conversation,
            &caller,
            Some("Conversation updated."),
        ))
    }

    /// Unban user
    ///
    /// Owner and admins: the user may be invited again (they do not come back by themselves).
    /// Told as `participant.unbanned`.
    #[oai(
        path = "/api/v1/conversations/:id/ban/:userId",
        method = "delete",
        operation_id = "unbanParticipant"
    )]
    async fn unban(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// Conversation id.
        id: Path<i64>,
        /// The banned user.
        #[oai(name = "userId")]
        user_id: Path<i64>,
    ) -> ApiResult<OneConversation> {
        let caller = caller_of(&auth, request);
        let conversation = app
            .unban_participant(&caller, ConversationId(id.0), UserId(user_id.0))
            .await?;
        Ok(envelope(&conversation, &caller, Some("User unbanned.")))
    }

    /// Leave room
    ///
    /// Walk out of a group room. The creator cannot leave (close the room instead).
    #[oai(
        path = "/api/v1/conversations/:id/leave",
        method = "post",
        operation_id = "leaveConversation"
    )]
    async fn leave(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// Conversation id.
        id: Path<i64>,
    ) -> ApiResult<Done> {
        let caller = caller_of(&auth, request);
        app.leave_conversation(&caller, ConversationId(id.0))
            .await?;
        Ok(Done::Ok(Json(StatusMessage::new(
            "You left the conversation.",
        ))))
    }

    /// Mark as read
    ///
    /// Moves your read position to the newest message, so your unread count becomes 0.
    #[oai(
        path = "/api/v1/conversations/:id/read",
        method = "post",
        operation_id = "markRead"
    )]
    async fn read(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// Conversation id.
        id: Path<i64>,
    ) -> ApiResult<Done> {
        let caller = caller_of(&auth, request);
        app.mark_read(&caller, ConversationId(id.0)).await?;
        Ok(Done::Ok(Json(StatusMessage::new("Marked as read."))))
    }
}
