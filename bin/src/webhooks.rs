//! Webhooks' wiring: the settings from `CONFAB_WEBHOOK_*`, the renderer the repositories store
//! chat events with, the hub's lifecycle events, and the delivery loops (see the realtime
//! adapter's `webhooks` module and the `deliver_webhooks` use case); and the same for each app of
//! `CONFAB_APPS_FILE` that names URLs (`start_for_apps`). A removed app's delivery loops run on
//! until shutdown, so what it had stored is still sent.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use confab_application::use_cases::deliver_webhooks::WebhookDelivery;
use confab_domain::ports::{NoWebhooks, WebhookOutbox, WebhookRenderer};
use confab_persistence::{SeaWebhookOutbox, SystemClock};
use confab_realtime::Realtime;
use confab_realtime::webhooks::{
    ChatWebhooks, Dispatch, EventFilter, HttpWebhookSender, WebhookSettings,
};
use sea_orm::DatabaseConnection;
use tokio::sync::watch;

use crate::config::Cli;
use crate::wiring::{self, BoxError};

/// Webhooks as configured; with no URL, off (nothing rendered, stored or sent).
pub struct Webhooks {
    settings: Option<WebhookSettings>,
    renderer: Arc<dyn WebhookRenderer>,
    outbox: Option<Arc<SeaWebhookOutbox>>,
    /// `CONFAB_WEBHOOK_RETRY_MAX` and `CONFAB_WEBHOOK_TIMEOUT`, for the apps' webhooks too.
    longest_wait: Duration,
    timeout: Duration,
    db: DatabaseConnection,
}

/// The delivery loops of the apps of `CONFAB_APPS_FILE` (each names its own URLs), started as
/// the apps are loaded.
#[derive(Clone, Default)]
pub struct AppDispatches(Arc<Mutex<Vec<Dispatch>>>);

impl AppDispatches {
    /// Stops them as [`Dispatch::finish`] does.
    pub async fn finish(&self, grace: Duration) {
        let running = std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner));
        for dispatch in running {
            dispatch.finish(grace).await;
        }
    }
}

impl Webhooks {
    /// # Errors
    /// A URL that is not `http(s)://…`, an unknown event name.
    pub fn configure(cli: &Cli, db: &DatabaseConnection) -> Result<Self, BoxError> {
        let urls: Vec<String> = cli
            .webhook_urls
            .iter()
            .map(|url| url.trim().to_owned())
            .filter(|url| !url.is_empty())
            .collect();
        let longest_wait = Duration::from_secs(cli.webhook_retry_max.max(1));
        let timeout = Duration::from_secs(cli.webhook_timeout.max(1));
        if urls.is_empty() {
            return Ok(Self {
                settings: None,
                renderer: Arc::new(NoWebhooks),
                outbox: None,
                longest_wait,
                timeout,
                db: db.clone(),
            });
        }
        for url in &urls {
            let parsed: Result<http::Uri, _> = url.parse();
            let scheme_ok = parsed
                .as_ref()
                .ok()
                .and_then(http::Uri::scheme_str)
                .is_some_and(|scheme| scheme == "http" || scheme == "https");
            if !scheme_ok {
                return Err(
                    format!("CONFAB_WEBHOOK_URLS: {url:?} is not an http(s):// URL").into(),
                );
            }
        }
        let events = EventFilter::parse(&cli.webhook_events)
            .map_err(|error| format!("CONFAB_WEBHOOK_EVENTS: {error}"))?;
        let app = wiring::app_credentials(cli)?;
        let settings = WebhookSettings {
            urls: urls.clone(),
            events,
            key: app.key,
            secret: app.secret,
            timeout,
        };
        let renderer = Arc::new(ChatWebhooks::new(
            &settings,
            Arc::new(crate::wiring::api_json()),
        ));
        Ok(Self {
            settings: Some(settings),
            renderer,
            outbox: Some(Arc::new(
                SeaWebhookOutbox::new(db.clone(), urls).with_post_timeout(timeout),
            )),
            longest_wait,
            timeout,
            db: db.clone(),
        })
    }

    /// What the repositories render chat events with.
    pub fn renderer(&self) -> Arc<dyn WebhookRenderer> {
        self.renderer.clone()
    }

    /// Tells the hub's lifecycle events to the outbox and starts a delivery loop per URL, until
    /// `stopped` (then [`Dispatch::finish`]); `None` when webhooks are off.
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn start(
        &self,
        realtime: Option<&Realtime>,
        stopped: watch::Receiver<bool>,
    ) -> Result<Option<Dispatch>, BoxError> {
        let (Some(settings), Some(outbox)) = (&self.settings, &self.outbox) else {
            return Ok(None);
        };
        let outbox: Arc<dyn WebhookOutbox> = outbox.clone();
        if let Some(realtime) = realtime {
            realtime.tell_webhooks(outbox.clone(), settings.events.clone());
        }
        // Scaled out, leases are held as the node's cluster id: the node that notices this one
        // died lets go of them at once.
        let node = realtime
            .and_then(Realtime::node_id)
            .unwrap_or_else(|| format!("{:016x}", rand::random::<u64>()));
        let delivery = WebhookDelivery::new(
            outbox.clone(),
            Arc::new(HttpWebhookSender::new(settings)?),
            Arc::new(SystemClock),
            node,
        )
        .with_longest_wait(self.longest_wait);
        tracing::info!(urls = settings.urls.len(), "webhooks on");
        Ok(Some(confab_realtime::webhooks::deliver(
            delivery,
            outbox,
            &settings.urls,
            stopped,
        )))
    }

    /// How the apps of `CONFAB_APPS_FILE` get their webhooks (call before they are loaded): each
    /// app's URLs as destinations of its own in the one outbox table, signed with its key and
    /// secret, delivered by loops like the chat app's until `stopped`.
    pub fn start_for_apps(
        &self,
        realtime: &Realtime,
        stopped: watch::Receiver<bool>,
    ) -> AppDispatches {
        let running = AppDispatches::default();
        let dispatches = running.clone();
        let (db, timeout, longest_wait) = (self.db.clone(), self.timeout, self.longest_wait);
        let node = realtime
            .node_id()
            .unwrap_or_else(|| format!("{:016x}", rand::random::<u64>()));
        realtime.tell_app_webhooks(Arc::new(move |mut settings: WebhookSettings| {
            settings.timeout = timeout;
            let outbox: Arc<dyn WebhookOutbox> = Arc::new(
                SeaWebhookOutbox::new(db.clone(), settings.urls.clone()).with_post_timeout(timeout),
            );
            match HttpWebhookSender::new(&settings) {
                Ok(sender) => {
                    let delivery = WebhookDelivery::new(
                        outbox.clone(),
                        Arc::new(sender),
                        Arc::new(SystemClock),
                        node.clone(),
                    )
                    .with_longest_wait(longest_wait);
                    let dispatch = confab_realtime::webhooks::deliver(
                        delivery,
                        outbox.clone(),
                        &settings.urls,
                        stopped.clone(),
                    );
                    dispatches
                        .0
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(dispatch);
                }
                // Stored, not sent: the next start delivers them.
                Err(error) => tracing::error!(%error, "an app's webhooks cannot be sent"),
            }
            outbox
        }));
        running
    }
}
