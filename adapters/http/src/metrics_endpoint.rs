//! `GET /metrics`: the Prometheus text exposition, for operators, behind its own bearer token
//! (`CONFAB_METRICS_TOKEN`; without it the route does not exist, a 404 like any unknown path).
//! Also counts and times every API request by the document's path template, so a label never
//! holds an id and the set of series stays as small as the document.

use std::sync::Arc;
use std::time::Instant;

use confab_domain::DomainError;
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response};

use crate::document_routes::DocumentRoutes;
use crate::error::ApiError;

/// What `bin` hands the HTTP adapter when metrics are on: the token scrapers present, and the
/// exposition (the recorder's, refreshed with the figures that are read rather than counted).
#[derive(Clone)]
pub struct MetricsEndpoint {
    pub token: String,
    pub render: Arc<dyn Fn() -> String + Send + Sync>,
}

/// Constant-time, so a wrong token's timing does not tell how much of it was right.
fn same_token(given: &str, expected: &str) -> bool {
    given.len() == expected.len()
        && given
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0
}

/// The handler of `GET /metrics`.
pub(crate) fn endpoint(metrics: MetricsEndpoint) -> impl Endpoint<Output = Response> {
    poem::endpoint::make_sync(move |request: Request| {
        let given = request
            .header("authorization")
            .and_then(|value| value.strip_prefix("Bearer "))
            .unwrap_or_default();
        if !same_token(given, &metrics.token) {
            return ApiError::from(DomainError::Unauthenticated).into_response();
        }
        (metrics.render)()
            .with_content_type("text/plain; version=0.0.4; charset=utf-8")
            .into_response()
    })
    .map_to_response()
}

/// `endpoint` with every request counted (`confab_http_requests_total{route, method, status}`)
/// and timed (`confab_http_request_duration_seconds{route, method}`); paths the document does
/// not have count as `route="other"` (`/metrics` itself as `/metrics`).
pub(crate) fn with_request_metrics(
    endpoint: impl Endpoint<Output = Response> + 'static,
    routes: DocumentRoutes,
) -> impl Endpoint<Output = Response> {
    endpoint.around(move |next, request: Request| {
        let routes = routes.clone();
        async move {
            let started = Instant::now();
            let method = request.method().as_str().to_owned();
            let path = request.uri().path();
            let route = match routes.template_of(path) {
                Some(template) => template.to_string(),
                None if path == "/metrics" => path.to_owned(),
                None => "other".to_owned(),
            };
            let outcome = next.call(request).await;
            let status = match &outcome {
                Ok(response) => response.status(),
                Err(error) => error.status(),
            };
            metrics::counter!(
                "confab_http_requests_total",
                "route" => route.clone(),
                "method" => method.clone(),
                "status" => status.as_u16().to_string(),
            )
            .increment(1);
            metrics::histogram!(
                "confab_http_request_duration_seconds",
                "route" => route,
                "method" => method,
            )
            .record(started.elapsed().as_secs_f64());
            outcome
        }
    })
}

#[cfg(test)]
mod tests {
    use poem::http::StatusCode;

    use super::*;

    #[test]
    fn only_the_exact_token_passes() {
        assert!(same_token("s3cret-token", "s3cret-token"));
        assert!(!same_token("s3cret-tokeN", "s3cret-token"));
        assert!(!same_token("s3cret", "s3cret-token"));
        assert!(!same_token("", "s3cret-token"));
    }

    #[test]
    fn a_status_of_an_error_is_what_the_client_got() {
        let error = poem::Error::from_status(StatusCode::NOT_FOUND);
        assert_eq!(error.status(), StatusCode::NOT_FOUND);
    }
}
