//! The domain's `Broadcaster` port over the hub: each domain event becomes Pusher events, and a
//! removal also cuts the user off from the room (live revocation).

use std::sync::Arc;

use async_trait::async_trait;
use confab_domain::ports::{Broadcaster, SocketId};
use confab_domain::{Channel, RealtimeEvent};

use crate::events;
use crate::hub::Hub;
use crate::protocol;

pub(crate) struct PusherBroadcaster {
    hub: Arc<Hub>,
}

impl PusherBroadcaster {
    pub(crate) fn new(hub: Arc<Hub>) -> Self {
        Self { hub }
    }
}

#[async_trait]
impl Broadcaster for PusherBroadcaster {
    /// Never fails: delivery is into in-memory queues, and a socket that cannot take a frame is
    /// disconnected by the hub rather than reported here.
    async fn publish(&self, event: RealtimeEvent, except: Option<SocketId>) {
        let except = except.as_ref().map(|socket| socket.0.as_str());
        for outgoing in events::translate(&event) {
            let frame = protocol::frame(outgoing.event, Some(&outgoing.channel), &outgoing.data);
            self.hub.publish(&outgoing.channel, frame, except);
        }
        // Revocation comes after the room heard of the removal, so the removed user's own tabs
        // still learn why the room went quiet. No frame tells the socket its subscription ended:
        // pusher-js has no event for that (a `pusher_internal:subscription_revoked` would be
        // ignored), and `conversation.removed` on `private-user.{id}` already says so.
        if let RealtimeEvent::ParticipantRemoved {
            conversation_id,
            user,
            ..
        } = &event
        {
            let channels = Channel::of_conversation(*conversation_id).map(Channel::name);
            self.hub.revoke(user.id, &channels);
            tracing::debug!(user_id = %user.id, conversation_id = %conversation_id, "revoked room subscriptions");
        }
    }
}
