//! Every error a client can see, in the API document's shape; which status each domain outcome
//! gets is the application's table of outcome codes (`confab_application::status_of`).
//!
//! Bodies follow the API document: `{"status": false, "message": "…"}`, plus `errors` on a 422
//! that is about fields. Every status has that one schema, so a generated client has one error
//! type. Internal causes go to the log, never into a response.

use std::collections::BTreeMap;

use confab_application::{RETRY_UNAVAILABLE_SECS, status_of};
use confab_domain::DomainError;
use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object};

/// The document's error shape, for every error status.
#[derive(Debug, Clone, Object)]
pub struct ErrorBody {
    /// Always `false`.
    pub status: bool,
    /// What went wrong, for a person to read; on a 422, the first reason and how many more
    /// there are.
    pub message: String,
    /// 422 only: `{field: [reasons]}`. Absent when the refusal is about the room's state (a
    /// closed room, a banned user), not a field.
    #[oai(skip_serializing_if_is_none)]
    pub errors: Option<BTreeMap<String, Vec<String>>>,
}

/// The error responses every operation may give.
#[derive(Debug, Clone, ApiResponse)]
pub enum ApiError {
    /// Missing, malformed, expired or forged token; or wrong email or password at login.
    #[oai(status = 401)]
    Unauthorized(Json<ErrorBody>),
    /// Not allowed, e.g. not the room creator, or not the message's author.
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// The conversation, message or user does not exist, or you are not a participant.
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
    /// The request body is over 1 MiB, or an uploaded file over the server's upload limit
    /// (`CONFAB_UPLOAD_MAX_BYTES`, counted on the bytes received).
    #[oai(status = 413)]
    PayloadTooLarge(Json<ErrorBody>),
    /// The request body is not `application/json` (nor `multipart/form-data` for an upload).
    #[oai(status = 415)]
    UnsupportedMediaType(Json<ErrorBody>),
    /// A download's `Range` starts past the end of the file; `Content-Range` gives its size.
    #[oai(status = 416)]
    RangeNotSatisfiable(Json<ErrorBody>, #[oai(header = "Content-Range")] String),
    /// Validation error (`errors` names the fields), or an action the room's state does not
    /// allow (closed room, banned user).
    #[oai(status = 422)]
    Unprocessable(Json<ErrorBody>),
    /// Throttled; retry after `Retry-After` seconds.
    #[oai(status = 429)]
    TooManyRequests(Json<ErrorBody>, #[oai(header = "Retry-After")] u64),
    /// Something failed on our side; the details are in the server log.
    #[oai(status = 500)]
    Internal(Json<ErrorBody>),
    /// The database cannot be reached right now; nothing was done. Retry after `Retry-After`
    /// seconds.
    #[oai(status = 503)]
    Unavailable(Json<ErrorBody>, #[oai(header = "Retry-After")] u64),
}

pub type ApiResult<T> = Result<T, ApiError>;

fn body(message: impl Into<String>) -> Json<ErrorBody> {
    Json(ErrorBody {
        status: false,
        message: message.into(),
        errors: None,
    })
}

impl ApiError {
    pub fn unprocessable(
        message: impl Into<String>,
        errors: BTreeMap<String, Vec<String>>,
    ) -> Self {
        Self::Unprocessable(Json(ErrorBody {
            status: false,
            message: message.into(),
            errors: (!errors.is_empty()).then_some(errors),
        }))
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::NotFound(body(message))
    }

    /// The document's error body as JSON text, for answers written below poem (see
    /// `connection_guard.rs`).
    pub(crate) fn error_json(message: &str) -> String {
        use poem_openapi::types::ToJSON;
        body(message).0.to_json_string()
    }

    pub fn internal() -> Self {
        Self::Internal(body("Server error."))
    }
}

impl From<DomainError> for ApiError {
    /// The status comes from the application's one table ([`status_of`]); this only says what
    /// each status carries over HTTP (field errors, `Retry-After`) and keeps causes in the log.
    fn from(error: DomainError) -> Self {
        let message = error.to_string();
        let status = status_of(&error);
        if let Some(errors) = error.field_errors() {
            return Self::unprocessable(message, errors.fields().clone());
        }
        if let Some(retry_after_secs) = error.retry_after_secs() {
            return Self::TooManyRequests(body(message), retry_after_secs);
        }
        match error {
            DomainError::Unavailable(cause) => {
                tracing::warn!(%cause, "database unavailable");
                Self::Unavailable(body(message), RETRY_UNAVAILABLE_SECS)
            }
            DomainError::Internal(cause) => {
                tracing::error!(%cause, "request failed");
                Self::internal()
            }
            DomainError::FileTooLarge { .. } => Self::PayloadTooLarge(body(message)),
            DomainError::RangeNotSatisfiable { size } => {
                Self::RangeNotSatisfiable(body(message), format!("bytes */{size}"))
            }
            _ => match status {
                401 => Self::Unauthorized(body(message)),
                403 => Self::Forbidden(body(message)),
                404 => Self::NotFound(body(message)),
                422 => Self::unprocessable(message, BTreeMap::new()),
                other => {
                    tracing::error!(status = other, %message, "no HTTP answer for this status");
                    Self::internal()
                }
            },
        }
    }
}

/// Lets an [`ApiError`] travel as a `poem::Error` (out of the bearer-token checker) and come out
/// as the same response.
#[derive(Debug, thiserror::Error)]
#[error("{0:?}")]
pub struct Rejection(pub ApiError);

impl poem::error::ResponseError for Rejection {
    /// The status the `ApiError` variant is documented with (its `#[oai(status)]`), read from the
    /// response itself so there is no second table of them.
    fn status(&self) -> StatusCode {
        self.as_response().status()
    }

    fn as_response(&self) -> Response {
        self.0.clone().into_response()
    }
}

/// Turns every error poem or poem-openapi raises before a handler runs (unknown route, wrong
/// method, unparsable body or parameter, missing token, oversized body) into the document's shape,
/// so a client never has to handle a plain-text error.
pub async fn render_error(error: poem::Error) -> Response {
    use poem::error::CorsError;
    use poem_openapi::error::{ParseParamError, ParseRequestPayloadError};

    // Our own error responses (a handler's `ApiError`, a checker's `Rejection`) are already right.
    if error.is_from_response() || error.is::<Rejection>() {
        return error.into_response();
    }
    if error.is::<poem_openapi::error::ParsePathError>() {
        return ApiError::NotFound(body("Not found.")).into_response();
    }
    if let Some(param) = error.downcast_ref::<ParseParamError>() {
        let mut errors = BTreeMap::new();
        let reason = format!("The {} parameter is invalid: {}", param.name, param.reason);
        errors.insert(param.name.to_owned(), vec![reason.clone()]);
        return ApiError::unprocessable(reason, errors).into_response();
    }
    if let Some(payload) = error.downcast_ref::<ParseRequestPayloadError>() {
        let reason = format!("The request body is invalid: {}", payload.reason);
        return ApiError::unprocessable(reason, BTreeMap::new()).into_response();
    }
    if let Some(cors) = error.downcast_ref::<poem::error::CorsError>() {
        let message = match cors {
            CorsError::OriginNotAllowed => {
                "This origin may not call the API (CONFAB_CORS_ORIGINS)."
            }
            CorsError::MethodNotAllowed => "No operation takes this method.",
            CorsError::HeadersNotAllowed => "The API reads none of these request headers.",
        };
        let mut response = body(message.to_owned()).into_response();
        response.set_status(StatusCode::FORBIDDEN);
        return response;
    }
    let status = error.status();
    let message = match status {
        StatusCode::UNAUTHORIZED => "Unauthenticated.".to_owned(),
        StatusCode::NOT_FOUND => "Not found.".to_owned(),
        StatusCode::METHOD_NOT_ALLOWED => "Method not allowed.".to_owned(),
        StatusCode::PAYLOAD_TOO_LARGE => "The request body is too large.".to_owned(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            "Unsupported content type; send application/json.".to_owned()
        }
        status if status.is_server_error() => {
            tracing::error!(%error, "request failed");
            "Server error.".to_owned()
        }
        status => status
            .canonical_reason()
            .map_or_else(|| error.to_string(), |reason| format!("{reason}.")),
    };
    let mut response = body(message).into_response();
    response.set_status(status);
    response
}
