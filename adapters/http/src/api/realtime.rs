use confab_application::Confab;
use poem::web::Data;
use poem::{Request, RequestBody};
use poem_openapi::payload::{Form, Json, ParsePayload, Payload};
use poem_openapi::registry::{MetaSchemaRef, Registry};
use poem_openapi::types::ParseFromJSON;
use poem_openapi::{ApiResponse, Object, OpenApi, impl_apirequest_for_payload};
use serde::de::DeserializeOwned;

use super::ApiTags;
use crate::dto::{NotBlank, Ruled, SocketIdText};
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
    pub socket_id: Ruled<String, NotBlank>,
    /// e.g. `private-conversation.1`, `presence-conversation.1`, `private-user.2`.
    pub channel_name: Ruled<String, NotBlank>,
}

/// What pusher-js posts to the user authentication endpoint (`signin()`).
#[derive(Debug, Clone, Object, serde::Deserialize)]
pub struct UserAuthBody {
    /// The socket id from `pusher:connection_established`.
    pub socket_id: Ruled<String, SocketIdText>,
}

/// An auth request as JSON (what the document lists, so generated clients get one request
/// type) or as the form body pusher-js and laravel-echo post (accepted, not listed).
struct FormOrJson<T>(T);

impl<T: ParseFromJSON + DeserializeOwned + Send> Payload for FormOrJson<T> {
    const CONTENT_TYPE: &'static str = <Json<T> as Payload>::CONTENT_TYPE;

    fn check_content_type(content_type: &str) -> bool {
        Json::<T>::check_content_type(content_type) || Form::<T>::check_content_type(content_type)
    }

    fn schema_ref() -> MetaSchemaRef {
        <Json<T> as Payload>::schema_ref()
    }

    fn register(registry: &mut Registry) {
        <Json<T> as Payload>::register(registry);
    }
}

impl<T: ParseFromJSON + DeserializeOwned + Send> ParsePayload for FormOrJson<T> {
    const IS_REQUIRED: bool = true;

    async fn from_request(request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        let form = request
            .content_type()
            .is_some_and(Form::<T>::check_content_type);
        if form {
            let Form(auth) = Form::from_request(request, body).await?;
            Ok(Self(auth))
        } else {
            let Json(auth) = Json::from_request(request, body).await?;
            Ok(Self(auth))
        }
    }
}

impl_apirequest_for_payload!(FormOrJson<T>, T: ParseFromJSON + DeserializeOwned + Send);

/// The signature pusher-js forwards in `pusher:subscribe`.
#[derive(Debug, Clone, Object)]
pub struct ChannelAuthDto {
    /// `key:signature`.
    pub auth: String,
    /// Presence channels only: the member's `{user_id, user_info}`, as the signed JSON string.
    #[oai(skip_serializing_if_is_none)]
    pub channel_data: Option<String>,
    /// Encrypted channels only (`private-encrypted-conversation.{id}`): the channel's key,
    /// base64 of 32 bytes, with which pusher-js decrypts what the app's server SDK encrypted.
    #[oai(skip_serializing_if_is_none)]
    pub shared_secret: Option<String>,
}

#[derive(ApiResponse)]
enum ChannelAuthorized {
    #[oai(status = 200)]
    Ok(Json<ChannelAuthDto>),
}

/// What pusher-js forwards in `pusher:signin`.
#[derive(Debug, Clone, Object)]
pub struct UserAuthDto {
    /// `key:signature` over the socket id and `user_data`.
    pub auth: String,
    /// The signed-in user as the signed JSON string: `{"id": "<id>", "user_info": {"id",
    /// "name"}, "watchlist": ["<id>", …]}` — the watchlist being the other people of their most
    /// recently active direct chats (at most 100).
    pub user_data: String,
}

#[derive(ApiResponse)]
enum UserAuthenticated {
    #[oai(status = 200)]
    Ok(Json<UserAuthDto>),
}

#[derive(ApiResponse)]
enum RealtimeSettings {
    #[oai(status = 200)]
    Ok(Json<RealtimeInfo>),
}

#[derive(Default)]
pub struct RealtimeApi;

#[OpenApi(tag = "ApiTags::Realtime")]
impl RealtimeApi {
    /// Authorize a channel subscription
    ///
    /// Laravel's broadcasting auth endpoint, for pusher-js and laravel-echo: conversation channels
    /// (`private-`, `presence-` and `private-encrypted-conversation.{id}`, the last with its key
    /// when the server has a master key) for the conversation's participants,
    /// `private-user.{id}` for that user; 403 otherwise.
    /// Send JSON; the form body pusher-js and laravel-echo post is accepted too.
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
        body: FormOrJson<ChannelAuthBody>,
    ) -> ApiResult<ChannelAuthorized> {
        let FormOrJson(body) = body;
        let grant = app
            .authorize_channel(
                &caller_of(&auth, request),
                &body.socket_id.0,
                &body.channel_name.0,
            )
            .await?;
        Ok(ChannelAuthorized::Ok(Json(ChannelAuthDto {
            auth: grant.auth,
            channel_data: grant.channel_data,
            shared_secret: grant.shared_secret,
        })))
    }

    /// Sign a socket in as you
    ///
    /// Pusher user authentication (pusher-js `signin()` with
    /// `userAuthentication: {endpoint: "/api/broadcasting/user-auth"}`): the app's server can
    /// then send you events by user id on every socket you signed in (`sendToUser`), end them,
    /// and your socket hears `online` / `offline` for the people you have direct chats with.
    /// Send JSON; the form body pusher-js posts is accepted too.
    #[oai(
        path = "/api/broadcasting/user-auth",
        method = "post",
        operation_id = "authenticateSocketUser"
    )]
    async fn authenticate_user(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        body: FormOrJson<UserAuthBody>,
    ) -> ApiResult<UserAuthenticated> {
        let FormOrJson(body) = body;
        let grant = app
            .authenticate_socket_user(&caller_of(&auth, request), &body.socket_id.0)
            .await?;
        Ok(UserAuthenticated::Ok(Json(UserAuthDto {
            auth: grant.auth,
            user_data: grant.user_data,
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
            None => Err(ApiError::not_found(
                "Realtime is not enabled on this server.",
            )),
        }
    }
}
