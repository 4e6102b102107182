//! `join conversation:{id}` with `payload.since`: the messages a reconnecting client missed,
//! oldest first, then the live ones, with no gap and no duplicate at the seam.
//!
//! The socket subscribes with a hold (see `hub::catch_up`), reads the history after `since`
//! through the application (at most [`CATCH_UP_MAX`] messages; the ack's `has_more` tells the
//! client to page on with `GET …/messages?after=`), queues it, is acked with
//! `{missed, has_more}`, and only then gets the held live messages that the history did not
//! already carry. The history is paced to keep half the socket's queue free, and a hold is
//! bounded by that half, so catching up never overflows the queue by itself.

use std::time::{Duration, Instant};

use confab_application::DomainError;
use confab_domain::{ConversationId, MessageId};
use serde_json::{Map, Value};

use super::Connection;
use crate::envelope::codec::{self, Incoming, Rejection};
use crate::hub::SubscribeError;

/// The most missed messages one `join` delivers.
pub(crate) const CATCH_UP_MAX: u64 = 1_000;

/// How long the history waits for a client to read its queue down before giving up on sending
/// the rest (the client is then as slow as a slow consumer, and the ack's count says what came).
const QUEUE_WAIT: Duration = Duration::from_secs(10);

/// A hold to release once the join is acked: live messages up to `delivered` were in the history.
pub(super) struct CatchingUp {
    channel: String,
    delivered: i64,
}

/// `payload.since`: absent (a plain join) or a message id.
pub(super) fn since_of(incoming: &Incoming) -> Result<Option<MessageId>, Rejection> {
    match incoming.payload.get("since") {
        None | Some(Value::Null) => Ok(None),
        Some(value) => value
            .as_i64()
            .filter(|id| *id >= 1)
            .map(|id| Some(MessageId(id)))
            .ok_or_else(|| {
                Rejection::of(
                    &incoming.id,
                    DomainError::invalid("since", "The since field must be a message id."),
                )
            }),
    }
}

impl Connection {
    /// Joins `channel` (the room `id`'s) and queues what was missed after `since`. Refused as a
    /// whole when `since` is not a message of the room, joining nothing (a socket already joined
    /// stays joined). The socket's read loop waits meanwhile, as for any request it makes; the
    /// wait is bounded by the read and, per message, by [`QUEUE_WAIT`].
    pub(super) async fn join_since(
        &mut self,
        incoming: &Incoming,
        id: ConversationId,
        channel: String,
        since: MessageId,
    ) -> Result<Map<String, Value>, Rejection> {
        let refuse = |error| Rejection::of(&incoming.id, error);
        let already = match self.hub.join_held(&self.socket_id, &channel) {
            Ok(already) => already,
            Err(SubscribeError::UnknownSocket) => return Ok(Map::new()),
            Err(SubscribeError::Revoked) => return Err(refuse(DomainError::ConversationNotFound)),
        };
        let missed = match self
            .app
            .catch_up(&self.caller, id, since, CATCH_UP_MAX)
            .await
        {
            Ok(missed) => missed,
            Err(error) => {
                self.hub.abandon_held(&self.socket_id, &channel, already);
                return Err(refuse(error));
            }
        };
        let mut sent = 0;
        for view in &missed.items {
            if !self.room_in_queue().await
                || self
                    .outbox
                    .try_send(codec::message(view, self.messages.as_ref()))
                    .is_err()
            {
                break;
            }
            sent += 1;
        }
        // The ack and the held live messages go next: they fit in the free half (if the client
        // reads too slowly for that, the hub finds it out as a slow consumer, as ever).
        self.room_in_queue().await;
        let delivered = match sent {
            0 => since,
            n => missed.items[n - 1].message.id,
        };
        self.catching_up = Some(CatchingUp {
            channel,
            delivered: delivered.get(),
        });
        let mut more = Map::new();
        more.insert("missed".into(), sent.into());
        more.insert(
            "has_more".into(),
            (missed.has_more || sent < missed.items.len()).into(),
        );
        Ok(more)
    }

    /// Waits (briefly polling) until at least half the socket's queue is free, so the history
    /// never crowds out live deliveries to the socket's other channels — a full queue would make
    /// it look like a slow consumer — and a client that cannot keep up is still found out:
    /// `false` after [`QUEUE_WAIT`] or once the socket is closing.
    async fn room_in_queue(&self) -> bool {
        let half = self.outbox.max_capacity().div_ceil(2);
        let deadline = Instant::now() + QUEUE_WAIT;
        while self.outbox.capacity() < half {
            if self.outbox.is_closed() || Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        true
    }

    /// After the ack: the live messages held meanwhile, less those the history carried.
    pub(super) fn finish_catch_up(&mut self) {
        if let Some(CatchingUp { channel, delivered }) = self.catching_up.take() {
            self.hub.release_held(&self.socket_id, &channel, delivered);
        }
    }
}
