//! Deliver webhooks: one step of emptying a destination's outbox — claim its oldest events, post
//! them, and drop them once the destination took them, or note the failure and when to try again.
//! The failing batch stays at the head of the queue, so a destination gets its events in the
//! order they were stored, however long it was down.
//!
//! Not a request's use case: a background loop per destination calls [`WebhookDelivery::step`]
//! and waits as it says. So it has its own ports rather than the request-serving [`Ports`].
//!
//! [`Ports`]: crate::Ports

use std::sync::Arc;
use std::time::Duration;

use confab_domain::ports::{Clock, WebhookOutbox, WebhookSender};
use confab_domain::webhooks::{LAST_RETRY, WEBHOOK_BATCH_SIZE, retry_delay};
use confab_domain::{Claim, DomainError};

/// What one step did, and so how long the loop may wait before the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivered {
    /// This many events were taken; more may wait.
    Sent(usize),
    /// Nothing waits.
    Idle,
    /// Another node sends to this destination.
    Elsewhere,
    /// The destination refused or did not answer; the batch is tried again after `retry_in`.
    Failed {
        failures: u32,
        retry_in: Duration,
        reason: String,
    },
    /// An earlier failure's retry is not due yet.
    Waiting(Duration),
}

/// The outbox, the sender and the clock, which node this is (for the lease), and the longest
/// wait between retries.
#[derive(Clone)]
pub struct WebhookDelivery {
    outbox: Arc<dyn WebhookOutbox>,
    sender: Arc<dyn WebhookSender>,
    clock: Arc<dyn Clock>,
    node: String,
    longest_wait: Duration,
}

impl WebhookDelivery {
    pub fn new(
        outbox: Arc<dyn WebhookOutbox>,
        sender: Arc<dyn WebhookSender>,
        clock: Arc<dyn Clock>,
        node: String,
    ) -> Self {
        Self {
            outbox,
            sender,
            clock,
            node,
            longest_wait: LAST_RETRY,
        }
    }

    /// Retries wait at most `longest` (else [`LAST_RETRY`]).
    pub fn with_longest_wait(mut self, longest: Duration) -> Self {
        self.longest_wait = longest;
        self
    }

    /// This node stops: it lets go of the destinations it holds.
    ///
    /// # Errors
    /// What the outbox returns; the leases then simply expire.
    pub async fn release(&self) -> Result<(), DomainError> {
        self.outbox.release(&self.node).await
    }

    /// One batch for `destination`, if it is this node's to send and one is due.
    ///
    /// # Errors
    /// What the outbox returns (the database out of reach): nothing was sent or dropped.
    pub async fn step(&self, destination: &str) -> Result<Delivered, DomainError> {
        let now = self.clock.now();
        let batch = match self
            .outbox
            .claim(destination, &self.node, WEBHOOK_BATCH_SIZE, now)
            .await?
        {
            Claim::Batch(batch) => batch,
            Claim::Empty => return Ok(Delivered::Idle),
            Claim::Elsewhere => return Ok(Delivered::Elsewhere),
            Claim::RetryAt(at) => {
                return Ok(Delivered::Waiting((at - now).to_std().unwrap_or_default()));
            }
        };
        match self.sender.send(destination, &batch.events, now).await {
            Ok(()) => {
                self.outbox.delivered(destination, &batch.ids).await?;
                Ok(Delivered::Sent(batch.ids.len()))
            }
            Err(refused) => {
                let failures = batch.failures.saturating_add(1);
                let retry_in = retry_delay(failures, self.longest_wait);
                let retry_at = self.clock.now()
                    + chrono::Duration::from_std(retry_in).unwrap_or(chrono::Duration::MAX);
                self.outbox.failed(destination, failures, retry_at).await?;
                Ok(Delivered::Failed {
                    failures,
                    retry_in,
                    reason: match refused {
                        DomainError::Unavailable(reason) => reason,
                        other => other.to_string(),
                    },
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use confab_domain::ports::{MockClock, MockWebhookOutbox, MockWebhookSender};
    use confab_domain::{Timestamp, WebhookBatch};
    use mockall::predicate::eq;

    use super::*;

    const HOOK: &str = "http://receiver.test/hook";

    fn now() -> Timestamp {
        Utc.with_ymd_and_hms(2026, 2, 19, 14, 30, 0).unwrap()
    }

    fn batch(failures: u32) -> Claim {
        Claim::Batch(WebhookBatch {
            ids: vec![7, 9],
            events: vec![r#"{"name":"a"}"#.into(), r#"{"name":"b"}"#.into()],
            failures,
        })
    }

    fn delivery(outbox: MockWebhookOutbox, sender: MockWebhookSender) -> WebhookDelivery {
        let mut clock = MockClock::new();
        clock.expect_now().returning(now);
        WebhookDelivery::new(
            Arc::new(outbox),
            Arc::new(sender),
            Arc::new(clock),
            "node-a".into(),
        )
    }

    #[tokio::test]
    async fn a_batch_taken_leaves_the_queue_in_the_order_it_was_sent() {
        let mut outbox = MockWebhookOutbox::new();
        outbox
            .expect_claim()
            .with(eq(HOOK), eq("node-a"), eq(WEBHOOK_BATCH_SIZE), eq(now()))
            .returning(|_, _, _, _| Ok(batch(0)));
        outbox
            .expect_delivered()
            .withf(|hook, ids| hook == HOOK && ids == [7, 9])
            .times(1)
            .returning(|_, _| Ok(()));
        outbox.expect_failed().never();
        let mut sender = MockWebhookSender::new();
        sender
            .expect_send()
            .withf(|hook, events, at| {
                hook == HOOK && events == [r#"{"name":"a"}"#, r#"{"name":"b"}"#] && *at == now()
            })
            .times(1)
            .returning(|_, _, _| Ok(()));
        let step = delivery(outbox, sender).step(HOOK).await.unwrap();
        assert_eq!(step, Delivered::Sent(2));
    }

    #[tokio::test]
    async fn a_refusal_keeps_the_batch_and_backs_off_from_its_failures() {
        let mut outbox = MockWebhookOutbox::new();
        outbox.expect_claim().returning(|_, _, _, _| Ok(batch(2)));
        outbox.expect_delivered().never();
        outbox
            .expect_failed()
            .withf(|hook, failures, at| {
                hook == HOOK && *failures == 3 && *at == now() + chrono::Duration::seconds(4)
            })
            .times(1)
            .returning(|_, _, _| Ok(()));
        let mut sender = MockWebhookSender::new();
        sender
            .expect_send()
            .returning(|_, _, _| Err(DomainError::Unavailable("503 Service Unavailable".into())));
        let step = delivery(outbox, sender).step(HOOK).await.unwrap();
        assert!(
            matches!(&step, Delivered::Failed { failures: 3, retry_in, reason }
                if *retry_in == Duration::from_secs(4) && reason.contains("503")),
            "{step:?}"
        );
    }

    #[tokio::test]
    async fn retries_wait_no_longer_than_the_operator_allows() {
        let mut outbox = MockWebhookOutbox::new();
        outbox.expect_claim().returning(|_, _, _, _| Ok(batch(9)));
        outbox
            .expect_failed()
            .withf(|_, failures, at| *failures == 10 && *at == now() + chrono::Duration::seconds(2))
            .times(1)
            .returning(|_, _, _| Ok(()));
        let mut sender = MockWebhookSender::new();
        sender
            .expect_send()
            .returning(|_, _, _| Err(DomainError::Unavailable("refused".into())));
        let delivery = delivery(outbox, sender).with_longest_wait(Duration::from_secs(2));
        let step = delivery.step(HOOK).await.unwrap();
        assert!(
            matches!(step, Delivered::Failed { retry_in, .. } if retry_in == Duration::from_secs(2)),
            "{step:?}"
        );
    }

    #[tokio::test]
    async fn nothing_is_sent_when_the_queue_is_empty_elsewhere_or_not_due() {
        for (claim, expected) in [
            (Claim::Empty, Delivered::Idle),
            (Claim::Elsewhere, Delivered::Elsewhere),
            (
                Claim::RetryAt(now() + chrono::Duration::seconds(8)),
                Delivered::Waiting(Duration::from_secs(8)),
            ),
        ] {
            let mut outbox = MockWebhookOutbox::new();
            outbox
                .expect_claim()
                .return_once(move |_, _, _, _| Ok(claim));
            let mut sender = MockWebhookSender::new();
            sender.expect_send().never();
            let step = delivery(outbox, sender).step(HOOK).await.unwrap();
            assert_eq!(step, expected);
        }
    }

    #[tokio::test]
    async fn stopping_lets_go_of_this_nodes_destinations() {
        let mut outbox = MockWebhookOutbox::new();
        outbox
            .expect_release()
            .with(eq("node-a"))
            .times(1)
            .returning(|_| Ok(()));
        let sender = MockWebhookSender::new();
        delivery(outbox, sender).release().await.unwrap();
    }

    #[tokio::test]
    async fn an_outbox_out_of_reach_is_an_error_and_sends_nothing() {
        let mut outbox = MockWebhookOutbox::new();
        outbox
            .expect_claim()
            .returning(|_, _, _, _| Err(DomainError::Unavailable("database".into())));
        let mut sender = MockWebhookSender::new();
        sender.expect_send().never();
        let step = delivery(outbox, sender).step(HOOK).await;
        assert_eq!(step, Err(DomainError::Unavailable("database".into())));
    }
}
