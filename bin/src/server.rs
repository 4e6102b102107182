//! Startup and graceful shutdown.

use std::time::Duration;

use poem::Server;
use poem::listener::TcpListener;

use crate::config::Cli;
use crate::wiring::{self, BoxError};

/// In-flight requests get this long to finish after a shutdown signal.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

pub async fn serve(cli: &Cli) -> Result<(), BoxError> {
    let db = wiring::database(cli).await?;
    let app = wiring::application(cli, &db)?;
    let routes = confab_http::routes(app, wiring::readiness(&db), None);
    tracing::info!(addr = %cli.http_addr, "confab API listening; Swagger UI at /docs");
    Server::new(TcpListener::bind(cli.http_addr))
        .run_with_graceful_shutdown(routes, shutdown_signal(), Some(DRAIN_TIMEOUT))
        .await?;
    db.close().await?;
    tracing::info!("confab stopped");
    Ok(())
}

/// Ctrl-C, or SIGTERM from a service manager or container runtime.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
