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

    /// Log filter, `RUST_LOG` syntax.
    #[arg(
        long,
        env = "RUST_LOG",
        default_value = "info,sqlx=warn,sea_orm=warn",
        global = true
    )]
    pub log: String,
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
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| confab_persistence::sqlite_url_for(&self.data_dir.join("confab.db")))
    }
}
