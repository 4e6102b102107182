//! Several Pusher apps on one server: the chat app (`REVERB_APP_*`) and those of
//! `CONFAB_APPS_FILE` (see `config::apps_file`), as Reverb, Soketi and Sockudo serve several.
//!
//! Each app is a hub of its own: its channels, presence, counts, limits and signatures, so nothing
//! one app does reaches another's sockets, and a key or secret of one app opens nothing of
//! another's (an unknown key is refused with 4001, an unknown app id with 404). With scaling on,
//! each app's hub joins a cluster of its own, under its own Redis namespace
//! (`confab:{REVERB_SCALING_CHANNEL}:apps:{app_id}:…`), so every app works across nodes as the chat
//! app does. Webhooks, when an app names URLs, are its own too: its lifecycle events, signed with
//! its key and secret, stored under destinations of its own (`{url}#app={app_id}`: the fragment,
//! never sent, keeps two apps posting to one URL apart in the outbox).
//!
//! A reload (`SIGHUP`) adds the new apps, gives the changed ones their new settings without
//! touching their sockets (a new secret signs from then on), and closes the sockets of the removed
//! ones with `pusher:error` 4001. The chat app is not in the file and is never reloaded.
//!
//! Depends on: the hub, scaling (an app's `Cluster` and `Nodes`), `config` and `protocol` (the
//! close code). Not on webhooks, which render with the pusher module, which finds apps here: they
//! implement [`AppWebhooks`] instead.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use crate::config::AppSettings;
use crate::hub::{Hub, Kill};
use crate::protocol::codes;
use crate::room_guard::RoomGuard;
use crate::scaling::{Cluster, Nodes, ScalingConfig};

/// One app: its hub and, with scaling on, its link to the other nodes.
struct App {
    nodes: Nodes,
    cluster: Option<Arc<Cluster>>,
    /// What it was started or last reloaded with.
    settings: AppSettings,
    /// Its webhooks, when it has any: flushed at shutdown.
    webhooks: Option<Flush>,
}

/// What a reload did, for the log.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Reloaded {
    pub added: Vec<String>,
    pub changed: Vec<String>,
    pub removed: Vec<String>,
}

/// Stores what an app's webhooks still hold (its last lifecycle events), waiting at most the
/// duration given.
pub(crate) type Flush =
    Box<dyn Fn(Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// How the apps' webhooks start (the webhooks module's `PerApp`).
pub(crate) trait AppWebhooks: Send + Sync {
    /// Whether `app`'s webhook settings can start: a reload refuses the whole file otherwise.
    ///
    /// # Errors
    /// What is wrong, naming the app.
    fn check(&self, app: &AppSettings) -> Result<(), String>;

    /// Starts `app`'s webhooks, when it names URLs, and tells them its hub's lifecycle events.
    fn start(
        &self,
        app: &AppSettings,
        hub: &Arc<Hub>,
        cluster: Option<&Arc<Cluster>>,
    ) -> Option<Flush>;
}

/// Every app this server serves, found by key (sockets) or by id (the HTTP API).
pub(crate) struct Apps {
    chat: Nodes,
    others: RwLock<HashMap<String, App>>,
    scaling: Option<ScalingConfig>,
    webhooks: RwLock<Option<Arc<dyn AppWebhooks>>>,
}

impl Apps {
    pub(crate) fn new(chat: Nodes, scaling: Option<ScalingConfig>) -> Self {
        Self {
            chat,
            others: RwLock::default(),
            scaling,
            webhooks: RwLock::default(),
        }
    }

    /// The chat app's hub: also what refuses a socket whose key names no app.
    pub(crate) fn chat_hub(&self) -> &Arc<Hub> {
        &self.chat.hub
    }

    /// The hub of the app whose key is `key`.
    pub(crate) fn by_key(&self, key: &str) -> Option<Arc<Hub>> {
        if self.chat.hub.config().key == key {
            return Some(self.chat.hub.clone());
        }
        self.read()
            .values()
            .find(|app| app.settings.config.key == key)
            .map(|app| app.nodes.hub.clone())
    }

    /// The app whose id is `app_id`, as the HTTP API queries it.
    pub(crate) fn by_id(&self, app_id: &str) -> Option<Nodes> {
        if self.chat.hub.config().app_id == app_id {
            return Some(self.chat.clone());
        }
        self.read().get(app_id).map(|app| app.nodes.clone())
    }

    /// Every app's hub, the chat app's first.
    pub(crate) fn hubs(&self) -> Vec<Arc<Hub>> {
        let mut hubs = vec![self.chat.hub.clone()];
        hubs.extend(self.read().values().map(|app| app.nodes.hub.clone()));
        hubs
    }

    /// How apps named in the file get their webhooks: call before the apps are loaded.
    pub(crate) fn set_webhooks(&self, webhooks: Arc<dyn AppWebhooks>) {
        *self
            .webhooks
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(webhooks);
    }

    /// Makes the served apps those of `apps` (see the module doc).
    ///
    /// # Errors
    /// A Redis URL that is not one (scaling on); nothing is changed then.
    pub(crate) fn reload(&self, apps: Vec<AppSettings>) -> Result<Reloaded, String> {
        if let Some(webhooks) = self.app_webhooks() {
            for app in &apps {
                webhooks.check(app)?;
            }
        }
        let mut report = Reloaded::default();
        let mut others = self.others.write().unwrap_or_else(PoisonError::into_inner);
        // The new apps first: starting one can fail, and then nothing may have changed.
        let mut started: HashMap<String, App> = HashMap::new();
        for settings in apps
            .iter()
            .filter(|app| !others.contains_key(&app.config.app_id))
        {
            match self.start(settings.clone()) {
                Ok(app) => {
                    started.insert(settings.config.app_id.clone(), app);
                }
                Err(error) => {
                    started.into_values().for_each(stop);
                    return Err(error);
                }
            }
        }
        let mut next: HashMap<String, App> = HashMap::new();
        for settings in apps {
            let id = settings.config.app_id.clone();
            match others.remove(&id) {
                // An app's webhooks are started with it (its occupancy votes are bound to them):
                // changed ones take effect at the next start, and the log says so.
                Some(mut app) => {
                    if app.settings.webhooks != settings.webhooks {
                        tracing::warn!(app_id = %id, "an app's webhooks changed: they take effect at the next start");
                    }
                    if app.settings != settings {
                        app.nodes.hub.reconfigure(settings.config.clone());
                        app.settings = settings;
                        report.changed.push(id.clone());
                    }
                    next.insert(id, app);
                }
                None => {
                    if let Some(app) = started.remove(&id) {
                        report.added.push(id.clone());
                        next.insert(id, app);
                    }
                }
            }
        }
        for (id, app) in others.drain() {
            stop(app);
            report.removed.push(id);
        }
        *others = next;
        Ok(report)
    }

    /// A new app's hub, joined to its cluster and its webhooks.
    fn start(&self, settings: AppSettings) -> Result<App, String> {
        let hub = Arc::new(Hub::new(settings.config.clone()));
        let cluster = match &self.scaling {
            Some(scaling) => {
                let own = ScalingConfig::new(
                    scaling.redis_url.clone(),
                    format!("{}:apps:{}", scaling.channel, settings.config.app_id),
                );
                // Rooms are the chat app's: another app has none to guard.
                let cluster = Cluster::start(&hub, &own, Arc::new(RoomGuard::default()))
                    .map_err(|error| error.to_string())?;
                Some(Arc::new(cluster))
            }
            None => None,
        };
        let webhooks = self
            .app_webhooks()
            .and_then(|webhooks| webhooks.start(&settings, &hub, cluster.as_ref()));
        let link = cluster.as_ref().map(|cluster| cluster.link.clone());
        Ok(App {
            nodes: Nodes { hub, link },
            cluster,
            settings,
            webhooks,
        })
    }

    /// Closes every app of the file (shutdown): their sockets are told 4200, like the chat app's.
    pub(crate) async fn close_others(&self, kill: &Kill) {
        let apps: Vec<App> = self
            .others
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .drain()
            .map(|(_, app)| app)
            .collect();
        for app in &apps {
            app.nodes.hub.close_all(kill);
        }
        for app in apps {
            if let Some(cluster) = app.cluster {
                cluster.stop().await;
            }
            if let Some(flush) = app.webhooks {
                flush(SHUTDOWN_FLUSH).await;
            }
        }
    }

    fn app_webhooks(&self) -> Option<Arc<dyn AppWebhooks>> {
        self.webhooks
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, App>> {
        self.others.read().unwrap_or_else(PoisonError::into_inner)
    }
}

/// How long shutdown waits for an app's last lifecycle events to be stored.
const SHUTDOWN_FLUSH: Duration = Duration::from_secs(5);

/// A removed app: its sockets are told it no longer exists, and its cluster stops.
fn stop(app: App) {
    app.nodes.hub.close_all(&Kill::with_error(
        codes::APP_NOT_FOUND,
        "Application does not exist",
    ));
    if let Some(cluster) = app.cluster {
        tokio::spawn(async move { cluster.stop().await });
    }
}

#[cfg(test)]
mod tests;
