use confab_application::Confab;
use confab_application::use_cases::edit_message::Edit;
use confab_domain::{ConversationId, MessageId, ReactionAction};
use poem::Request;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::ApiTags;
use crate::dto::{EditMessageBody, EmojiText, MessageDto, MessageEnvelope, Ruled, StatusMessage};
use crate::error::ApiResult;
use crate::security::{BearerAuth, caller_of};

/// Edit, delete and react: what happens to a message after it is sent.
#[derive(Default)]
pub struct MessageChangesApi;

#[derive(ApiResponse)]
enum MessageChanged {
    #[oai(status = 200)]
    Ok(Json<MessageEnvelope>),
}

#[derive(ApiResponse)]
enum MessageDeleted {
    #[oai(status = 200)]
    Ok(Json<StatusMessage>),
}

fn changed(message: &str, view: &confab_domain::MessageView) -> MessageChanged {
    MessageChanged::Ok(Json(MessageEnvelope {
        status: true,
        message: Some(message.into()),
        data: MessageDto::from(view),
    }))
}

/// Adding and removing a reaction differ only in the action and the message.
async fn react(
    app: &Confab,
    auth: &BearerAuth,
    request: &Request,
    (id, message_id): (ConversationId, MessageId),
    emoji: &str,
    action: ReactionAction,
) -> ApiResult<MessageChanged> {
    let caller = caller_of(auth, request);
    let view = app
        .react_to_message(&caller, id, message_id, emoji, action)
        .await?;
    let message = match action {
        ReactionAction::Added => "Reaction added.",
        ReactionAction::Removed => "Reaction removed.",
    };
    Ok(changed(message, &view))
}

#[OpenApi(tag = "ApiTags::Messages")]
impl MessageChangesApi {
    /// Edit message
    ///
    /// Only its author; not a deleted message, not in a closed room (422); the body follows the
    /// send rules, and `mentions` / `mention_room`, when given, replace whom it names (their
    /// `unread_mentions` follow; an edit sends no `notification`). Sets `edited_at`; broadcast as
    /// `message.updated`.
    #[oai(
        path = "/api/v1/conversations/:id/messages/:messageId",
        method = "patch",
        operation_id = "editMessage"
    )]
    async fn edit(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// Conversation id.
        id: Path<i64>,
        /// Message id.
        #[oai(name = "messageId")]
        message_id: Path<i64>,
        body: Json<EditMessageBody>,
    ) -> ApiResult<MessageChanged> {
        let caller = caller_of(&auth, request);
        let Json(body) = body;
        let edit = Edit {
            body: &body.body.0,
            mentions: body.mentions.0.as_deref(),
            mention_room: body.mention_room.0,
        };
        let view = app
            .edit_message(&caller, ConversationId(id.0), MessageId(message_id.0), edit)
            .await?;
        Ok(changed("Message updated.", &view))
    }

    /// Delete message
    ///
    /// Its author, or a group room's creator (moderation), also in a closed room. The message
    /// stays in the history as a tombstone (`body` `""`, `deleted_at` set, no reactions), so pages
    /// and unread counts do not move. Deleting it again changes nothing. Broadcast as
    /// `message.deleted`.
    #[oai(
        path = "/api/v1/conversations/:id/messages/:messageId",
        method = "delete",
        operation_id = "deleteMessage"
    )]
    async fn delete(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// Conversation id.
        id: Path<i64>,
        /// Message id.
        #[oai(name = "messageId")]
        message_id: Path<i64>,
    ) -> ApiResult<MessageDeleted> {
        let caller = caller_of(&auth, request);
        app.delete_message(&caller, ConversationId(id.0), MessageId(message_id.0))
            .await?;
        Ok(MessageDeleted::Ok(Json(StatusMessage::new(
            "Message deleted.",
        ))))
    }

    /// Add reaction
    ///
    /// Any participant, on a message that is not deleted, in an open room. `emoji` is one emoji
    /// (URL-encoded); at most 20 different emoji per message (422 beyond). Adding it again
    /// changes nothing. Broadcast as `message.reacted` when something changed.
    #[oai(
        path = "/api/v1/conversations/:id/messages/:messageId/reactions/:emoji",
        method = "put",
        operation_id = "addReaction"
    )]
    async fn add(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// Conversation id.
        id: Path<i64>,
        /// Message id.
        #[oai(name = "messageId")]
        message_id: Path<i64>,
        /// One emoji, e.g. `%F0%9F%91%8D` for 👍.
        emoji: Path<Ruled<String, EmojiText>>,
    ) -> ApiResult<MessageChanged> {
        let target = (ConversationId(id.0), MessageId(message_id.0));
        react(
            &app,
            &auth,
            request,
            target,
            &emoji.0.0,
            ReactionAction::Added,
        )
        .await
    }

    /// Remove reaction
    ///
    /// Takes back your reaction; taking back one you did not give changes nothing.
    #[oai(
        path = "/api/v1/conversations/:id/messages/:messageId/reactions/:emoji",
        method = "delete",
        operation_id = "removeReaction"
    )]
    async fn remove(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// Conversation id.
        id: Path<i64>,
        /// Message id.
        #[oai(name = "messageId")]
        message_id: Path<i64>,
        /// One emoji, URL-encoded.
        emoji: Path<Ruled<String, EmojiText>>,
    ) -> ApiResult<MessageChanged> {
        let target = (ConversationId(id.0), MessageId(message_id.0));
        react(
            &app,
            &auth,
            request,
            target,
            &emoji.0.0,
            ReactionAction::Removed,
        )
        .await
    }
}
