use confab_application::Confab;
use confab_application::use_cases::send_message::Draft;
use confab_domain::{ConversationId, DomainError, History, HistoryParams};
use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::ApiTags;
use crate::dto::{
    ClientIdText, CursorLimit, CursorMeta, MessageDto, MessageEnvelope, MessagePageEnvelope,
    MessagesMeta, PageMeta, PageNumber, PerPage, Ruled, SendMessageBody,
};
use crate::error::{ApiError, ApiResult};
use crate::security::{BearerAuth, caller_of};

#[derive(Default)]
pub struct MessagesApi;

/// The `Idempotency-Key` header as text. poem's header parameter reads only visible ASCII and
/// takes any other value for an absent header, which would silently turn a retry into a second
/// message; so the bytes are read here, as UTF-8, and whatever they hold goes to the same rule
/// as `client_id`.
fn idempotency_key(request: &Request) -> Result<Option<String>, ApiError> {
    let Some(value) = request.headers().get("Idempotency-Key") else {
        return Ok(None);
    };
    String::from_utf8(value.as_bytes().to_vec())
        .map(Some)
        .map_err(|_| {
            DomainError::invalid(
                "client_id",
                "The Idempotency-Key header must be UTF-8 text.",
            )
            .into()
        })
}

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
    /// A repeat: you sent this `client_id` (or `Idempotency-Key`) here before; this is the message
    /// that send stored. Nothing was stored or broadcast again.
    #[oai(status = 200)]
    Repeated(Json<MessageEnvelope>),
}

#[OpenApi(tag = "ApiTags::Messages")]
impl MessagesApi {
    /// List messages
    ///
    /// A page of the conversation's messages, newest first (`page`, `per_page`; `meta` is the
    /// page summary). Or, with `before` or `after` a message id, up to `limit` messages strictly
    /// older (newest first) or strictly newer (oldest first) than it, with `meta`
    /// `{limit, has_more}`: scroll back with `before`, and after a reconnect ask for everything
    /// `after` the last id you saw until `has_more` is false. `before` and `after` do not mix with
    /// each other or with `page`/`per_page` (422), nor does `limit` with pages; a message of
    /// another conversation is a 422. Closed rooms stay readable. Every read costs the same
    /// however long the history is.
    #[oai(
        path = "/api/v1/conversations/:id/messages",
        method = "get",
        operation_id = "listMessages"
    )]
    // poem-openapi documents each query parameter from its own argument, so they cannot be grouped.
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// Conversation id.
        id: Path<i64>,
        /// Page number, from 1.
        page: Query<Ruled<Option<i64>, PageNumber>>,
        /// Messages per page, 1–100 (default 20).
        per_page: Query<Ruled<Option<i64>, PerPage>>,
        /// A message id of this conversation: return messages older than it, newest first.
        before: Query<Option<i64>>,
        /// A message id of this conversation: return messages newer than it, oldest first.
        after: Query<Option<i64>>,
        /// With `before` or `after`: how many messages, 1–100 (default 20).
        limit: Query<Ruled<Option<i64>, CursorLimit>>,
    ) -> ApiResult<MessagePage> {
        let caller = caller_of(&auth, request);
        let params = HistoryParams {
            page: page.0.0,
            per_page: per_page.0.0,
            before: before.0,
            after: after.0,
            limit: limit.0.0,
        };
        let (items, meta) = match app
            .list_messages(&caller, ConversationId(id.0), params)
            .await?
        {
            History::Page(page) => {
                let meta = MessagesMeta::Page(PageMeta::from(&page));
                (page.items, meta)
            }
            History::Slice(slice) => {
                let meta = MessagesMeta::Cursor(CursorMeta::from(&slice));
                (slice.items, meta)
            }
        };
        Ok(MessagePage::Ok(Json(MessagePageEnvelope {
            status: true,
            meta,
            data: items.iter().map(MessageDto::from).collect(),
        })))
    }

    /// Send message
    ///
    /// You must be a participant and the room must not be closed. Limited to 60 a minute per
    /// user (429 with `Retry-After` beyond that; repeats count too). `reply_to` names a message of
    /// this conversation that is not deleted (422 otherwise); `mentions` names participants (422
    /// on `mentions` for anyone else), who get a `notification` as their settings allow.
    /// `thread_id` replies in the thread under that message (422 on `thread_id` unless a live
    /// message of this room outside any thread); the reply is out of the room's timeline unless
    /// `also_in_room`, and the room gets `thread.updated`. With a
    /// `client_id` (or the
    /// `Idempotency-Key` header; if both are given they must agree) a repeat of the same send
    /// answers 200 with the stored message instead of storing another, also when the repeats race.
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
        // Declared for the document only; the value is read from the request's bytes by
        // `idempotency_key`.
        /// Your own id for this send, instead of `client_id` in the body (or with it, if they
        /// are the same): a repeat with the same key answers 200 with the stored message.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: Header<Ruled<Option<String>, ClientIdText>>,
        body: Json<SendMessageBody>,
    ) -> ApiResult<MessageSent> {
        let caller = caller_of(&auth, request);
        let body = body.0;
        let header = idempotency_key(request)?;
        let client_id = match (body.client_id.0.as_deref(), header.as_deref()) {
            (Some(field), Some(header)) if field != header => {
                return Err(DomainError::invalid(
                    "client_id",
                    "The client_id field and the Idempotency-Key header must be the same.",
                )
                .into());
            }
            (field, header) => field.or(header),
        };
        let draft = Draft {
            body: &body.body.0,
            client_id,
            reply_to: body.reply_to.0,
            attachment_ids: body.attachment_ids.0.as_deref().unwrap_or_default(),
            mentions: body.mentions.0.as_deref().unwrap_or_default(),
            mention_room: body.mention_room.0.unwrap_or(false),
            thread_id: body.thread_id.0,
            also_in_room: body.also_in_room.0.unwrap_or(false),
        };
        let sent = app
            .send_message(&caller, ConversationId(id.0), draft)
            .await?;
        let envelope = Json(MessageEnvelope {
            status: true,
            message: Some("Message sent.".into()),
            data: MessageDto::from(&sent.message),
        });
        Ok(if sent.repeated {
            MessageSent::Repeated(envelope)
        } else {
            MessageSent::Created(envelope)
        })
    }
}
