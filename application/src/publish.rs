//! Telling a change live: the events the domain decided for it (`confab_domain::change_events`),
//! published in order — the same values the repository stored in the webhook outbox.

use confab_domain::RealtimeEvent;

use crate::{Caller, Confab};

impl Confab {
    /// Publishes `events` in order to everyone concerned but the caller's own socket.
    pub(crate) async fn publish_all(&self, events: Vec<RealtimeEvent>, caller: &Caller) {
        for event in events {
            self.ports
                .broadcaster
                .publish(event, caller.socket.clone())
                .await;
        }
    }
}
