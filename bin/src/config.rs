//! Every setting, from flags or the environment (flags win). `confab --help` documents each.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Clone, Parser)]
#[command(
    name = "confab",
    version,
    about = "Realtime chat API server: the Conversation & Message API in one binary"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Address the HTTP API listens on.
    #[arg(
        long,
        env = "CONFAB_HTTP_ADDR",
        default_value = "127.0.0.1:8000",
        global = true
    )]
    pub http_addr: SocketAddr,

    /// The address clients reach the API at (`https://chat.example.com`), as the served OpenAPI
    /// document and Swagger UI name it. Unset: `/`, the address the document was loaded from,
    /// which is right unless a proxy rewrites paths.
    #[arg(long, env = "CONFAB_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    /// Browser origins allowed to call the API: comma-separated exact origins
    /// (`https://app.example.com,http://localhost:5173`), or `*` for any. Others get 403.
    #[arg(long, env = "CONFAB_CORS_ORIGINS", default_value = "*", global = true)]
    pub cors_origins: String,

    /// Directory for the SQLite database and generated secrets.
    #[arg(long, env = "CONFAB_DATA_DIR", default_value = "./data", global = true)]
    pub data_dir: PathBuf,

    /// `postgres://user@host/db` or `sqlite://path`; default: SQLite at `<data-dir>/confab.db`.
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,

    /// Secret that signs tokens (HS256). Unset: generated once and kept in the data directory.
    #[arg(long, env = "JWT_SECRET", hide_env_values = true, global = true)]
    pub jwt_secret: Option<String>,

    /// Token lifetime in minutes.
    #[arg(long, env = "JWT_TTL", default_value_t = 60, global = true)]
    pub jwt_ttl: u64,

    /// Messages a user may send per minute.
    #[arg(long, env = "CONFAB_SEND_LIMIT", default_value_t = 60, global = true)]
    pub send_limit: u32,

    /// Serves `GET /metrics` (Prometheus) on the API listener to requests bearing this token;
    /// unset, there is no `/metrics` and nothing is measured.
    #[arg(
        long,
        env = "CONFAB_METRICS_TOKEN",
        global = true,
        hide_env_values = true
    )]
    pub metrics_token: Option<String>,

    /// Comma-separated URLs that get Pusher-style webhooks (POST, signed with the app secret);
    /// unset, there are none and nothing is queued for them.
    #[arg(
        long,
        env = "CONFAB_WEBHOOK_URLS",
        value_delimiter = ',',
        global = true
    )]
    pub webhook_urls: Vec<String>,

    /// Comma-separated webhook events to send (`all`: channel_occupied, channel_vacated,
    /// member_added, member_removed, client_event, message.sent, message.updated,
    /// message.deleted, message.reacted, message.pinned, message.unpinned, thread.updated,
    /// participant.added, participant.removed, participant.banned, participant.unbanned,
    /// participant.updated, conversation.updated, conversation.closed, message.reported,
    /// notification.created, user.updated).
    #[arg(
        long,
        env = "CONFAB_WEBHOOK_EVENTS",
        default_value = "all",
        global = true
    )]
    pub webhook_events: String,

    /// The longest wait, in seconds, between retries of a failing webhook destination (waits
    /// double from one second up to this).
    #[arg(
        long,
        env = "CONFAB_WEBHOOK_RETRY_MAX",
        default_value_t = 300,
        global = true
    )]
    pub webhook_retry_max: u64,

    /// Seconds a webhook receiver has to answer before the batch counts as failed (and is
    /// retried).
    #[arg(
        long,
        env = "CONFAB_WEBHOOK_TIMEOUT",
        default_value_t = 10,
        global = true
    )]
    pub webhook_timeout: u64,

    /// Seconds a client has to send a request's headers once it has begun (slow-header clients
    /// are cut off), on both listeners.
    #[arg(
        long,
        env = "CONFAB_HEADER_READ_TIMEOUT",
        default_value_t = 10,
        global = true
    )]
    pub header_read_timeout: u64,

    /// Seconds a connection may wait without sending a request (new, or kept alive after a
    /// response) before it is closed, on both listeners. WebSockets are not affected.
    #[arg(long, env = "CONFAB_IDLE_TIMEOUT", default_value_t = 60, global = true)]
    pub idle_timeout: u64,

    /// Do not start the HTTP API listener (run the realtime listener alone).
    #[arg(long, env = "CONFAB_NO_API", global = true)]
    pub no_api: bool,

    /// Do not start the realtime (Pusher protocol) listener.
    #[arg(long, env = "CONFAB_NO_REALTIME", global = true)]
    pub no_realtime: bool,

    /// Redis (`redis://127.0.0.1:6379`) shared by several nodes: used only with
    /// `REVERB_SCALING_ENABLED=true`.
    #[arg(long, env = "REDIS_URL", global = true)]
    pub redis_url: Option<String>,

    #[command(flatten)]
    pub reverb: ReverbArgs,

    #[command(flatten)]
    pub files: crate::files::FileArgs,

    #[command(flatten)]
    pub mail: crate::mail::MailArgs,

    /// Log filter, `RUST_LOG` syntax.
    #[arg(
        long,
        env = "RUST_LOG",
        default_value = "info,sqlx=warn,sea_orm=warn",
        global = true
    )]
    pub log: String,

    /// `text` for people, `json` for log collectors: one JSON object per line, with each
    /// request's `request_id` (also sent back as `X-Request-Id`) among its span fields.
    #[arg(
        long,
        env = "CONFAB_LOG_FORMAT",
        value_enum,
        default_value_t = LogFormat::Text,
        global = true
    )]
    pub log_format: LogFormat,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// The realtime listener, configured with Laravel Reverb's variable names.
#[derive(Debug, Clone, clap::Args)]
pub struct ReverbArgs {
    /// Address the realtime listener binds.
    #[arg(
        long = "reverb-host",
        env = "REVERB_SERVER_HOST",
        default_value = "127.0.0.1",
        global = true
    )]
    pub server_host: String,

    /// Port of the realtime listener.
    #[arg(
        long = "reverb-port",
        env = "REVERB_SERVER_PORT",
        default_value_t = 8080,
        global = true
    )]
    pub server_port: u16,

    /// Path prefix before `/app/{key}` and `/apps/{id}`.
    #[arg(
        long = "reverb-path",
        env = "REVERB_SERVER_PATH",
        default_value = "",
        global = true
    )]
    pub server_path: String,

    /// App id for the Pusher HTTP API. Unset: generated once into the data directory.
    #[arg(long = "reverb-app-id", env = "REVERB_APP_ID", global = true)]
    pub app_id: Option<String>,

    /// App key clients connect with. Unset: generated once into the data directory.
    #[arg(long = "reverb-app-key", env = "REVERB_APP_KEY", global = true)]
    pub app_key: Option<String>,

    /// App secret that signs subscriptions and API calls. Unset: generated once.
    #[arg(
        long = "reverb-app-secret",
        env = "REVERB_APP_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub app_secret: Option<String>,

    /// Host clients are told to connect to (`GET /api/v1/realtime`); default: the bind host.
    #[arg(long = "reverb-public-host", env = "REVERB_HOST", global = true)]
    pub public_host: Option<String>,

    /// Port clients are told to connect to; default: the bind port.
    #[arg(long = "reverb-public-port", env = "REVERB_PORT", global = true)]
    pub public_port: Option<u16>,

    /// `http` or `https`, as clients should connect (TLS is a proxy's job).
    #[arg(
        long = "reverb-scheme",
        env = "REVERB_SCHEME",
        default_value = "http",
        global = true
    )]
    pub scheme: String,

    /// Seconds of silence before the server pings a socket.
    #[arg(
        long = "reverb-ping-interval",
        env = "REVERB_APP_PING_INTERVAL",
        default_value_t = 60,
        global = true
    )]
    pub ping_interval: u64,

    /// Seconds announced to clients as their activity timeout.
    #[arg(
        long = "reverb-activity-timeout",
        env = "REVERB_APP_ACTIVITY_TIMEOUT",
        default_value_t = 30,
        global = true
    )]
    pub activity_timeout: u64,

    /// Largest frame a client may send, bytes.
    #[arg(
        long = "reverb-max-message-size",
        env = "REVERB_APP_MAX_MESSAGE_SIZE",
        default_value_t = 10_000,
        global = true
    )]
    pub max_message_size: usize,

    /// Base64 of 32 bytes: the key `private-encrypted-conversation.{id}` channels' keys are
    /// derived from (the `encryptionMasterKeyBase64` of the app's `pusher` server SDK). Unset:
    /// encrypted channels are refused.
    #[arg(
        long = "reverb-encryption-master-key",
        env = "REVERB_APP_ENCRYPTION_MASTER_KEY",
        hide_env_values = true,
        global = true
    )]
    pub encryption_master_key: Option<String>,

    /// Most sockets at once (unlimited when unset).
    #[arg(
        long = "reverb-max-connections",
        env = "REVERB_APP_MAX_CONNECTIONS",
        global = true
    )]
    pub max_connections: Option<usize>,

    /// More Pusher apps beside the chat app: a JSON file shaped like Reverb's `apps` array
    /// (`{"apps": [{"app_id", "key", "secret", …}]}`), read again on `SIGHUP`.
    #[arg(long = "apps-file", env = "CONFAB_APPS_FILE", global = true)]
    pub apps_file: Option<std::path::PathBuf>,

    /// Comma-separated host patterns browsers may connect from (`*` for any).
    #[arg(
        long = "reverb-allowed-origins",
        env = "REVERB_APP_ALLOWED_ORIGINS",
        default_value = "*",
        value_delimiter = ',',
        global = true
    )]
    pub allowed_origins: Vec<String>,

    /// Scale out: several nodes share `REDIS_URL` (broadcasts, presence, counts, send limit).
    /// Off unless this is true and `REDIS_URL` is set.
    #[arg(
        long = "reverb-scaling-enabled",
        env = "REVERB_SCALING_ENABLED",
        global = true
    )]
    pub scaling_enabled: bool,

    /// Redis pub/sub channel the nodes share (also namespaces their keys).
    #[arg(
        long = "reverb-scaling-channel",
        env = "REVERB_SCALING_CHANNEL",
        default_value = "reverb",
        global = true
    )]
    pub scaling_channel: String,
}

#[derive(Debug, Clone, Copy, Subcommand)]
pub enum Command {
    /// Apply migrations and serve (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Print the OpenAPI document (YAML) and exit.
    Openapi,
}

impl Cli {
    /// The Redis URL when scale-out is on (`REVERB_SCALING_ENABLED=true` and `REDIS_URL` set).
    pub fn scaling_redis_url(&self) -> Option<&str> {
        let url = self
            .redis_url
            .as_deref()
            .filter(|url| !url.trim().is_empty());
        match (self.reverb.scaling_enabled, url) {
            (true, Some(url)) => Some(url),
            (true, None) => {
                tracing::warn!(
                    "REVERB_SCALING_ENABLED is true but REDIS_URL is unset: running as a single node"
                );
                None
            }
            (false, _) => None,
        }
    }

    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| confab_persistence::sqlite_url_for(&self.data_dir.join("confab.db")))
    }
}
