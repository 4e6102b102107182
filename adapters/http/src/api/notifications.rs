//! Being alerted: your notification settings per conversation (`NotificationsApi`), and your
//! mention feed (`MentionsApi`).

use confab_application::Confab;
use confab_domain::ConversationId;
use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::ApiTags;
use crate::dto::{
    CursorLimit, CursorMeta, MentionFeedEnvelope, MessageDto, NotificationSettingsBody,
    NotificationSettingsDto, NotificationSettingsEnvelope, Ruled, parse_time,
};
use crate::error::ApiResult;
use crate::security::{BearerAuth, caller_of};

#[derive(Default)]
pub struct NotificationsApi;

#[derive(ApiResponse)]
enum Settings {
    #[oai(status = 200)]
    Ok(Json<NotificationSettingsEnvelope>),
}

#[derive(ApiResponse)]
enum Feed {
    #[oai(status = 200)]
    Ok(Json<MentionFeedEnvelope>),
}

#[OpenApi(tag = "ApiTags::Conversations")]
impl NotificationsApi {
    /// Set notification settings
    ///
    /// How much of this conversation alerts you with a `notification` event (and the
    /// `notification.created` webhook an app server turns into a push): `all` — direct messages,
    /// mentions of you or the room, replies in threads you follow; `mentions` — only mentions;
    /// `none`. `muted_until` silences everything until then. Unread counts and `unread_mentions`
    /// are kept either way. 404 if you are not in the conversation.
    #[oai(
        path = "/api/v1/conversations/:id/notifications",
        method = "put",
        operation_id = "setNotifications"
    )]
    async fn set(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// Conversation id.
        id: Path<i64>,
        body: Json<NotificationSettingsBody>,
    ) -> ApiResult<Settings> {
        let caller = caller_of(&auth, request);
        let Json(body) = body;
        let muted_until = body
            .muted_until
            .into_inner()
            .map(|raw| parse_time("muted_until", &raw))
            .transpose()?;
        let settings = app
            .set_notifications(&caller, ConversationId(id.0), &body.level.0, muted_until)
            .await?;
        Ok(Settings::Ok(Json(NotificationSettingsEnvelope {
            status: true,
            message: "Notification settings saved.".into(),
            data: NotificationSettingsDto::from(&settings),
        })))
    }
}

/// The mention feed (a messages read, so under that tag).
#[derive(Default)]
pub struct MentionsApi;

#[OpenApi(tag = "ApiTags::Messages")]
impl MentionsApi {
    /// List my mentions
    ///
    /// Messages that name you (`mentions`) or call a conversation you are in (`mention_room`),
    /// across your conversations, newest first. Page back with `before` = the last id you got;
    /// `meta.has_more` says whether there is more. Leaving a conversation takes its mentions out.
    #[oai(
        path = "/api/v1/user/mentions",
        method = "get",
        operation_id = "listMentions"
    )]
    async fn mentions(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// A message id: return mentions older than it.
        before: Query<Option<i64>>,
        /// How many, 1–100 (default 20).
        limit: Query<Ruled<Option<i64>, CursorLimit>>,
    ) -> ApiResult<Feed> {
        let caller = caller_of(&auth, request);
        let feed = app.list_mentions(&caller, before.0, limit.0.0).await?;
        Ok(Feed::Ok(Json(MentionFeedEnvelope {
            status: true,
            meta: CursorMeta::from(&feed),
            data: feed.items.iter().map(MessageDto::from).collect(),
        })))
    }
}
