use confab_application::Confab;
use confab_domain::ConversationId;
use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::ApiTags;
use crate::dto::{MessageDto, MessageEnvelope, MessagePageEnvelope, PageMeta, SendMessageBody};
use crate::error::ApiResult;
use crate::security::{BearerAuth, caller_of};

pub struct MessagesApi;

#[derive(ApiResponse)]
enum MessagePage {
    #[oai(status = 200)]
    Ok(Json<MessagePageEnvelope>),
}

#[derive(ApiResponse)]
enum MessageSent {
    /// Stored, and broadcast as `message.sent` to the other participants.
    #[oai(status = 201)]
    Created(Json<MessageEnvelope>),
}

#[OpenApi(tag = "ApiTags::Messages")]
impl MessagesApi {
    /// List messages
    ///
    /// A page of the conversation's messages, newest first. Closed rooms stay readable.
    #[oai(
        path = "/api/v1/conversations/:id/messages",
        method = "get",
        operation_id = "listMessages"
    )]
    async fn list(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// Conversation id.
        id: Path<i64>,
        /// Page number, from 1.
        page: Query<Option<i64>>,
        /// Messages per page, 1–100 (default 20).
        per_page: Query<Option<i64>>,
    ) -> ApiResult<MessagePage> {
        let caller = caller_of(&auth, request);
        let messages = app
            .list_messages(&caller, ConversationId(id.0), page.0, per_page.0)
            .await?;
        Ok(MessagePage::Ok(Json(MessagePageEnvelope {
            status: true,
            meta: PageMeta::from(&messages),
            data: messages.items.iter().map(MessageDto::from).collect(),
        })))
    }

    /// Send message
    ///
    /// You must be a participant and the room must not be closed. Limited to 60 a minute per
    /// user (429 with `Retry-After` beyond that).
    #[oai(
        path = "/api/v1/conversations/:id/messages",
        method = "post",
        operation_id = "sendMessage"
    )]
    async fn send(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// Conversation id.
        id: Path<i64>,
        body: Json<SendMessageBody>,
    ) -> ApiResult<MessageSent> {
        let caller = caller_of(&auth, request);
        let message = app
            .send_message(&caller, ConversationId(id.0), &body.0.body)
            .await?;
        Ok(MessageSent::Created(Json(MessageEnvelope {
            status: true,
            message: Some("Message sent.".into()),
            data: MessageDto::from(&message),
        })))
    }
}
