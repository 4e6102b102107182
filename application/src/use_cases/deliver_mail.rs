//! Deliver mail: one step of emptying the mail queue — take the due mails, hand each to the
//! sender, drop the ones it took and put the others back for later (10 s, doubling, up to an
//! hour). A mail server that is down delays mail and loses none.
//!
//! Not a request's use case: a background loop calls [`MailDelivery::step`] and waits as it
//! says. So it has its own ports rather than the request-serving [`Ports`].
//!
//! [`Ports`]: crate::Ports

use std::sync::Arc;

use confab_domain::DomainError;
use confab_domain::mail::{MAIL_BATCH, MAIL_LEASE, retry_delay};
use confab_domain::ports::{Clock, MailOutbox, MailSender};

/// What one step did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MailStep {
    /// Mails handed over.
    pub sent: usize,
    /// Mails that failed, each with why (for the log); they wait for their retry.
    pub failed: Vec<String>,
    /// Whether the queue may hold more due mail now (the step took a full batch).
    pub more: bool,
}

/// The queue, the sender and the clock.
#[derive(Clone)]
pub struct MailDelivery {
    outbox: Arc<dyn MailOutbox>,
    sender: Arc<dyn MailSender>,
    clock: Arc<dyn Clock>,
}

impl MailDelivery {
    pub fn new(
        outbox: Arc<dyn MailOutbox>,
        sender: Arc<dyn MailSender>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            outbox,
            sender,
            clock,
        }
    }

    /// Sends what is due, one mail at a time.
    ///
    /// # Errors
    /// What the queue returns (the database out of reach); a mail taken and not yet marked stays
    /// leased, and is taken again when the lease ends.
    pub async fn step(&self) -> Result<MailStep, DomainError> {
        let now = self.clock.now();
        let lease = chrono::Duration::from_std(MAIL_LEASE).unwrap_or(chrono::Duration::MAX);
        let due = self.outbox.claim(now, now + lease, MAIL_BATCH).await?;
        let mut step = MailStep {
            more: due.len() == MAIL_BATCH,
            ..MailStep::default()
        };
        for queued in due {
            match self.sender.send(&queued.mail).await {
                Ok(()) => {
                    self.outbox.sent(queued.id).await?;
                    step.sent += 1;
                }
                Err(reason) => {
                    let failures = queued.failures.saturating_add(1);
                    let wait = chrono::Duration::from_std(retry_delay(failures))
                        .unwrap_or(chrono::Duration::MAX);
                    self.outbox
                        .failed(queued.id, failures, self.clock.now() + wait)
                        .await?;
                    step.failed.push(reason);
                }
            }
        }
        Ok(step)
    }
}

#[cfg(test)]
mod tests {
    use confab_domain::ports::{MockClock, MockMailOutbox, MockMailSender};
    use confab_domain::{AccountToken, Email, Mail, MailKind, QueuedMail};

    use super::*;
    use crate::test_support::now;

    fn queued(id: i64, failures: u32) -> QueuedMail {
        QueuedMail {
            id,
            mail: Mail {
                to: Email::parse(&format!("user{id}@x.io")).unwrap(),
                name: "Ann".into(),
                kind: MailKind::VerifyEmail {
                    token: AccountToken::parse("t").unwrap(),
                },
            },
            failures,
        }
    }

    fn clock() -> Arc<MockClock> {
        let mut clock = MockClock::new();
        clock.expect_now().return_const(now());
        Arc::new(clock)
    }

    #[tokio::test]
    async fn sent_mail_leaves_the_queue_and_a_refused_one_waits_longer_each_time() {
        let mut outbox = MockMailOutbox::new();
        outbox
            .expect_claim()
            .withf(|at, until, limit| {
                *at == now()
                    && *until == now() + chrono::Duration::seconds(60)
                    && *limit == MAIL_BATCH
            })
            .returning(|_, _, _| Ok(vec![queued(1, 0), queued(2, 2)]));
        outbox
            .expect_sent()
            .withf(|id| *id == 1)
            .times(1)
            .returning(|_| Ok(()));
        outbox
            .expect_failed()
            .withf(|id, failures, at| {
                *id == 2 && *failures == 3 && *at == now() + chrono::Duration::seconds(40)
            })
            .times(1)
            .returning(|_, _, _| Ok(()));
        let mut sender = MockMailSender::new();
        sender
            .expect_send()
            .returning(|mail| match mail.to.as_str() {
                "user1@x.io" => Ok(()),
                _ => Err("connection refused".into()),
            });
        let step = MailDelivery::new(Arc::new(outbox), Arc::new(sender), clock())
            .step()
            .await
            .unwrap();
        assert_eq!(
            step,
            MailStep {
                sent: 1,
                failed: vec!["connection refused".into()],
                more: false
            }
        );
    }

    #[tokio::test]
    async fn an_empty_queue_sends_nothing() {
        let mut outbox = MockMailOutbox::new();
        outbox.expect_claim().returning(|_, _, _| Ok(Vec::new()));
        let mut sender = MockMailSender::new();
        sender.expect_send().never();
        let step = MailDelivery::new(Arc::new(outbox), Arc::new(sender), clock())
            .step()
            .await
            .unwrap();
        assert_eq!(step, MailStep::default());
    }
}
