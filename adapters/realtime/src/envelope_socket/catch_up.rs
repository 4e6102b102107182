//! `join conversation:{id}` with `payload.since`: the messages a reconnecting client missed,
//! oldest first, then the live ones, with no gap and no duplicate at the seam.
//!
//! The socket subscribes with a hold (see `hub::catch_up`), reads the history after `since`
//! through the application (at most [`CATCH_UP_MAX`] messages; the ack's `has_more` tells the
//! client to page on with `GET …/messages?after=`), queues it, is acked with
//! `{missed, has_more}`, and only then gets the held live messages that the history did not
//! already carry. The history waits for room in the socket's queue rather than overflowing it.

use confab_application::DomainError;
use confab_domain::{ConversationId, MessageId};
use serde_json::{Map, Value};

use super::Connection;
use crate::envelope::{self, Incoming, Rejection};
use crate::hub::{Outbound, SubscribeError};

/// The most missed messages one `join` delivers.
pub(crate) const CATCH_UP_MAX: u64 = 1_000;

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

/// The id of the stored message an envelope frame carries, if it is one (`type: "message"`).
fn message_id(frame: &Outbound) -> Option<i64> {
    let envelope: Value = serde_json::from_str(frame.envelope_text()?).ok()?;
    if envelope.get("type")?.as_str()? != "message" {
        return None;
    }
    envelope.pointer("/payload/message/id")?.as_i64()
}

impl Connection {
    /// Joins `channel` (the room `id`'s) and queues what was missed after `since`. Refused as a
    /// whole, joining nothing, when `since` is not a message of the room.
    pub(super) async fn join_since(
        &mut self,
        incoming: &Incoming,
        id: ConversationId,
        channel: String,
        since: MessageId,
    ) -> Result<Map<String, Value>, Rejection> {
        let refuse = |error| Rejection::of(&incoming.id, error);
        match self.hub.join_held(&self.socket_id, &channel) {
            Ok(()) => {}
            Err(SubscribeError::UnknownSocket) => return Ok(Map::new()),
            Err(SubscribeError::Revoked) => return Err(refuse(DomainError::ConversationNotFound)),
        }
        let missed = match self
            .app
            .catch_up(&self.caller, id, since, CATCH_UP_MAX)
            .await
        {
            Ok(missed) => missed,
            Err(error) => {
                self.hub.release_held(&self.socket_id, &channel, |_| false);
                self.hub.unsubscribe(&self.socket_id, &channel);
                return Err(refuse(error));
            }
        };
        for view in &missed.items {
            // Waits for room in the queue: a long history must not look like a slow consumer.
            if self.outbox.send(envelope::message(view)).await.is_err() {
                break;
            }
        }
        let delivered = missed.items.last().map_or(since, |last| last.message.id);
        self.catching_up = Some(CatchingUp {
            channel,
            delivered: delivered.get(),
        });
        let mut more = Map::new();
        more.insert("missed".into(), missed.items.len().into());
        more.insert("has_more".into(), missed.has_more.into());
        Ok(more)
    }

    /// After the ack: the live messages held meanwhile, less those the history carried.
    pub(super) fn finish_catch_up(&mut self) {
        if let Some(CatchingUp { channel, delivered }) = self.catching_up.take() {
            self.hub.release_held(&self.socket_id, &channel, |frame| {
                message_id(frame).is_none_or(|id| id > delivered)
            });
        }
    }
}
