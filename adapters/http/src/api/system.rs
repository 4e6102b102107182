use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::ApiTags;

/// Asks whether the database answers. Supplied by whoever wires the server, so this adapter need
/// not know which database it is.
#[derive(Clone)]
pub struct Readiness(pub Arc<dyn Fn() -> Pin<Box<dyn Future<Output = bool> + Send>> + Send + Sync>);

#[derive(Debug, Object)]
struct Health {
    /// `ok` or `unavailable`.
    status: String,
    /// `ok` when the database answers.
    database: String,
}

#[derive(ApiResponse)]
enum HealthResponse {
    /// Serving.
    #[oai(status = 200)]
    Ok(Json<Health>),
    /// The database does not answer.
    #[oai(status = 503)]
    Unavailable(Json<Health>),
}

pub struct SystemApi;

#[OpenApi(tag = "ApiTags::System")]
impl SystemApi {
    /// Health
    ///
    /// 200 when the server and its database answer, 503 otherwise; for load balancers.
    #[oai(path = "/health", method = "get", operation_id = "health")]
    async fn health(&self, readiness: Data<&Readiness>) -> HealthResponse {
        if (readiness.0.0)().await {
            HealthResponse::Ok(Json(Health {
                status: "ok".into(),
                database: "ok".into(),
            }))
        } else {
            HealthResponse::Unavailable(Json(Health {
                status: "unavailable".into(),
                database: "unavailable".into(),
            }))
        }
    }
}
