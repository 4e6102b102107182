//! Startup and graceful shutdown.

use std::time::Duration;

use confab_http::{ConnectionLimits, GuardedListener};
use confab_realtime::Realtime;
use poem::listener::TcpListener;
use poem::{Endpoint, EndpointExt, Route, Server};
use tokio::sync::watch;

use crate::config::Cli;
use crate::webhooks::{AppDispatches, Webhooks};
use crate::wiring::{self, BoxError};

/// In-flight requests get this long to finish after a shutdown signal.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs the API and realtime listeners (either can be switched off) until a shutdown signal;
/// then both stop taking connections, realtime sockets are told to reconnect elsewhere (4200),
/// and in-flight requests get [`DRAIN_TIMEOUT`] to finish.
pub async fn serve(cli: &Cli) -> Result<(), BoxError> {
    if cli.no_api && cli.no_realtime {
        return Err("both listeners are switched off; nothing to serve".into());
    }
    let http_settings = wiring::http_settings(cli)?;
    let mut db = wiring::database(cli).await?;
    let prometheus = crate::metrics::install(cli, &mut db)?;
    let realtime = wiring::realtime(cli)?;
    let throttles = wiring::throttles(cli).await;
    let webhooks = Webhooks::configure(cli, &db)?;
    let files = cli.files.store(&cli.data_dir)?;
    let app = wiring::application(
        cli,
        &db,
        files.clone(),
        realtime.as_ref(),
        throttles,
        webhooks.renderer(),
    )?;
    if let Some(realtime) = &realtime {
        realtime.confirm_rooms_with(app.clone());
    }
    reload_on_hangups(cli, realtime.as_ref());
    let (stop, stopped) = watch::channel(false);
    let dispatch = webhooks.start(realtime.as_ref(), stopped.clone())?;
    let app_dispatches = match (&realtime, &cli.reverb.apps_file) {
        (Some(realtime), Some(path)) => {
            let dispatches = webhooks.start_for_apps(realtime, stopped.clone());
            let loaded = wiring::load_apps(realtime, path)?;
            tracing::info!(apps = ?loaded.added, file = %path.display(), "more Pusher apps served");
            dispatches
        }
        _ => AppDispatches::default(),
    };
    let mail = cli.mail.config(
        http_settings.public_url.as_deref(),
        &cli.http_addr.to_string(),
    );
    let mailing = cli.mail.start(&mail, &db, stopped.clone())?;
    let exporting = wiring::start_exports(&db, files.clone(), stopped.clone());
    let webhook_figures = dispatch.as_ref().map(|d| d.figures.clone());

    let mut listeners = tokio::task::JoinSet::new();
    if !cli.no_api {
        let api = confab_http::routes(
            app.clone(),
            &http_settings,
            wiring::readiness(&db, realtime.as_ref(), files.as_ref(), &mail),
            wiring::realtime_info(cli, realtime.as_ref()),
            prometheus.clone().map(|handle| {
                crate::metrics::endpoint(
                    cli,
                    handle,
                    &db,
                    realtime.as_ref(),
                    webhook_figures.clone(),
                )
            }),
        );
        // The envelope protocol's WebSocket at /ws, beside the API (outside its request log, so
        // the ?token= in the URL is never logged).
        let routes = match realtime.as_ref().filter(|_| !cli.no_realtime) {
            Some(realtime) => Route::new()
                .at("/ws", realtime.envelope_endpoint(app.clone()))
                .nest("/", api)
                .boxed(),
            None => api.map_to_response().boxed(),
        };
        tracing::info!(addr = %cli.http_addr, "confab API listening; Swagger UI at /docs");
        listeners.spawn(listen(
            cli.http_addr.to_string(),
            limits(cli),
            routes,
            stopped.clone(),
        ));
    }
    if let Some(realtime) = realtime.as_ref().filter(|_| !cli.no_realtime) {
        let addr = format!("{}:{}", cli.reverb.server_host, cli.reverb.server_port);
        tracing::info!(%addr, key = %realtime.config().key, "confab realtime (Pusher protocol, envelopes on other paths) listening");
        listeners.spawn(listen(
            addr,
            limits(cli),
            realtime.routes_with_envelopes(app.clone()),
            stopped.clone(),
        ));
    }

    let outcome = tokio::select! {
        () = shutdown_signal() => Ok(()),
        // A listener that ends by itself failed to bind or crashed: stop the rest too.
        Some(ended) = listeners.join_next() => ended.map_err(|e| e.to_string().into()).and_then(|r| r),
    };
    let _ = stop.send(true);
    if let Some(dispatch) = dispatch {
        dispatch.finish(DRAIN_TIMEOUT).await;
    }
    app_dispatches.finish(DRAIN_TIMEOUT).await;
    let _ = tokio::time::timeout(DRAIN_TIMEOUT, mailing).await;
    let _ = tokio::time::timeout(DRAIN_TIMEOUT, exporting).await;
    if let Some(realtime) = &realtime {
        realtime.shutdown().await;
    }
    while let Some(ended) = listeners.join_next().await {
        if let Ok(Err(error)) = ended {
            tracing::warn!(%error, "listener stopped with an error");
        }
    }
    db.close().await?;
    tracing::info!("confab stopped");
    outcome
}

/// The connection timeouts both listeners apply (`confab_http::GuardedListener`).
fn limits(cli: &Cli) -> ConnectionLimits {
    ConnectionLimits {
        header_read: Duration::from_secs(cli.header_read_timeout.max(1)),
        idle: Duration::from_secs(cli.idle_timeout.max(1)),
    }
}

async fn listen(
    addr: String,
    limits: ConnectionLimits,
    endpoint: impl Endpoint + 'static,
    mut stopped: watch::Receiver<bool>,
) -> Result<(), BoxError> {
    Server::new(GuardedListener::new(
        TcpListener::bind(addr.clone()),
        limits,
    ))
    .run_with_graceful_shutdown(
        endpoint,
        async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        },
        Some(DRAIN_TIMEOUT),
    )
    .await
    .map_err(|error| format!("listener {addr}: {error}").into())
}

/// A `SIGHUP` reloads `CONFAB_APPS_FILE` (see the realtime adapter's `apps`): new apps are
/// served, changed ones take their new settings, removed ones have their sockets closed with
/// 4001, and every other socket stays. A file that no longer loads is logged and the apps stay as
/// they were. Without the file a `SIGHUP` (a closed terminal, an operator's reload out of habit)
/// is only logged: by default it would end the process and cut every socket.
fn reload_on_hangups(cli: &Cli, realtime: Option<&Realtime>) {
    #[cfg(unix)]
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
        Ok(mut hangups) => {
            let apps = cli.reverb.apps_file.clone().zip(realtime.cloned());
            tokio::spawn(async move {
                while hangups.recv().await.is_some() {
                    let Some((path, realtime)) = &apps else {
                        tracing::info!("SIGHUP received: nothing to reload; still serving");
                        continue;
                    };
                    match wiring::load_apps(realtime, path) {
                        Ok(done) => tracing::info!(
                            added = ?done.added,
                            changed = ?done.changed,
                            removed = ?done.removed,
                            "SIGHUP: apps reloaded"
                        ),
                        Err(error) => tracing::error!(
                            %error,
                            "SIGHUP: apps not reloaded; still serving the apps loaded before"
                        ),
                    }
                }
            });
        }
        Err(error) => tracing::warn!(%error, "cannot listen for SIGHUP"),
    }
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
