//! Mail's settings and parts: the sender (SMTP or the log) and the loop that empties the queue.

use std::sync::Arc;

use clap::Args;
use confab_application::use_cases::deliver_mail::MailDelivery;
use confab_mail::MailConfig;
use confab_persistence::{DatabaseConnection, SeaMailOutbox, SystemClock};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How account mail goes out.
#[derive(Debug, Clone, Args)]
pub struct MailArgs {
    /// `smtp://host:25`, `smtp://user:pass@host:587?tls=required` (STARTTLS),
    /// `smtps://user:pass@host:465` (TLS). Unset: mails are written to the log at INFO, links
    /// included, and `/health` says `"mail": "off"`.
    #[arg(long, env = "CONFAB_SMTP_URL", hide_env_values = true, global = true)]
    pub smtp_url: Option<String>,

    /// The `From:` of every mail.
    #[arg(
        long,
        env = "CONFAB_MAIL_FROM",
        default_value = "Confab <no-reply@localhost>",
        global = true
    )]
    pub mail_from: String,

    /// Refuse sends (403) from accounts that have not verified their email.
    #[arg(long, env = "CONFAB_REQUIRE_VERIFIED_EMAIL", global = true)]
    pub require_verified_email: bool,
}

impl MailArgs {
    /// The settings, with links under `public_url` (`CONFAB_PUBLIC_URL`, else the API's own
    /// address).
    pub fn config(&self, public_url: Option<&str>, http_addr: &str) -> MailConfig {
        MailConfig {
            smtp_url: self.smtp_url.clone().filter(|url| !url.trim().is_empty()),
            from: self.mail_from.clone(),
            public_url: public_url.map_or_else(|| format!("http://{http_addr}"), str::to_owned),
        }
    }

    /// Starts the loop that sends the queued mail until `stopped`.
    ///
    /// # Errors
    /// A malformed `CONFAB_SMTP_URL` or `CONFAB_MAIL_FROM`.
    pub fn start(
        &self,
        config: &MailConfig,
        db: &DatabaseConnection,
        stopped: watch::Receiver<bool>,
    ) -> Result<JoinHandle<()>, String> {
        let sender = confab_mail::sender(config)?;
        tracing::info!(mail = config.mode(), "mail queue delivering");
        let delivery = MailDelivery::new(
            Arc::new(SeaMailOutbox::new(db.clone())),
            sender,
            Arc::new(SystemClock),
        );
        Ok(confab_mail::deliver(delivery, stopped))
    }
}
