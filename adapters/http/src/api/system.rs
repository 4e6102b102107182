use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;

/// How long `/health` waits for the database before calling it unavailable.
const HEALTH_DATABASE_WAIT: Duration = Duration::from_millis(800);

/// Asks whether the database (and, with scale-out on, Redis) answers. Supplied by whoever wires
/// the server, so this adapter need not know which database it is.
#[derive(Clone)]
pub struct Readiness {
    /// Whether the database answers.
    pub database: Arc<dyn Fn() -> Pin<Box<dyn Future<Output = bool> + Send>> + Send + Sync>,
    /// Whether Redis, which links this node to the others, is connected; `None` on a single node.
    pub redis: Option<Arc<dyn Fn() -> bool + Send + Sync>>,
    /// The file store attachments are kept in, as `/health` names it (no credentials).
    pub storage: String,
    /// How mail goes out: `smtp`, or `off` (no `CONFAB_SMTP_URL`: mails are written to the log).
    pub mail: String,
}

impl Readiness {
    /// A single node: only the database is asked.
    pub fn database_only(
        database: Arc<dyn Fn() -> Pin<Box<dyn Future<Output = bool> + Send>> + Send + Sync>,
    ) -> Self {
        Self {
            database,
            redis: None,
            storage: String::new(),
            mail: "off".into(),
        }
    }
}

#[derive(Debug, Object)]
struct Health {
    /// `ok`; `degraded` when Redis is away (this node serves its own sockets, events do not reach
    /// the other nodes until it is back); `unavailable` when the database does not answer.
    status: String,
    /// `ok` or `unavailable`.
    database: String,
    /// `ok`, `unavailable`, or `disabled` (a single node: scale-out off).
    redis: String,
    /// Where attachments are kept: `file:///…` or `s3://bucket at …`.
    storage: String,
    /// `smtp`, or `off`: no SMTP server configured, so account mails (verification, password
    /// reset) are only written to the server's log.
    mail: String,
}

#[derive(ApiResponse)]
enum HealthResponse {
    /// Serving (`ok`, or `degraded` while Redis is away).
    #[oai(status = 200)]
    Ok(Json<Health>),
    /// The database does not answer.
    #[oai(status = 503)]
    Unavailable(Json<Health>),
}

#[derive(Default)]
pub struct SystemApi;

#[OpenApi(tag = "ApiTags::System")]
impl SystemApi {
    /// Health
    ///
    /// 200 when the server and its database answer (`degraded` while Redis, with scale-out on,
    /// does not), 503 when the database does not; for load balancers.
    #[oai(path = "/health", method = "get", operation_id = "health")]
    async fn health(&self, readiness: Data<&Readiness>) -> HealthResponse {
        // A database that does not answer at all must not hold the answer up: load balancers and
        // orchestrators give health checks a second or so.
        let database = tokio::time::timeout(HEALTH_DATABASE_WAIT, (readiness.0.database)())
            .await
            .unwrap_or(false);
        let redis = match &readiness.0.redis {
            None => "disabled",
            Some(connected) if connected() => "ok",
            Some(_) => "unavailable",
        };
        let health = |status: &str| Health {
            status: status.into(),
            database: if database { "ok" } else { "unavailable" }.into(),
            redis: redis.into(),
            storage: readiness.0.storage.clone(),
            mail: readiness.0.mail.clone(),
        };
        match (database, redis) {
            (false, _) => HealthResponse::Unavailable(Json(health("unavailable"))),
            (true, "unavailable") => HealthResponse::Ok(Json(health("degraded"))),
            (true, _) => HealthResponse::Ok(Json(health("ok"))),
        }
    }
}
