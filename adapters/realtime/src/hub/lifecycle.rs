//! What the hub tells about channels and members as it happens, for Pusher's lifecycle webhooks.
//! The hub knows only this trait: the webhooks (`webhooks::Lifecycle`) implement it and sit above
//! the hub, and scaling tells a cluster-wide occupancy change through it too, so neither the hub
//! nor scaling depends on the webhooks.

use serde_json::Value;

/// Told under the hub's lock: an implementation only queues, it never waits.
pub(crate) trait LifecycleEvents: Send + Sync {
    /// This node's first subscriber of `channel` arrived (`occupied`) or its last left.
    fn occupancy_here(&self, channel: &str, occupied: bool);

    /// The channel's occupancy changed (on the whole cluster, with scaling on).
    fn occupancy(&self, channel: &str, occupied: bool);

    /// A presence channel's user arrived with their first connection (`added`) or left with
    /// their last.
    fn member(&self, channel: &str, user_id: &Value, added: bool);

    /// A socket subscribed to a cache channel that had no event to give it (it was sent
    /// `pusher:cache_miss`): the app may publish one now.
    fn cache_miss(&self, channel: &str);

    /// Scaling: `node` died (its heartbeat expired and its presence was reaped). Whatever it held
    /// for the webhooks — its destinations' leases — is let go, so another node sends to them now
    /// rather than when the leases run out.
    fn node_gone(&self, node: &str);

    /// A whisper; `user_id` only on presence channels.
    fn client_event(
        &self,
        channel: &str,
        event: &str,
        data: &Value,
        socket: &str,
        user_id: Option<&Value>,
    );
}
