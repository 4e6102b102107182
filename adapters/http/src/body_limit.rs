//! A request-body cap that, unlike poem's `SizeLimit`, does not demand a `Content-Length` (GETs and
//! chunked uploads have none): a declared length over the cap is refused with 413 up front, and an
//! undeclared body is cut at the cap, so it fails to parse instead of filling memory.

use poem::http::StatusCode;
use poem::{Body, Endpoint, IntoResponse, Middleware, Request, Response, Result};
use tokio::io::AsyncReadExt;

pub struct BodyLimit(pub usize);

impl<E: Endpoint> Middleware<E> for BodyLimit {
    type Output = BodyLimitEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        BodyLimitEndpoint { inner, max: self.0 }
    }
}

pub struct BodyLimitEndpoint<E> {
    inner: E,
    max: usize,
}

impl<E: Endpoint> Endpoint for BodyLimitEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut request: Request) -> Result<Self::Output> {
        if streams_its_own_body(&request) {
            return self
                .inner
                .call(request)
                .await
                .map(IntoResponse::into_response);
        }
        let declared = request
            .header("content-length")
            .and_then(|length| length.parse::<usize>().ok());
        match declared {
            Some(length) if length > self.max => {
                return Err(poem::Error::from_status(StatusCode::PAYLOAD_TOO_LARGE));
            }
            Some(_) => {}
            None => {
                let capped = request.take_body().into_async_read().take(self.max as u64);
                request.set_body(Body::from_async_read(capped));
            }
        }
        self.inner
            .call(request)
            .await
            .map(IntoResponse::into_response)
    }
}

/// An upload (`POST …/attachments`, a direct upload's `PUT /api/v1/attachments/uploads/…`, an
/// avatar's `PUT /api/v1/user/avatar`):
/// its body goes to the file store as it arrives and is counted there against the upload limit
/// (or the announced size), so this cap, meant for JSON, would only cut it.
fn streams_its_own_body(request: &Request) -> bool {
    let path = request.uri().path();
    match *request.method() {
        poem::http::Method::POST => path.ends_with("/attachments"),
        poem::http::Method::PUT => {
            path.starts_with("/api/v1/attachments/uploads/") || path == "/api/v1/user/avatar"
        }
        _ => false,
    }
}
