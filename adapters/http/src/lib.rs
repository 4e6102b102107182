//! Confab's HTTP adapter: the REST API of the Conversation & Message API document, its OpenAPI
//! description and Swagger UI, over the application's use cases.

mod allow;
mod api;
mod body_limit;
pub mod dto;
mod error;
pub mod security;
mod web_client;

use confab_application::Confab;
use poem::middleware::{Cors, Tracing};
use poem::{Endpoint, EndpointExt, Route};
use poem_openapi::OpenApiService;

pub use api::{Readiness, RealtimeInfo};
pub use error::{ApiError, ErrorBody, ValidationErrorBody};

/// Large enough for a 65,535-character message of 4-byte characters, small enough that a client
/// cannot make the server buffer megabytes.
const MAX_BODY_BYTES: usize = 512 * 1024;

type Operations = (
    api::AccountsApi,
    api::ConversationsApi,
    api::MessagesApi,
    api::RealtimeApi,
    api::EnvelopesApi,
    api::SystemApi,
);

/// The API description: what `/openapi.yaml` serves and `confab openapi` prints.
pub fn api_service() -> OpenApiService<Operations, ()> {
    OpenApiService::new(
        (
            api::AccountsApi,
            api::ConversationsApi,
            api::MessagesApi,
            api::RealtimeApi,
            api::EnvelopesApi,
            api::SystemApi,
        ),
        "Confab",
        env!("CARGO_PKG_VERSION"),
    )
    .description(
        "Realtime chat API: users, direct chats, group rooms and messages — the Conversation & \
         Message API. Authenticate with `POST /api/v1/user/login` and send the \
         token as `Authorization: Bearer <token>`. Errors are `{\"status\": false, \"message\": \
         \"…\"}`, with an `errors` object `{field: [reasons]}` on validation failures (422). The plain-WebSocket \
         envelope protocol (`/ws`) is described by the JSON Schema at \
         `/schemas/envelope.schema.json`.",
    )
}

/// The whole HTTP surface: the API, `/openapi.json`, `/openapi.yaml` and Swagger UI at `/docs`.
pub fn routes(app: Confab, readiness: Readiness, realtime: Option<RealtimeInfo>) -> impl Endpoint {
    let service = api_service();
    let docs = service.swagger_ui();
    let spec_json = service.spec_endpoint();
    let spec_yaml = service.spec_endpoint_yaml();
    let allowed = allow::AllowedMethods::from_spec(&service.spec());
    Route::new()
        .nest("/docs", docs)
        .at("/openapi.json", spec_json)
        .at("/openapi.yaml", spec_yaml)
        .at("/app.js", poem::get(web_client::script))
        .at("/app.css", poem::get(web_client::styles))
        .nest("/", service)
        .around(web_client::page_at_root)
        .with(body_limit::BodyLimit(MAX_BODY_BYTES))
        .with(Cors::new())
        .with(Tracing)
        .data(app)
        .data(readiness)
        .data(realtime)
        .catch_all_error(error::render_error)
        .around(move |endpoint, request| allowed.clone().around(endpoint, request))
}
