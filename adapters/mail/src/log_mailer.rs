//! No SMTP server configured: each mail is written to the log at INFO, link included, so a
//! developer can follow it. `/health` says mail is `off`.

use async_trait::async_trait;
use confab_domain::Mail;
use confab_domain::ports::MailSender;

use crate::compose::compose;

/// [`MailSender`] that logs.
#[derive(Debug, Clone)]
pub struct LogMailer {
    public_url: String,
}

impl LogMailer {
    pub fn new(public_url: &str) -> Self {
        Self {
            public_url: public_url.to_owned(),
        }
    }
}

#[async_trait]
impl MailSender for LogMailer {
    async fn send(&self, mail: &Mail) -> Result<(), String> {
        let composed = compose(mail, &self.public_url);
        tracing::info!(
            to = mail.to.as_str(),
            subject = %composed.subject,
            link = %composed.link,
            "mail not sent (no CONFAB_SMTP_URL); its text:\n{}",
            composed.text
        );
        Ok(())
    }
}
