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

use std::collections::BTreeSet;
use std::sync::OnceLock;

use confab_application::Confab;
use confab_domain::{Channel, ConversationId};

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

    /// Before an event is delivered to `channels` on this node: in doubt, cut off the listeners
    /// of each room among them who are no longer in it (see the module notes). Each room is
    /// asked about once, however many of its channels the event goes to.
    pub(crate) async fn confirm<'a>(&self, hub: &Hub, channels: impl IntoIterator<Item = &'a str>) {
        if !hub.replica().is_some_and(|replica| replica.in_doubt()) {
            return;
        }
        let Some(app) = self.app.get() else {
            return;
        };
        let rooms: BTreeSet<ConversationId> = channels
            .into_iter()
            .filter_map(|name| Channel::parse(name).and_then(Channel::conversation))
            .collect();
        for conversation in rooms {
            confirm_room(hub, app, conversation).await;
        }
    }
}

/// One room: its listeners here that the database no longer counts in are revoked here.
async fn confirm_room(hub: &Hub, app: &Confab, conversation: ConversationId) {
    let channels = Channel::guarded_by(conversation).map(Channel::name);
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
