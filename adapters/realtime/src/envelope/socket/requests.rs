//! What each envelope a client sends asks for: `ping` (acked, and forwarded where the socket may
//! reach), `join` (a room or the global channel; with `since`, see `catch_up`), `leave`, and
//! `message` (sent through the application, acked with the stored message).

use confab_application::DomainError;
use confab_domain::Address;
use serde_json::{Map, Value};

use super::{Connection, catch_up};
use crate::envelope::codec::{self, Incoming, Rejection};
use crate::hub::SubscribeError;
use crate::pusher::events;

impl Connection {
    /// Acked; with a `to`, also forwarded (through the application, which checks the caller may
    /// reach it) to the others joined there, or to that user's envelope sockets.
    ///
    /// A ping is forwarded to a room or the global channel only from a socket that has joined
    /// it itself (as a whisper needs its sender subscribed). To one it has not joined, a ping the
    /// caller may send is still answered — the README's first ping, on a fresh socket, expects
    /// its ack — but reaches no one. Forwarded pings (to users too) are limited per socket to
    /// `client_events_per_second`; beyond that an `error` envelope, 429, says so.
    pub(super) async fn ping(
        &mut self,
        incoming: &Incoming,
    ) -> Result<Map<String, Value>, Rejection> {
        let Some(to) = &incoming.to else {
            return Ok(Map::new());
        };
        let refuse = |error| Rejection::of(&incoming.id, error);
        let joined = match Address::parse(to).ok().and_then(codec::channel_of) {
            Some(channel) => self.hub.is_subscribed(&self.socket_id, &channel),
            // A user (or an address the application refuses).
            None => true,
        };
        if !joined {
            self.app
                .check_ping(&self.caller, &incoming.id, to)
                .await
                .map_err(refuse)?;
            return Ok(Map::new());
        }
        if !self.forwarded_pings.allow() {
            let limit = self.forwarded_pings.limit;
            let mut rejection = Rejection::new(
                Some(&incoming.id),
                429,
                format!("Ping rejected: only {limit} forwarded pings per second are allowed."),
            );
            rejection.extra.push(("retry_after", Value::from(1)));
            return Err(rejection);
        }
        let payload = Value::Object(incoming.payload.clone()).to_string();
        self.app
            .ping(&self.caller, &incoming.id, to, payload)
            .await
            .map_err(refuse)?;
        Ok(Map::new())
    }

    /// `conversation:{id}` (participants only) or `channel:global`. With `payload.since` (rooms
    /// only), the messages missed after it come first (see `catch_up`).
    pub(super) async fn join(
        &mut self,
        incoming: &Incoming,
    ) -> Result<Map<String, Value>, Rejection> {
        let to = incoming.to.as_deref().unwrap_or_default();
        let refuse = |error| Rejection::of(&incoming.id, error);
        // Like a Pusher socket's fresh signature: a removal from now on refuses the join.
        let channel = Address::parse(to).ok().and_then(codec::channel_of);
        if let Some(channel) = &channel {
            self.hub.clear_revoked(&self.socket_id, channel);
        }
        let address = self
            .app
            .join_address(&self.caller, to)
            .await
            .map_err(refuse)?;
        let channel = codec::channel_of(address).expect("join_address refuses user addresses");
        match (catch_up::since_of(incoming)?, address) {
            (None, _) => {}
            (Some(since), Address::Conversation(id)) => {
                return self.join_since(incoming, id, channel, since).await;
            }
            (Some(_), _) => {
                return Err(refuse(DomainError::invalid(
                    "since",
                    "Only a conversation has messages to catch up on.",
                )));
            }
        }
        match self.hub.join_quietly(&self.socket_id, &channel) {
            Ok(()) | Err(SubscribeError::UnknownSocket) => Ok(Map::new()),
            Err(SubscribeError::Revoked) => Err(refuse(DomainError::ConversationNotFound)),
        }
    }

    /// Always acked (leaving what one did not join is a no-op), but a user cannot be left.
    pub(super) fn leave(&self, incoming: &Incoming) -> Result<Map<String, Value>, Rejection> {
        let to = incoming.to.as_deref().unwrap_or_default();
        let address = Address::parse(to)
            .map_err(|reason| Rejection::of(&incoming.id, DomainError::invalid("to", reason)))?;
        let Some(channel) = codec::channel_of(address) else {
            return Err(Rejection::of(
                &incoming.id,
                DomainError::invalid("to", "Leave conversation:{id} or channel:global."),
            ));
        };
        self.hub.unsubscribe(&self.socket_id, &channel);
        Ok(Map::new())
    }

    /// Sent through the HTTP API's use case; the ack carries the stored message.
    pub(super) async fn message(
        &self,
        incoming: &Incoming,
    ) -> Result<Map<String, Value>, Rejection> {
        let to = incoming.to.as_deref().unwrap_or_default();
        let body = match (incoming.payload.get("text"), incoming.payload.get("body")) {
            (Some(Value::String(text)), _) => text.as_str(),
            (None, Some(Value::String(body))) => body.as_str(),
            (None, None) => "",
            _ => {
                return Err(Rejection::of(
                    &incoming.id,
                    DomainError::invalid("body", "The payload's text must be a string."),
                ));
            }
        };
        let sent = self
            .app
            .send_to_address(&self.caller, to, body)
            .await
            .map_err(|error| Rejection::of(&incoming.id, error))?;
        match events::message_payload(&sent, self.messages.as_ref()) {
            Value::Object(more) => Ok(more),
            _ => unreachable!("a message payload is an object"),
        }
    }
}
