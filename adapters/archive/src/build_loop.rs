//! The loop that builds data exports on every node: a step at once after a build, else one every
//! [`IDLE_WAIT`] — an export starts within seconds of being asked for, and an idle queue costs
//! two indexed reads per wait. Which node builds which export is the database's choice (a lease).

use std::time::Duration;

use confab_application::use_cases::build_export::{ExportBuilding, ExportStep};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How long an idle loop waits before looking again.
const IDLE_WAIT: Duration = Duration::from_secs(2);

/// Runs `building` until `stopped` turns true (a build under way finishes first).
pub fn build_exports(
    building: ExportBuilding,
    mut stopped: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if *stopped.borrow() {
                return;
            }
            let wait = match building.step().await {
                Ok(ExportStep::Idle) => IDLE_WAIT,
                Ok(ExportStep::Built { export, size }) => {
                    tracing::info!(export, size, "data export ready; its mail is queued");
                    Duration::ZERO
                }
                Ok(ExportStep::Failed {
                    export,
                    reason,
                    given_up,
                }) => {
                    tracing::warn!(export, %reason, given_up, "data export failed");
                    Duration::ZERO
                }
                Err(error) => {
                    tracing::warn!(%error, "data exports unavailable");
                    IDLE_WAIT
                }
            };
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                _ = stopped.changed() => {}
            }
        }
    })
}
