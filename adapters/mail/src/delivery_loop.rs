//! The loop that empties the mail queue on every node: a step as soon as the last one took a
//! full batch, else one a second — a mail is out a second after its change commits, and an idle
//! queue costs one indexed read a second. Counts `confab_mail_sent_total` and
//! `confab_mail_failures_total` for `/metrics`.

use std::time::Duration;

use confab_application::use_cases::deliver_mail::MailDelivery;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How long an idle loop waits before looking again.
const IDLE_WAIT: Duration = Duration::from_secs(1);

/// Runs `delivery` until `stopped` turns true (a step under way finishes first).
pub fn deliver(delivery: MailDelivery, mut stopped: watch::Receiver<bool>) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if *stopped.borrow() {
                return;
            }
            let wait = match delivery.step().await {
                Ok(step) => {
                    // No-ops unless `/metrics` is on.
                    metrics::counter!("confab_mail_sent_total").increment(step.sent as u64);
                    metrics::counter!("confab_mail_failures_total")
                        .increment(step.failed.len() as u64);
                    for reason in &step.failed {
                        tracing::warn!(%reason, "mail not sent; it will be tried again");
                    }
                    if step.sent > 0 {
                        tracing::info!(sent = step.sent, "mail sent");
                    }
                    if step.more { Duration::ZERO } else { IDLE_WAIT }
                }
                Err(error) => {
                    tracing::warn!(%error, "mail queue unavailable");
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
