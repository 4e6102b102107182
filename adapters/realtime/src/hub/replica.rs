//! What the hub needs from the other nodes, as a trait the hub calls and the scaling module
//! implements: so the hub never names Redis, and nothing imports back into it.

use serde_json::Value;
use tokio::sync::oneshot;

use super::{Member, Op};

/// The cluster's answer to a presence join.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Snapshot {
    /// This was the user's first socket on the channel, anywhere.
    pub first: bool,
    /// `(user_id, user_info)` of every member, this one included.
    pub members: Vec<(Value, Value)>,
}

/// The other nodes, as seen from one hub.
pub(crate) trait Replica: Send + Sync {
    /// Hands `op` to the other nodes without waiting. The hub calls it under its lock, so ops
    /// leave in the order they were applied here.
    fn emit(&self, op: Op);

    /// Like [`emit`](Self::emit); the receiver answers once the op is stored where every node
    /// will read it (never, if it is dropped: wait with a timeout).
    fn emit_confirmed(&self, op: Op) -> oneshot::Receiver<()>;

    /// Whether the other nodes can be reached now.
    fn is_up(&self) -> bool;

    /// Whether this node may not yet have heard an op another node emitted — a revocation above
    /// all: the link is down, or came back too recently for every node's backlog to have
    /// arrived. While it is, deliveries to a room are checked against the database first.
    fn in_doubt(&self) -> bool;

    /// Asks who is present on `channel` once `member` joined on `socket`; the answer is `None`
    /// when the cluster could not be asked (the node then decides alone). With `only`, the
    /// answer lists only those of these member keys who are present (a sign-in's watchlist:
    /// the cost of the answer is the watchlist's, not the number of users online).
    fn presence_join(
        &self,
        channel: &str,
        socket: &str,
        member: &Member,
        only: Option<&[String]>,
    ) -> Option<oneshot::Receiver<Option<Snapshot>>>;

    /// A presence subscription of `socket` ended: the cluster decides whether that was the
    /// member's last socket anywhere, and tells every node (this one through
    /// [`Hub::member_gone`](super::Hub::member_gone) or
    /// [`Hub::local_member_gone`](super::Hub::local_member_gone)).
    fn presence_left(&self, channel: &str, socket: &str, member: Member);
}
