//! Confab's HTTP adapter: the REST API of the Conversation & Message API document, its OpenAPI
//! description and Swagger UI, over the application's use cases.

mod api;
pub mod attachment_links;
mod body_limit;
mod capped_read;
mod connection_guard;
mod cors;
mod document;
mod document_routes;
mod document_webhooks;
pub mod dto;
mod error;
mod file_payload;
mod metrics_endpoint;
mod request_ids;
mod request_log;
pub mod security;
mod upload_stream;
mod web_client;

use confab_application::Confab;
use poem::{Endpoint, EndpointExt, Route};
use poem_openapi::OpenApiService;

pub use api::{Readiness, RealtimeInfo};
pub use connection_guard::{ConnectionLimits, GuardedListener};
pub use cors::CorsOrigins;
pub use document::Document;
use document::ServerEntry;
pub use error::{ApiError, ErrorBody};
pub use metrics_endpoint::MetricsEndpoint;

/// Large enough for a 65,535-character message of 4-byte characters even when the client writes
/// each one as a JSON `\uXXXX\uXXXX` escape (12 bytes), small enough that a client cannot make
/// the server buffer megabytes.
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Every API of the document, listed once: each is a unit struct, so [`api_service`] makes the
/// value with `Operations::default()` (a tuple has `Default` up to twelve members, so related
/// APIs share a slot as a pair).
type Operations = (
    (api::AccountsApi, api::AvatarsApi, api::BlocksApi),
    (api::SessionsApi, api::AccountMailApi, api::DataExportApi),
    (api::ConversationsApi, api::ModerationApi, api::ReportsApi),
    (api::MessagesApi, api::ThreadsApi),
    (api::TypingApi, api::NotificationsApi, api::MentionsApi),
    api::MessageChangesApi,
    api::MessageSearchApi,
    api::AttachmentsApi,
    api::DirectUploadsApi,
    api::RealtimeApi,
    api::EnvelopesApi,
    api::SystemApi,
);

/// The document `confab openapi` prints (and `openapi.yaml` holds): the one the server serves,
/// except that its `servers` names `confab serve`'s default address (see [`ServerEntry`]).
pub fn api_document() -> Document {
    Document::finish(&api_service().spec(), ServerEntry::DEFAULT_ADDRESS)
}

/// What the operator says about the HTTP surface itself, not the API's behaviour.
#[derive(Debug, Clone, Default)]
pub struct HttpSettings {
    /// The address clients reach the API at, as the served document's `servers` names it;
    /// `None`: `/`, wherever the document was loaded from.
    pub public_url: Option<String>,
    /// Which browser origins may call the API.
    pub cors_origins: CorsOrigins,
}

/// poem-openapi's description of the operations, before [`Document::finish`].
fn api_service() -> OpenApiService<Operations, ()> {
    OpenApiService::new(Operations::default(), "Confab", env!("CARGO_PKG_VERSION"))
        .license(poem_openapi::LicenseObject::new(env!("CARGO_PKG_LICENSE")))
        .description(
            "Realtime chat API: users, direct chats, group rooms and messages — the Conversation & \
         Message API. Authenticate with `POST /api/v1/user/login` and send the \
         token as `Authorization: Bearer <token>`. Errors are `{\"status\": false, \"message\": \
         \"…\"}` for every error status, with an `errors` object `{field: [reasons]}` on \
         validation failures (422). The plain-WebSocket \
         envelope protocol (`/ws`) is described by the JSON Schema at \
         `/schemas/envelope.schema.json`; the webhooks Confab sends (`CONFAB_WEBHOOK_URLS`) \
         under `x-webhooks`.",
        )
}

/// The whole HTTP surface: the API, `/openapi.json`, `/openapi.yaml` and Swagger UI at `/docs`,
/// open to the browser origins `settings` names (see `cors`); every response carries an
/// `X-Request-Id` (see `request_ids`). With `metrics`, `GET /metrics`
/// serves Prometheus and every request is counted and timed (see `metrics_endpoint`).
pub fn routes(
    app: Confab,
    settings: &HttpSettings,
    readiness: Readiness,
    realtime: Option<RealtimeInfo>,
    metrics: Option<MetricsEndpoint>,
) -> impl Endpoint + use<> {
    let service = api_service();
    let unfinished = service.spec();
    let document = Document::finish(
        &unfinished,
        ServerEntry::serving(settings.public_url.as_deref()),
    );
    let docs = document.swagger_ui(&service.swagger_ui_html(), &unfinished);
    let document_routes = document_routes::DocumentRoutes::from_spec(document.json());
    let allowed = document_routes.clone();
    let mut api = Route::new();
    if let Some(metrics) = metrics.clone() {
        api = api.at("/metrics", metrics_endpoint::endpoint(metrics));
    }
    let api = api
        .nest("/docs", docs)
        .at("/openapi.json", document.json_endpoint())
        .at("/openapi.yaml", document.yaml_endpoint())
        .nest("/", service)
        .around(web_client::page_at_root)
        .with(body_limit::BodyLimit(MAX_BODY_BYTES))
        .with(cors::policy(&settings.cors_origins, &document_routes))
        .around(cors::same_origin_passes)
        .with(request_log::RequestLog)
        .data(app)
        .data(readiness)
        .data(realtime)
        .catch_all_error(error::render_error)
        .around(move |endpoint, request| allowed.clone().around(endpoint, request))
        .map_to_response();
    match metrics {
        Some(_) => request_ids::with_request_ids(
            metrics_endpoint::with_request_metrics(api, document_routes).boxed(),
        )
        .boxed(),
        None => request_ids::with_request_ids(api).boxed(),
    }
}
