//! The domain's `Broadcaster` port over the hub: each domain event becomes Pusher events and
//! envelopes; `revoke` cuts a removed user off from the room (live revocation), when the use
//! case asks.
//!
//! An event with both renderings on one channel (a sent message on `private-conversation.{id}`)
//! is one publish: the hub hands each subscriber the rendering for its wire format.

use std::sync::Arc;

use async_trait::async_trait;
use confab_domain::ports::{Broadcaster, SocketId};
use confab_domain::{Channel, ConversationId, RealtimeEvent, SessionId, UserId};

use crate::api_json::ApiJson;
use crate::envelope::{self, Route};
use crate::hub::{Hub, Outbound};
use crate::protocol;
use crate::pusher::events;
use crate::room_guard::RoomGuard;

/// How long a removal waits for its revocation to reach Redis.
const REVOKE_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

pub(crate) struct PusherBroadcaster {
    hub: Arc<Hub>,
    guard: Arc<RoomGuard>,
    messages: Arc<ApiJson>,
}

impl PusherBroadcaster {
    pub(crate) fn new(hub: Arc<Hub>, guard: Arc<RoomGuard>, messages: Arc<ApiJson>) -> Self {
        Self {
            hub,
            guard,
            messages,
        }
    }
}

#[async_trait]
impl Broadcaster for PusherBroadcaster {
    /// Never fails: delivery is into in-memory queues, and a socket that cannot take a frame is
    /// disconnected by the hub rather than reported here.
    async fn publish(&self, event: RealtimeEvent, except: Option<SocketId>) {
        let except = except.as_ref().map(|socket| socket.0.as_str());
        let mut envelopes = envelope::translate(&event, self.messages.as_ref());
        let pushers = events::translate(&event, self.messages.as_ref());
        // A node that may have missed a revocation confirms each room this event goes to, once,
        // before anything is delivered (see `room_guard`).
        let rooms = pushers
            .iter()
            .map(|outgoing| outgoing.channel.as_str())
            .chain(envelopes.iter().filter_map(|(route, _)| match route {
                Route::Channel(channel) => Some(channel.as_str()),
                Route::User(_) => None,
            }));
        self.guard.confirm(&self.hub, rooms).await;
        for outgoing in pushers {
            let frame = protocol::frame(outgoing.event, Some(&outgoing.channel), &outgoing.data);
            let twin = envelopes
                .iter()
                .position(|(route, _)| matches!(route, Route::Channel(c) if *c == outgoing.channel))
                .map(|at| envelopes.remove(at).1);
            let frame = Outbound::pusher(frame).with_envelope(twin);
            self.hub
                .publish_paced(&outgoing.channel, frame, except)
                .await;
        }
        for (route, frame) in envelopes {
            let frame = Outbound::envelope(frame);
            match route {
                Route::Channel(channel) => self.hub.publish_paced(&channel, frame, except).await,
                Route::User(user) => self.hub.publish_to_user(user, &frame, except),
            }
        }
    }

    /// No frame tells the socket its subscription ended: pusher-js has no event for that (a
    /// `pusher_internal:subscription_revoked` would be ignored), and `conversation.removed` on
    /// `private-user.{id}`, published before this, already says so.
    async fn revoke(&self, user: UserId, conversation: ConversationId) {
        let channels = Channel::guarded_by(conversation).map(Channel::name);
        let in_redis = self.hub.revoke(user, &channels);
        // Scaling: the removal returns once every node will see the revocation before anything
        // published after it, from any node. Redis away: the other nodes cannot be told now, and
        // the request is not held up for it — they read the order when Redis is back, and until
        // then (and for a while after) check a room's listeners against the database before
        // delivering there (`room_guard`).
        if let (Some(in_redis), Some(replica)) = (in_redis, self.hub.replica())
            && replica.is_up()
        {
            let _ = tokio::time::timeout(REVOKE_WAIT, in_redis).await;
        }
        tracing::debug!(user_id = %user, conversation_id = %conversation, "revoked room subscriptions");
    }

    /// The user's sockets keep their subscriptions (they still hear the room) but their whispers
    /// on its channels are refused, on this node now and on the others through the cluster.
    async fn silence(
        &self,
        user: UserId,
        conversation: ConversationId,
        until: Option<confab_domain::Timestamp>,
    ) {
        let channels = Channel::guarded_by(conversation)
            .map(Channel::name)
            .to_vec();
        self.hub
            .silence(user, channels, until.map(|at| at.timestamp_millis()));
        tracing::debug!(user_id = %user, conversation_id = %conversation, "timed out in a room's channels");
    }

    /// The sockets close with `pusher:error` 4009 "Session ended" (pusher-js does not reconnect
    /// on 4000–4099), on this node now and on the others through the cluster (when Redis is
    /// away: once it is back; their tokens are already refused everywhere, by the database).
    async fn end_sessions(&self, user: UserId, sessions: &[SessionId]) {
        let sessions = sessions.iter().map(|s| s.as_str().to_owned()).collect();
        let closed = self.hub.end_sessions(user, sessions);
        tracing::debug!(user_id = %user, closed, "closed the sockets of ended sessions");
    }
}
