//! The POST itself: `{"time_ms": <now>, "events": [ … ]}` with `X-Pusher-Key` and
//! `X-Pusher-Signature` (hex HMAC-SHA256 of the body, keyed with the app secret) — what
//! `pusher.webhook(request).isValid()` and the other Pusher server SDKs check. A status other
//! than 2xx, a timeout or a refused connection is a failure, retried by the use case.
//!
//! HTTP and HTTPS through hyper's pooled client with rustls on ring (the TLS the database driver
//! already brings) and the Mozilla roots built in, so a container without CA files still verifies.

use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use confab_domain::ports::WebhookSender;
use confab_domain::{DomainError, Timestamp};
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::WebhookSettings;
use crate::pusher::signature;

/// [`WebhookSender`] over HTTP(S).
pub struct HttpWebhookSender {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    key: String,
    secret: String,
    timeout: Duration,
}

impl HttpWebhookSender {
    /// # Errors
    /// When TLS cannot be set up with the built-in roots.
    pub fn new(settings: &WebhookSettings) -> Result<Self, String> {
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
            .map_err(|error| format!("webhook TLS: {error}"))?
            .https_or_http()
            .enable_http1()
            .build();
        Ok(Self {
            client: Client::builder(TokioExecutor::new()).build(connector),
            key: settings.key.clone(),
            secret: settings.secret.clone(),
            timeout: settings.timeout,
        })
    }

    /// The POST and the whole answer, read so the connection can serve the next batch.
    async fn post(&self, destination: &str, body: String) -> Result<http::StatusCode, String> {
        let signature = signature::sign(&self.secret, &body);
        // A fragment is never sent: an app of `CONFAB_APPS_FILE` names its destinations with one
        // (`apps`), to keep them apart from another app's same URL.
        let url = destination
            .split_once('#')
            .map_or(destination, |(url, _)| url);
        let request = http::Request::post(url)
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(
                http::header::USER_AGENT,
                concat!("confab/", env!("CARGO_PKG_VERSION")),
            )
            .header("X-Pusher-Key", &self.key)
            .header("X-Pusher-Signature", signature)
            .body(Full::new(Bytes::from(body)))
            .map_err(|error| format!("not a URL a request can go to: {error}"))?;
        let response = self
            .client
            .request(request)
            .await
            .map_err(|error| format!("{error:?}"))?;
        let status = response.status();
        response
            .into_body()
            .collect()
            .await
            .map_err(|error| error.to_string())?;
        Ok(status)
    }
}

/// The body of one batch: `events` are already JSON objects.
pub(super) fn body(events: &[String], now: Timestamp) -> String {
    format!(
        r#"{{"time_ms":{},"events":[{}]}}"#,
        now.timestamp_millis(),
        events.join(",")
    )
}

#[async_trait]
impl WebhookSender for HttpWebhookSender {
    async fn send(
        &self,
        destination: &str,
        events: &[String],
        now: Timestamp,
    ) -> Result<(), DomainError> {
        let sent = tokio::time::timeout(self.timeout, self.post(destination, body(events, now)));
        match sent.await {
            Ok(Ok(status)) if status.is_success() => Ok(()),
            Ok(Ok(status)) => Err(DomainError::Unavailable(format!("answered {status}"))),
            Ok(Err(reason)) => Err(DomainError::Unavailable(reason)),
            Err(_) => Err(DomainError::Unavailable(format!(
                "no answer within {} ms",
                self.timeout.as_millis()
            ))),
        }
    }
}
