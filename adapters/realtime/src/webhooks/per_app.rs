//! The webhooks of the apps of `CONFAB_APPS_FILE` (see the `apps` module): each app that names
//! URLs gets a lifecycle of its own, stored in the outbox under destinations of its own
//! (`{url}#app={app_id}`: the fragment is never sent, and keeps two apps that post to one URL
//! apart) and signed with its own key and secret by the delivery loops the wiring starts.

use std::sync::Arc;
use std::time::Duration;

use confab_domain::ports::WebhookOutbox;

use super::{EventFilter, Lifecycle, WebhookSettings};
use crate::apps::{AppWebhooks, Flush};
use crate::config::AppSettings;
use crate::hub::Hub;
use crate::scaling::Cluster;

/// Starts an app's webhooks: given its settings (its destinations, events, key and secret; the
/// timeout is the wiring's to set), the wiring starts the delivery loops and answers the outbox
/// its lifecycle events are stored in.
pub type WebhooksFor = Arc<dyn Fn(WebhookSettings) -> Arc<dyn WebhookOutbox> + Send + Sync>;

/// [`AppWebhooks`] through the wiring's [`WebhooksFor`].
pub(crate) struct PerApp(pub(crate) WebhooksFor);

impl AppWebhooks for PerApp {
    fn check(&self, app: &AppSettings) -> Result<(), String> {
        webhook_settings(app).map(|_| ())
    }

    fn start(
        &self,
        app: &AppSettings,
        hub: &Arc<Hub>,
        cluster: Option<&Arc<Cluster>>,
    ) -> Option<Flush> {
        let wanted = webhook_settings(app).ok().flatten()?;
        let events = wanted.events.clone();
        let lifecycle = Lifecycle::start((self.0)(wanted), events);
        let lifecycle = match cluster {
            Some(cluster) => {
                let votes = cluster.decide_occupancy(Arc::new(lifecycle.clone()));
                lifecycle.with_cluster(votes)
            }
            None => lifecycle,
        };
        hub.tell_lifecycle(Arc::new(lifecycle.clone()));
        Some(Box::new(move |wait: Duration| {
            let lifecycle = lifecycle.clone();
            Box::pin(async move { lifecycle.flush(wait).await })
        }))
    }
}

/// An app's webhooks as the wiring starts them, `None` without URLs.
///
/// # Errors
/// A URL that is not `http(s)://` or has a fragment, an unknown event name; naming the app.
fn webhook_settings(app: &AppSettings) -> Result<Option<WebhookSettings>, String> {
    let Some((urls, events)) = &app.webhooks else {
        return Ok(None);
    };
    let id = &app.config.app_id;
    let events = EventFilter::parse(&events.join(","))
        .map_err(|error| format!("CONFAB_APPS_FILE, app {id}, webhooks: {error}"))?;
    let destinations = urls
        .iter()
        .map(|url| {
            let url = url.trim();
            let scheme = url.split_once("://").map(|(scheme, _)| scheme);
            if !matches!(scheme, Some("http" | "https")) || url.contains('#') {
                return Err(format!(
                    "CONFAB_APPS_FILE, app {id}, webhooks: {url:?} is not an http(s):// URL without a fragment"
                ));
            }
            Ok(format!("{url}#app={id}"))
        })
        .collect::<Result<_, _>>()?;
    Ok(Some(WebhookSettings {
        urls: destinations,
        events,
        key: app.config.key.clone(),
        secret: app.config.secret.clone(),
        timeout: Duration::from_secs(10),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{RealtimeConfig, parse_apps_file};

    fn app(webhooks: &str) -> AppSettings {
        let json = format!(
            r#"{{"apps": [{{"app_id": "shop", "key": "k", "secret": "s", "webhooks": {webhooks}}}]}}"#
        );
        parse_apps_file(&json, &RealtimeConfig::default())
            .unwrap()
            .remove(0)
    }

    #[test]
    fn an_apps_destinations_are_its_urls_named_with_its_id_and_signed_with_its_secret() {
        let settings = webhook_settings(&app(r#"{"urls": ["https://hooks.test/in"]}"#))
            .unwrap()
            .unwrap();
        assert_eq!(settings.urls, ["https://hooks.test/in#app=shop"]);
        assert_eq!(
            (settings.key.as_str(), settings.secret.as_str()),
            ("k", "s")
        );
        assert!(settings.events.wants("channel_occupied"));
        assert_eq!(
            webhook_settings(&app(r#"{"urls": []}"#))
                .unwrap()
                .map(|s| s.urls),
            None
        );
    }

    #[test]
    fn a_bad_url_or_event_name_is_refused_naming_the_app() {
        for bad in [
            r#"{"urls": ["ftp://hooks.test"]}"#,
            r#"{"urls": ["https://hooks.test/in#x"]}"#,
            r#"{"urls": ["https://hooks.test"], "events": ["channel_burnt"]}"#,
        ] {
            let error = webhook_settings(&app(bad)).unwrap_err();
            assert!(error.contains("app shop"), "{bad}: {error}");
        }
    }
}
