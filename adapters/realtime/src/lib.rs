//! Confab's realtime adapter: a Pusher-protocol v7 WebSocket server that laravel-echo 2 and
//! pusher-js 8 use unchanged (as they would Laravel Reverb), the Pusher HTTP API for server SDKs,
//! the plain-WebSocket envelope protocol of the learning README (`{id, type, from, to, ts,
//! payload}`), and the domain's `Broadcaster` and `ChannelSigner` ports. One hub serves both
//! wire formats: a message sent anywhere reaches Pusher and envelope sockets alike.
//!
//! Where Reverb has known weak spots this server does not share them: whispers only on private
//! and presence channels the sender is subscribed to, `auth_timestamp` checked, presence counted
//! per user, slow sockets dropped instead of buffered without bound, and removed members cut off
//! at once (live revocation).
//!
//! Layout, one room per concern (each room's module doc says what it depends on):
//! [`apps`] is every Pusher app served (the chat app and those of `CONFAB_APPS_FILE`), each a hub
//! of its own, found by key or id; [`hub`] owns channels and subscribers; [`pusher`] is the Pusher
//! doors (socket, events, signatures, channel auth, the Pusher REST API) over [`protocol`], the
//! Pusher wire format the hub itself speaks (so it sits below the hub); [`envelope`] is the
//! envelope protocol (its format, socket and catch-up); [`connection`] is what both sockets
//! share (admission, the read-loop skeleton, the writer, idle pings); [`scaling`] links several
//! nodes through Redis (`REVERB_SCALING_ENABLED`), and is not started at all on a single node;
//! [`webhooks`] tells Pusher's lifecycle and Confab's chat events. Beside them: [`config`] and
//! [`broadcaster`] (the `Broadcaster` port), [`api_json`] (the API's JSON shapes events carry, rendered by the HTTP adapter),
//! [`room_guard`] (keeps a removal in force on a node that may have missed it).

mod api_json;
mod apps;
mod broadcaster;
mod config;
mod connection;
mod envelope;
mod hub;
mod protocol;
mod pusher;
mod room_guard;
mod scaling;
pub mod webhooks;

use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use confab_application::Confab;
use confab_domain::ports::{Broadcaster, ChannelSigner, WebhookOutbox};
use poem::{EndpointExt, Route, get, post};

pub use api_json::ApiJson;
pub use apps::Reloaded;
pub use config::{AppSettings, RealtimeConfig, parse_apps_file};
pub use hub::RealtimeFigures;
pub use scaling::ScalingConfig;

use crate::apps::Apps;
use crate::hub::{Hub, Kill};
use crate::protocol::codes;
use crate::pusher::{rest_api, signer, socket as pusher_socket};
use crate::room_guard::RoomGuard;
use crate::scaling::{Cluster, Nodes};
use crate::webhooks::Lifecycle;

/// How long `shutdown` waits for sockets to finish saying goodbye.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// The realtime server: cheap to clone, every clone shares the same hubs.
#[derive(Clone)]
pub struct Realtime {
    /// The chat app's hub: the one the chat API broadcasts to and the envelope sockets join.
    hub: Arc<Hub>,
    /// Every Pusher app, the chat app's hub among them (see `apps`).
    apps: Arc<Apps>,
    cluster: Option<Arc<Cluster>>,
    guard: Arc<RoomGuard>,
    messages: Arc<ApiJson>,
    /// Set once webhooks are on (`tell_webhooks`).
    webhooks: Arc<OnceLock<Lifecycle>>,
}

/// The state of the link to the other nodes, for `/health`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalingStatus {
    /// A single node: no Redis.
    Disabled,
    /// Connected: events reach the other nodes.
    Connected,
    /// Redis does not answer: this node serves its own sockets and keeps reconnecting.
    Unavailable,
}

impl Realtime {
    /// A single node: every socket is this process's. `messages` renders the API's message
    /// object for events (the HTTP adapter's, so both are one shape).
    pub fn new(config: RealtimeConfig, messages: Arc<ApiJson>) -> Self {
        let hub = Arc::new(Hub::new(config));
        let chat = Nodes {
            hub: hub.clone(),
            link: None,
        };
        Self {
            hub,
            apps: Arc::new(Apps::new(chat, None)),
            cluster: None,
            guard: Arc::default(),
            messages,
            webhooks: Arc::default(),
        }
    }

    /// One node of several sharing `scaling.redis_url` (see the `scaling` module): must be called
    /// inside a Tokio runtime. Returns at once; Redis is connected (and reconnected) in the
    /// background, and the node serves its own sockets meanwhile.
    ///
    /// # Errors
    /// A `redis_url` that is not a Redis URL.
    pub fn with_scaling(
        config: RealtimeConfig,
        messages: Arc<ApiJson>,
        scaling: &ScalingConfig,
    ) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        let hub = Arc::new(Hub::new(config));
        let guard = Arc::new(RoomGuard::default());
        let cluster = Cluster::start(&hub, scaling, guard.clone())?;
        let chat = Nodes {
            hub: hub.clone(),
            link: Some(cluster.link.clone()),
        };
        Ok(Self {
            hub,
            apps: Arc::new(Apps::new(chat, Some(scaling.clone()))),
            cluster: Some(Arc::new(cluster)),
            guard,
            messages,
            webhooks: Arc::default(),
        })
    }

    /// Gives the server the application, once it exists (it is built with this server's
    /// broadcaster): with scaling on, a node that may have missed a revocation asks it who is
    /// still in a room before delivering there (see `room_guard`).
    pub fn confirm_rooms_with(&self, app: Confab) {
        self.guard.set_app(app);
    }

    /// Webhooks on: the hub's channel, member and client events are stored in `outbox` from now
    /// on (call before the listeners start); with scaling on, a channel's occupancy is the
    /// cluster's (see `webhooks::lifecycle`).
    pub fn tell_webhooks(&self, outbox: Arc<dyn WebhookOutbox>, events: webhooks::EventFilter) {
        let lifecycle = Lifecycle::start(outbox, events);
        let lifecycle = match &self.cluster {
            Some(cluster) => {
                let votes = cluster.decide_occupancy(Arc::new(lifecycle.clone()));
                lifecycle.with_cluster(votes)
            }
            None => lifecycle,
        };
        // Kept here too, for the last flush at shutdown.
        let _ = self.webhooks.set(lifecycle.clone());
        self.hub.tell_lifecycle(Arc::new(lifecycle));
    }

    /// Serves the apps of `CONFAB_APPS_FILE` (its text, `json`) beside the chat app: at startup,
    /// and again on each reload (see the `apps` module for what a reload changes).
    ///
    /// # Errors
    /// What is wrong with the file (naming the app), or a Redis URL that is not one; the apps
    /// served stay as they were.
    pub fn load_apps(&self, json: &str) -> Result<Reloaded, String> {
        let apps = parse_apps_file(json, &self.hub.config())?;
        self.apps.reload(apps)
    }

    /// How the apps of the file get their webhooks (each app names its own URLs; call before
    /// [`load_apps`](Self::load_apps)): `webhooks` is given the settings of an app that names
    /// URLs, starts its delivery, and answers the outbox its lifecycle events are stored in.
    pub fn tell_app_webhooks(&self, webhooks: webhooks::WebhooksFor) {
        self.apps.set_webhooks(Arc::new(webhooks::PerApp(webhooks)));
    }

    /// This node's id in the cluster (scaling on): what it holds webhook leases as, so that a
    /// node noticing its death can let go of them (see `LifecycleEvents::node_gone`).
    pub fn node_id(&self) -> Option<String> {
        self.cluster
            .as_ref()
            .map(|cluster| cluster.link.node.clone())
    }

    /// Whether the other nodes are reachable.
    pub fn scaling_status(&self) -> ScalingStatus {
        match &self.cluster {
            None => ScalingStatus::Disabled,
            Some(cluster) if cluster.is_up() => ScalingStatus::Connected,
            Some(_) => ScalingStatus::Unavailable,
        }
    }

    /// The chat app's settings.
    pub fn config(&self) -> Arc<RealtimeConfig> {
        self.hub.config()
    }

    /// The `Broadcaster` port: domain events to the sockets listening for them.
    pub fn broadcaster(&self) -> Arc<dyn Broadcaster> {
        Arc::new(broadcaster::PusherBroadcaster::new(
            self.hub.clone(),
            self.guard.clone(),
            self.messages.clone(),
        ))
    }

    /// The `ChannelSigner` port: channel auth for `POST /api/broadcasting/auth`.
    pub fn channel_signer(&self) -> Arc<dyn ChannelSigner> {
        Arc::new(signer::PusherSigner::new(self.hub.clone()))
    }

    /// The Pusher routes of the realtime listener: the WebSocket at `{prefix}/app/{key}`, the
    /// Pusher HTTP API under `{prefix}/apps/{app_id}/`, and Reverb's `GET /up` health check.
    pub fn routes(&self) -> impl poem::Endpoint + 'static {
        self.pusher_routes().data(self.apps.clone())
    }

    /// Every route of the realtime listener: [`routes`](Self::routes), and the envelope protocol
    /// on every other path (`/`, so `new WebSocket('ws://host:port?token=…')` works, and any path
    /// the Pusher routes do not claim).
    pub fn routes_with_envelopes(&self, app: Confab) -> impl poem::Endpoint + 'static {
        self.pusher_routes()
            .at("/", self.envelope_endpoint(app.clone()))
            .at("/*path", self.envelope_endpoint(app))
            .data(self.apps.clone())
    }

    /// The envelope protocol's WebSocket (`GET`, token in `?token=` or `Authorization: Bearer`),
    /// sharing this server's hub: for the realtime listener's fallback and `/ws` on the API
    /// listener.
    pub fn envelope_endpoint(
        &self,
        app: Confab,
    ) -> impl poem::Endpoint<Output = poem::Response> + 'static {
        get(envelope::upgrade).data(envelope::Door {
            hub: self.hub.clone(),
            app,
            messages: self.messages.clone(),
        })
    }

    fn pusher_routes(&self) -> Route {
        let prefix = self.hub.config().normalized_prefix();
        let apps = format!("{prefix}/apps/:app_id");
        Route::new()
            .at("/up", get(rest_api::health))
            .at(format!("{prefix}/app/:key"), get(pusher_socket::upgrade))
            .at(format!("{apps}/events"), post(rest_api::publish_event))
            .at(
                format!("{apps}/batch_events"),
                post(rest_api::publish_batch),
            )
            .at(format!("{apps}/channels"), get(rest_api::list_channels))
            .at(
                format!("{apps}/channels/:channel"),
                get(rest_api::show_channel),
            )
            .at(
                format!("{apps}/channels/:channel/users"),
                get(rest_api::list_channel_users),
            )
            .at(
                format!("{apps}/connections"),
                get(rest_api::count_connections),
            )
            .at(
                format!("{apps}/users/:user_id/terminate_connections"),
                post(rest_api::terminate_user_connections),
            )
            .at(
                format!("{apps}/users/:user_id/events"),
                post(rest_api::send_to_user),
            )
    }

    /// Tells every socket `pusher:error` 4200 "Server shutting down" (pusher-js reconnects at
    /// once, to whichever instance comes up), closes them, refuses new ones, and waits up to five
    /// seconds for the goodbyes to be written.
    pub async fn shutdown(&self) {
        let goodbye = Kill::with_error(codes::RECONNECT, "Server shutting down");
        let hubs = self.apps.hubs();
        self.hub.close_all(&goodbye);
        self.apps.close_others(&goodbye).await;
        let waited = tokio::time::timeout(SHUTDOWN_GRACE, async {
            while hubs
                .iter()
                .any(|hub| hub.live_tasks.load(Ordering::SeqCst) > 0)
            {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await;
        if waited.is_err() {
            tracing::warn!("some realtime sockets did not close within the shutdown grace period");
        }
        if let Some(cluster) = &self.cluster {
            cluster.stop().await;
        }
        // The last channels vacated and members removed reach the outbox before the database
        // closes.
        if let Some(lifecycle) = self.webhooks.get() {
            lifecycle.flush(SHUTDOWN_GRACE).await;
        }
    }

    /// Sockets currently connected (both wire formats, every app).
    pub fn connection_count(&self) -> usize {
        self.apps
            .hubs()
            .iter()
            .map(|hub| hub.connection_count())
            .sum()
    }

    /// Connections, channels, deliveries and slow consumers on this node.
    pub fn figures(&self) -> RealtimeFigures {
        self.hub.figures()
    }
}
