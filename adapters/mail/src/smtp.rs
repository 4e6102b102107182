//! Delivery over SMTP with lettre: plain, STARTTLS or TLS as the URL says (rustls). One
//! connection per mail: account mail is rare, and a fresh connection survives a server restart.

use async_trait::async_trait;
use confab_domain::Mail;
use confab_domain::ports::MailSender;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::compose::compose;

/// [`MailSender`] to an SMTP server.
#[derive(Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    public_url: String,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer")
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// # Errors
    /// A URL lettre cannot read, or a `From:` that is no address.
    pub fn new(url: &str, from: &str, public_url: &str) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("CONFAB_SMTP_URL: {e}"))?
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        let from = from
            .parse::<Mailbox>()
            .map_err(|e| format!("CONFAB_MAIL_FROM {from:?}: {e}"))?;
        Ok(Self {
            transport,
            from,
            public_url: public_url.to_owned(),
        })
    }
}

#[async_trait]
impl MailSender for SmtpMailer {
    async fn send(&self, mail: &Mail) -> Result<(), String> {
        let composed = compose(mail, &self.public_url);
        let to = Mailbox::new(
            Some(mail.name.clone()),
            mail.to
                .as_str()
                .parse()
                .map_err(|e| format!("recipient {}: {e}", mail.to.as_str()))?,
        );
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(composed.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(composed.text)
            .map_err(|e| e.to_string())?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}
