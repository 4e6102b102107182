//! Builds the application from its adapters.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use confab_application::use_cases::build_export::ExportBuilding;
use confab_application::{Confab, Ports};
use confab_domain::ports::{Broadcaster, ChannelSigner, FileStore, NoBroadcaster, NoChannels};
use confab_domain::ports::{LoginThrottle, SendThrottle, TypingThrottle, WebhookRenderer};
use confab_http::security::{Argon2Passwords, JwtTokens};
use confab_http::{CorsOrigins, HttpSettings, Readiness, RealtimeInfo};
use confab_persistence::{
    InMemoryLoginThrottle, InMemorySendThrottle, InMemoryTypingThrottle, RedisLoginThrottle,
    RedisSendThrottle, RedisTypingThrottle, SeaAccountRepository, SeaAttachmentRepository,
    SeaConversationRepository, SeaExportRepository, SeaMessageRepository, SeaModerationRepository,
    SeaSessionStore, SeaUserRepository, SystemClock,
};
use confab_realtime::{ApiJson, Realtime, RealtimeConfig, Reloaded, ScalingConfig, ScalingStatus};
use sea_orm::DatabaseConnection;

use crate::config::Cli;
use crate::secrets;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Connects to the database and applies pending migrations.
pub async fn database(cli: &Cli) -> Result<DatabaseConnection, BoxError> {
    let url = cli.database_url();
    let db = confab_persistence::open(&url).await?;
    Ok(db)
}

pub async fn migrate_only(cli: &Cli) -> Result<(), BoxError> {
    database(cli).await?;
    tracing::info!("migrations applied");
    Ok(())
}

/// How long startup waits for Redis before counting sends locally.
const THROTTLE_CONNECT_WAIT: Duration = Duration::from_secs(3);

/// The realtime hub, unless switched off (app credentials: [`app_credentials`]).
///
/// With scale-out on, a node without the realtime listener (`CONFAB_NO_REALTIME`, an API-only
/// node) still has a hub: its broadcasts reach the other nodes' sockets through Redis.
pub fn realtime(cli: &Cli) -> Result<Option<Realtime>, BoxError> {
    let scaling = cli.scaling_redis_url();
    if cli.no_realtime && scaling.is_none() {
        return Ok(None);
    }
    let reverb = &cli.reverb;
    let app = app_credentials(cli)?;
    let config = RealtimeConfig {
        app_id: app.id,
        key: app.key,
        secret: app.secret,
        path_prefix: reverb.server_path.clone(),
        activity_timeout: Duration::from_secs(reverb.activity_timeout),
        ping_interval: Duration::from_secs(reverb.ping_interval),
        max_message_size: reverb.max_message_size,
        max_connections: reverb.max_connections,
        allowed_origins: reverb.allowed_origins.clone(),
        encryption_master_key: reverb
            .encryption_master_key
            .as_deref()
            .filter(|key| !key.trim().is_empty())
            .map(RealtimeConfig::master_key_from_base64)
            .transpose()?,
        ..RealtimeConfig::default()
    };
    let messages = Arc::new(api_json());
    let realtime = match scaling {
        Some(url) => Realtime::with_scaling(
            config,
            messages,
            &ScalingConfig::new(url, cli.reverb.scaling_channel.clone()),
        )?,
        None => Realtime::new(config, messages),
    };
    Ok(Some(realtime))
}

/// Serves the apps of `CONFAB_APPS_FILE` (again, on a reload).
///
/// # Errors
/// A file that cannot be read or is not a valid apps file, naming the path.
pub fn load_apps(realtime: &Realtime, path: &Path) -> Result<Reloaded, BoxError> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("CONFAB_APPS_FILE {}: {error}", path.display()))?;
    Ok(realtime.load_apps(&text)?)
}

/// The Pusher app's id, key and secret (`REVERB_APP_*`).
pub struct AppCredentials {
    pub id: String,
    pub key: String,
    pub secret: String,
}

/// The app credentials as configured; those left unset are generated once and kept in the data
/// directory, like Reverb's `reverb:install` writes them into `.env`.
pub fn app_credentials(cli: &Cli) -> Result<AppCredentials, BoxError> {
    let reverb = &cli.reverb;
    let credential = |given: &Option<String>, file: &str, generate: fn() -> String| match given {
        Some(value) if !value.is_empty() => Ok(value.clone()),
        _ => secrets::load_or_create_with(&cli.data_dir, file, generate),
    };
    Ok(AppCredentials {
        id: credential(&reverb.app_id, "reverb_app_id", || {
            (100_000 + rand::random::<u32>() % 900_000).to_string()
        })?,
        key: credential(&reverb.app_key, "reverb_app_key", || {
            secrets::random_hex(10)
        })?,
        secret: credential(&reverb.app_secret, "reverb_app_secret", || {
            secrets::random_hex(20)
        })?,
    })
}

/// The limits counted per user or per login attempt, which several nodes must count together.
pub struct Throttles {
    pub send: Arc<dyn SendThrottle>,
    pub login: Arc<dyn LoginThrottle>,
    pub typing: Arc<dyn TypingThrottle>,
}

/// The send limit, the failed-login count and the typing interval: shared through Redis with scale-out on (so the
/// send limit is 60 a minute per user across every node, and five failed logins are five in
/// all), else counted in this process.
pub async fn throttles(cli: &Cli) -> Throttles {
    let window = Duration::from_secs(60);
    let local_send = || Arc::new(InMemorySendThrottle::new(cli.send_limit, window)) as Arc<_>;
    let local_login = || Arc::new(InMemoryLoginThrottle::default()) as Arc<_>;
    let local_typing = || Arc::new(InMemoryTypingThrottle::default()) as Arc<_>;
    let Some(url) = cli.scaling_redis_url() else {
        return Throttles {
            send: local_send(),
            login: local_login(),
            typing: local_typing(),
        };
    };
    // Keys `confab:{REVERB_SCALING_CHANNEL}:throttle:{user}`, `…:login:{email}|{address}` and
    // `…:typing:{user}:{room}`,
    // beside the realtime keys, so two clusters can share one Redis.
    let prefix = format!("confab:{}:", cli.reverb.scaling_channel);
    let send = async {
        let shared = RedisSendThrottle::connect(url, &prefix, cli.send_limit, window).await?;
        Ok::<_, BoxError>(Arc::new(shared) as Arc<dyn SendThrottle>)
    };
    let login = async {
        let shared = RedisLoginThrottle::connect(url, &prefix).await?;
        Ok::<_, BoxError>(Arc::new(shared) as Arc<dyn LoginThrottle>)
    };
    let typing = async {
        let shared = RedisTypingThrottle::connect(url, &prefix).await?;
        Ok::<_, BoxError>(Arc::new(shared) as Arc<dyn TypingThrottle>)
    };
    Throttles {
        send: shared_or_local("the send limit", send, local_send).await,
        login: shared_or_local("failed logins", login, local_login).await,
        typing: shared_or_local("typing events", typing, local_typing).await,
    }
}

/// The Redis-backed counter `connect` makes, or `local` when Redis does not answer at start.
async fn shared_or_local<T: ?Sized, E: std::fmt::Display>(
    what: &str,
    connect: impl Future<Output = Result<Arc<T>, E>>,
    local: impl FnOnce() -> Arc<T>,
) -> Arc<T> {
    match tokio::time::timeout(THROTTLE_CONNECT_WAIT, connect).await {
        Ok(Ok(shared)) => shared,
        Ok(Err(error)) => {
            tracing::warn!(%error, "Redis unavailable at start: {what} is counted per node");
            local()
        }
        Err(_) => {
            tracing::warn!("Redis did not answer at start: {what} is counted per node");
            local()
        }
    }
}

/// Where the API says it is, and which browser origins may call it.
pub fn http_settings(cli: &Cli) -> Result<HttpSettings, BoxError> {
    let cors_origins = CorsOrigins::parse(&cli.cors_origins)
        .map_err(|reason| format!("CONFAB_CORS_ORIGINS: {reason}"))?;
    let public_url = match cli.public_url.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
            Some(url.trim_end_matches('/').to_owned())
        }
        Some(url) => {
            return Err(format!("CONFAB_PUBLIC_URL: `{url}` is not an http(s) URL").into());
        }
    };
    Ok(HttpSettings {
        public_url,
        cors_origins,
    })
}

/// The HTTP adapter's renderers of the API's objects, for what live events and webhooks carry:
/// one JSON per object, whichever door it leaves by.
pub fn api_json() -> ApiJson {
    use confab_http::dto;
    ApiJson {
        message: dto::message_event_json,
        conversation: dto::conversation_event_json,
        user: dto::user_event_json,
        reactions: dto::reactions_event_json,
        thread: dto::thread_event_json,
        participant: dto::participant_event_json,
        report: dto::report_event_json,
        timestamp: dto::rfc3339_micros,
    }
}

/// What `GET /api/v1/realtime` tells clients.
pub fn realtime_info(cli: &Cli, realtime: Option<&Realtime>) -> Option<RealtimeInfo> {
    let realtime = realtime.filter(|_| !cli.no_realtime)?;
    let reverb = &cli.reverb;
    let bound_host = match reverb.server_host.as_str() {
        "0.0.0.0" | "::" | "[::]" => "localhost".to_owned(),
        host => host.to_owned(),
    };
    Some(RealtimeInfo {
        key: realtime.config().key.clone(),
        host: reverb.public_host.clone().unwrap_or(bound_host),
        port: reverb.public_port.unwrap_or(reverb.server_port),
        scheme: reverb.scheme.clone(),
        auth_endpoint: "/api/broadcasting/auth".into(),
    })
}

/// The application over the real adapters.
pub fn application(
    cli: &Cli,
    db: &DatabaseConnection,
    files: Arc<dyn FileStore>,
    realtime: Option<&Realtime>,
    throttles: Throttles,
    webhooks: Arc<dyn WebhookRenderer>,
) -> Result<Confab, BoxError> {
    let (broadcaster, channels): (Arc<dyn Broadcaster>, Arc<dyn ChannelSigner>) = match realtime {
        Some(realtime) => (realtime.broadcaster(), realtime.channel_signer()),
        None => (Arc::new(NoBroadcaster), Arc::new(NoChannels)),
    };
    let jwt_secret = match &cli.jwt_secret {
        Some(secret) if !secret.is_empty() => secret.clone(),
        _ => secrets::load_or_create(&cli.data_dir, "jwt_secret")?,
    };
    cli.files
        .configure_links(jwt_secret.as_bytes(), cli.public_url.as_deref());
    let app = Confab::new(Ports {
        users: Arc::new(SeaUserRepository::new(db.clone())),
        accounts: Arc::new(SeaAccountRepository::with_webhooks(
            db.clone(),
            webhooks.clone(),
        )),
        conversations: Arc::new(SeaConversationRepository::with_webhooks(
            db.clone(),
            webhooks.clone(),
        )),
        messages: Arc::new(SeaMessageRepository::with_webhooks(
            db.clone(),
            webhooks.clone(),
        )),
        moderation: Arc::new(SeaModerationRepository::with_webhooks(db.clone(), webhooks)),
        attachments: Arc::new(SeaAttachmentRepository::new(db.clone())),
        exports: Arc::new(SeaExportRepository::new(db.clone())),
        files,
        images: crate::files::image_worker(),
        broadcaster,
        channels,
        hasher: Arc::new(Argon2Passwords::new(hashing_threads())),
        tokens: Arc::new(JwtTokens::new(jwt_secret.as_bytes(), cli.jwt_ttl * 60)),
        sessions: Arc::new(SeaSessionStore::new(db.clone())),
        throttle: throttles.send,
        login_throttle: throttles.login,
        typing: throttles.typing,
        clock: Arc::new(SystemClock),
    })
    .with_upload_limits(cli.files.limits())
    .requiring_verified_email(cli.mail.require_verified_email);
    cli.files.spawn_sweep(app.clone());
    Ok(app)
}

/// Starts the loop that builds data exports into `files` until `stopped`.
pub fn start_exports(
    db: &DatabaseConnection,
    files: Arc<dyn FileStore>,
    stopped: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    let building = ExportBuilding {
        exports: Arc::new(SeaExportRepository::new(db.clone())),
        users: Arc::new(SeaUserRepository::new(db.clone())),
        conversations: Arc::new(SeaConversationRepository::new(db.clone())),
        archives: Arc::new(confab_archive::ZipArchives::new(files.clone())),
        files,
        clock: Arc::new(SystemClock),
    };
    confab_archive::build_exports(building, stopped)
}

/// `/health` asks the database, and (scale-out on) whether Redis is connected; it names the file
/// store and how mail goes out.
pub fn readiness(
    db: &DatabaseConnection,
    realtime: Option<&Realtime>,
    files: &dyn FileStore,
    mail: &confab_mail::MailConfig,
) -> Readiness {
    let db = db.clone();
    let mut readiness = Readiness::database_only(Arc::new(move || {
        let db = db.clone();
        Box::pin(async move { confab_persistence::ping(&db).await })
    }));
    readiness.storage = files.describe();
    readiness.mail = mail.mode().to_owned();
    if let Some(realtime) = realtime
        && realtime.scaling_status() != ScalingStatus::Disabled
    {
        let realtime = realtime.clone();
        readiness.redis = Some(Arc::new(move || {
            realtime.scaling_status() == ScalingStatus::Connected
        }));
    }
    readiness
}

/// One hashing thread per core: hashing is CPU-bound, so more would only queue inside the kernel.
fn hashing_threads() -> usize {
    std::thread::available_parallelism().map_or(2, usize::from)
}
