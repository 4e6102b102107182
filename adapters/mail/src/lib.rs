//! Mail: the words of each mail the server sends ([`compose`]), and two ways to deliver them —
//! an SMTP server ([`SmtpMailer`], `CONFAB_SMTP_URL`) or, when none is configured, the server's
//! log at INFO with the links in it ([`LogMailer`], for development). Either is the domain's
//! `MailSender`; the queue and its retries are the application's.

mod compose;
mod delivery_loop;
mod log_mailer;
mod smtp;

use std::sync::Arc;

use confab_domain::ports::MailSender;

pub use compose::{Composed, compose};
pub use delivery_loop::deliver;
pub use log_mailer::LogMailer;
pub use smtp::SmtpMailer;

/// How mail goes out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailConfig {
    /// `smtp://host:25`, `smtp://user:pass@host:587?tls=required` (STARTTLS),
    /// `smtps://host:465` (TLS); `None`: mails go to the log.
    pub smtp_url: Option<String>,
    /// The `From:` of every mail, e.g. `Confab <no-reply@example.com>`.
    pub from: String,
    /// Where the links in mails point (the server's public address, no trailing slash needed).
    pub public_url: String,
}

impl MailConfig {
    /// What `/health` says of mail: `smtp`, or `off` (mails only logged).
    pub fn mode(&self) -> &'static str {
        if self.smtp_url.is_some() {
            "smtp"
        } else {
            "off"
        }
    }
}

/// The sender `config` asks for.
///
/// # Errors
/// A malformed SMTP URL or `From:` address, in words for the operator.
pub fn sender(config: &MailConfig) -> Result<Arc<dyn MailSender>, String> {
    Ok(match &config.smtp_url {
        Some(url) => Arc::new(SmtpMailer::new(url, &config.from, &config.public_url)?),
        None => Arc::new(LogMailer::new(&config.public_url)),
    })
}
