use confab_application::Confab;
use confab_domain::ConversationId;
use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::ApiTags;
use crate::dto::{
    MessageDto, MessagePageEnvelope, MessagesMeta, PageMeta, PageNumber, PerPage, Ruled,
    SearchQueryText,
};
use crate::error::ApiResult;
use crate::security::{BearerAuth, caller_of};

/// Word search over messages, with the database's full-text index.
#[derive(Default)]
pub struct MessageSearchApi;

#[derive(ApiResponse)]
enum Found {
    #[oai(status = 200)]
    Ok(Json<MessagePageEnvelope>),
}

fn found(page: confab_domain::Page<confab_domain::MessageView>) -> Found {
    Found::Ok(Json(MessagePageEnvelope {
        status: true,
        meta: MessagesMeta::Page(PageMeta::from(&page)),
        data: page.items.iter().map(MessageDto::from).collect(),
    }))
}

#[OpenApi(tag = "ApiTags::Messages")]
impl MessageSearchApi {
    /// Search a conversation
    ///
    /// Messages of this conversation containing every word of `q` (whole words, case-insensitive;
    /// accents count), newest first, paged like the history. Deleted messages never match.
    #[oai(
        path = "/api/v1/conversations/:id/messages/search",
        method = "get",
        operation_id = "searchConversationMessages"
    )]
    // poem-openapi documents each query parameter from its own argument, so they cannot be grouped.
    #[allow(clippy::too_many_arguments)]
    async fn in_conversation(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// Conversation id.
        id: Path<i64>,
        /// The words to find, 1–200 characters.
        q: Query<Ruled<String, SearchQueryText>>,
        /// Page number, from 1.
        page: Query<Ruled<Option<i64>, PageNumber>>,
        /// Messages per page, 1–100 (default 20).
        per_page: Query<Ruled<Option<i64>, PerPage>>,
    ) -> ApiResult<Found> {
        let caller = caller_of(&auth, request);
        let page = app
            .search_messages(
                &caller,
                Some(ConversationId(id.0)),
                &q.0.0,
                page.0.0,
                per_page.0.0,
            )
            .await?;
        Ok(found(page))
    }

    /// Search all your conversations
    ///
    /// As the search of one conversation, over every conversation you are in now (not ones you
    /// left or were removed from); each message names its `conversation_id`.
    #[oai(
        path = "/api/v1/messages/search",
        method = "get",
        operation_id = "searchMessages"
    )]
    async fn everywhere(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// The words to find, 1–200 characters.
        q: Query<Ruled<String, SearchQueryText>>,
        /// Page number, from 1.
        page: Query<Ruled<Option<i64>, PageNumber>>,
        /// Messages per page, 1–100 (default 20).
        per_page: Query<Ruled<Option<i64>, PerPage>>,
    ) -> ApiResult<Found> {
        let caller = caller_of(&auth, request);
        let page = app
            .search_messages(&caller, None, &q.0.0, page.0.0, per_page.0.0)
            .await?;
        Ok(found(page))
    }
}
