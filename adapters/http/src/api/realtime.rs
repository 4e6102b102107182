use confab_application::Confab;
use poem::Request;
use poem::web::Data;
use poem_openapi::payload::{Form, Json};
use poem_openapi::{ApiRequest, ApiResponse, Object, OpenApi};

use super::ApiTags;
use crate::error::{ApiError, ApiResult};
use crate::security::{BearerAuth, caller_of};

/// Where clients connect for live events; `None` when this server runs without its realtime
/// listener.
#[derive(Debug, Clone, Object)]
pub struct RealtimeInfo {
    /// The app key (`REVERB_APP_KEY`), for `new Pusher(key, …)` / Echo's `key`.
    pub key: String,
    /// `wsHost`.
    pub host: String,
    /// `wsPort` / `wssPort`.
    pub port: u16,
    /// `http` or `https` (`forceTLS` when `https`).
    pub scheme: String,
    /// Echo's `authEndpoint`.
    pub auth_endpoint: String,
}

/// What pusher-js posts to the auth endpoint.
#[derive(Debug, Clone, Object, serde::Deserialize)]
pub struct ChannelAuthBody {
    /// The socket id from `pusher:connection_established`.
    pub socket_id: String,
    /// e.g. `private-conversation.1`, `presence-conversation.1`, `private-user.2`.
    pub channel_name: String,
}

#[derive(Debug, ApiRequest)]
enum ChannelAuthRequest {
    /// What pusher-js and laravel-echo send.
    Form(Form<ChannelAuthBody>),
    Json(Json<ChannelAuthBody>),
}

/// The signature pusher-js forwards in `pusher:subscribe`.
#[derive(Debug, Clone, Object)]
pub struct ChannelAuthDto {
    /// `key:signature`.
    pub auth: String,
    /// Presence channels only: the member's `{user_id, user_info}`, as the signed JSON string.
    #[oai(skip_serializing_if_is_none)]
    pub channel_data: Option<String>,
}

#[derive(ApiResponse)]
enum ChannelAuthorized {
    #[oai(status = 200)]
    Ok(Json<ChannelAuthDto>),
}

#[derive(ApiResponse)]
enum RealtimeSettings {
    #[oai(status = 200)]
    Ok(Json<RealtimeInfo>),
}

pub struct RealtimeApi;

#[OpenApi(tag = "ApiTags::Realtime")]
impl RealtimeApi {
    /// Authorize a channel subscription
    ///
    /// Laravel's broadcasting auth endpoint, for pusher-js and laravel-echo: conversation channels
    /// for the conversation's participants, `private-user.{id}` for that user; 403 otherwise.
    #[oai(
        path = "/api/broadcasting/auth",
        method = "post",
        operation_id = "authorizeChannel"
    )]
    async fn authorize(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        body: ChannelAuthRequest,
    ) -> ApiResult<ChannelAuthorized> {
        let (ChannelAuthRequest::Form(Form(body)) | ChannelAuthRequest::Json(Json(body))) = body;
        let grant = app
            .authorize_channel(
                &caller_of(&auth, request),
                &body.socket_id,
                &body.channel_name,
            )
            .await?;
        Ok(ChannelAuthorized::Ok(Json(ChannelAuthDto {
            auth: grant.auth,
            channel_data: grant.channel_data,
        })))
    }

    /// Realtime connection settings
    ///
    /// What a client needs to open the WebSocket: key, host, port, scheme and auth endpoint.
    #[oai(
        path = "/api/v1/realtime",
        method = "get",
        operation_id = "realtimeSettings"
    )]
    async fn settings(
        &self,
        _auth: BearerAuth,
        info: Data<&Option<RealtimeInfo>>,
    ) -> ApiResult<RealtimeSettings> {
        match info.0 {
            Some(info) => Ok(RealtimeSettings::Ok(Json(info.clone()))),
            None => Err(ApiError::NotFound(Json(crate::ErrorBody {
                status: false,
                message: "Realtime is not enabled on this server.".into(),
            }))),
        }
    }
}
