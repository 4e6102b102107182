//! The request log: poem's `Tracing` middleware, except that it logs the path and never the query
//! string. Query strings here carry secrets that must not land in a log file: the token of a
//! data export's download link (a day's access to everything a person has), and the signatures
//! of attachment links. Everything else is as `Tracing` writes it: a `request` span (remote
//! address, version, method, path, request id) around one INFO line with the status and duration.

use std::time::Instant;

use poem::middleware::ReqId;
use poem::web::RealIp;
use poem::{Endpoint, FromRequest, IntoResponse, Middleware, Request, Response, Result};
use tracing::Instrument;

/// The middleware (see the module's documentation).
pub struct RequestLog;

impl<E: Endpoint> Middleware<E> for RequestLog {
    type Output = RequestLogEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        RequestLogEndpoint { inner }
    }
}

/// The endpoint [`RequestLog`] wraps.
pub struct RequestLogEndpoint<E> {
    inner: E,
}

impl<E: Endpoint> Endpoint for RequestLogEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> Result<Self::Output> {
        let remote_addr = RealIp::from_request_without_body(&req)
            .await
            .ok()
            .and_then(|real_ip| real_ip.0)
            .map_or_else(|| req.remote_addr().to_string(), |addr| addr.to_string());
        let request_id = req
            .extensions()
            .get::<ReqId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        let span = tracing::info_span!(
            "request",
            remote_addr = %remote_addr,
            version = ?req.version(),
            method = %req.method(),
            // Applied around the whole API, before any `nest` strips a prefix: the URI here is
            // the one the request arrived with.
            path = %req.uri().path(),
            request_id = %request_id,
        );
        async move {
            let started = Instant::now();
            let answered = self.inner.call(req).await;
            let duration = started.elapsed();
            match answered {
                Ok(response) => {
                    let response = response.into_response();
                    tracing::info!(status = %response.status(), ?duration, "response");
                    Ok(response)
                }
                Err(error) => {
                    tracing::info!(status = %error.status(), %error, ?duration, "error");
                    Err(error)
                }
            }
        }
        .instrument(span)
        .await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use poem::http::Uri;
    use poem::{EndpointExt, Route, handler};

    use super::*;

    #[handler]
    fn hello() -> &'static str {
        "hello"
    }

    /// What the log received.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn the_log_names_the_path_and_status_but_never_the_query() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        let _logging = tracing::subscriber::set_default(subscriber);
        let app = Route::new().at("/hi", poem::get(hello)).with(RequestLog);
        let request = Request::builder()
            .uri(Uri::from_static("/hi?token=s3cret&signature=abc"))
            .finish();
        let answer = app.call(request).await.unwrap();
        assert_eq!(answer.into_body().into_string().await.unwrap(), "hello");
        let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert!(
            log.contains("path=/hi") && log.contains("status=200"),
            "{log}"
        );
        assert!(
            !log.contains("s3cret") && !log.contains("signature"),
            "{log}"
        );
    }
}
