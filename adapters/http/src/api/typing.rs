//! Typing: `POST /api/v1/conversations/{id}/typing`, which tells the others in the room.

use confab_application::Confab;
use confab_domain::{ConversationId, MessageId};
use poem::Request;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::ApiTags;
use crate::dto::TypingBody;
use crate::error::ApiResult;
use crate::security::{BearerAuth, caller_of};

#[derive(Default)]
pub struct TypingApi;

#[derive(ApiResponse)]
enum Signalled {
    /// Noted: the others in the room got a `typing` event, unless you had caused one in the last
    /// 2 s.
    #[oai(status = 204)]
    NoContent,
}

#[OpenApi(tag = "ApiTags::Conversations")]
impl TypingApi {
    /// Say you are typing
    ///
    /// The others in the room get `typing` `{conversation_id, thread_id, user: {id, name}}` on the
    /// room's Pusher channel and envelope address — at most one event per user per room every 2 s,
    /// so a client may call on every key press. Send `X-Socket-ID` to leave your own socket out.
    /// 404 if you are not in the room; 422 if it is closed, or when `thread_id` is not a message of
    /// this room that is not deleted.
    #[oai(
        path = "/api/v1/conversations/:id/typing",
        method = "post",
        operation_id = "signalTyping"
    )]
    async fn typing(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// Conversation id.
        id: Path<i64>,
        body: Json<TypingBody>,
    ) -> ApiResult<Signalled> {
        let caller = caller_of(&auth, request);
        let thread = body.0.thread_id.into_inner().map(MessageId);
        app.signal_typing(&caller, ConversationId(id.0), thread)
            .await?;
        Ok(Signalled::NoContent)
    }
}
