//! Revocation that holds while Redis is away.
//!
//! A removal's revocation reaches the other nodes through Redis. A node that may have missed it
//! — its link is down, or came back too recently for every node's backlog to have arrived (the
//! [`Replica`](crate::hub::Replica) says when: `in_doubt`) — asks the database before it delivers
//! anything to a room's channels: the listeners who are no longer participants are revoked here
//! and now, exactly as the missed order would have done, and the delivery goes ahead. Outside
//! such a window, and on a single node, nothing is asked and nothing is paid.
//!
//! Fails closed: a subscriber whose user this node cannot tell (signed by another node whose
//! grant has not arrived) is taken off the room's channels, and so is every listener when the
//! database cannot answer; their clients subscribe again with a fresh signature.

use std::sync::OnceLock;

use confab_application::Confab;
use confab_domain::Channel;

use crate::hub::{Hub, Op};

/// The database check, once the application exists (it is built after the realtime server,
/// because it needs the broadcaster).
#[derive(Default)]
pub(crate) struct RoomGuard {
    app: OnceLock<Confab>,
}

impl RoomGuard {
    pub(crate) fn set_app(&self, app: Confab) {
        let _ = self.app.set(app);
    }

    /// Before `channel`'s listeners on this node are delivered an event: in doubt, cut off
    /// those who are no longer in the room (see the module notes).
    pub(crate) async fn confirm(&self, hub: &Hub, channel: &str) {
        let Some(conversation) = Channel::parse(channel).and_then(Channel::conversation) else {
            return;
        };
        if !hub.replica().is_some_and(|replica| replica.in_doubt()) {
            return;
        }
        let Some(app) = self.app.get() else {
            return;
        };
        let channels = Channel::of_conversation(conversation).map(Channel::name);
        let (users, unknown) = hub.listeners(&channels);
        for (socket, channel) in unknown {
            tracing::debug!(socket_id = %socket, channel, "taking an unconfirmable subscriber off a room while in doubt");
            hub.apply(&Op::Withdraw { socket, channel });
        }
        if users.is_empty() {
            return;
        }
        let outsiders = match app.outsiders_among(conversation, &users).await {
            Ok(outsiders) => outsiders,
            Err(error) => {
                tracing::warn!(%error, conversation_id = %conversation, "could not confirm a room's listeners while Redis is away; taking them off the room on this node");
                users
            }
        };
        for user in outsiders {
            tracing::info!(user_id = %user, conversation_id = %conversation, "revoking a removed member this node had not been told about");
            hub.apply(&Op::Revoke {
                user: user.get(),
                channels: channels.to_vec(),
            });
        }
    }
}
