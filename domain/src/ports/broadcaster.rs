use async_trait::async_trait;

use crate::{ConversationId, RealtimeEvent, SessionId, UserId};

/// A realtime connection, named as the Pusher protocol names it (`"123.456"`). A publish may leave
/// out the socket that caused it, so a sender's own tab does not get its message twice.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SocketId(pub String);

/// Live delivery to connected clients.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Broadcaster: Send + Sync {
    /// Delivers an event to whoever listens for it, except `except`.
    ///
    /// Infallible by contract: the change that caused the event is already stored, so a delivery
    /// failure must not turn a successful request into an error. Implementations log it instead.
    async fn publish(&self, event: RealtimeEvent, except: Option<SocketId>);

    /// Cuts `user` off from `conversation`'s live events: every socket of theirs, on every node,
    /// stops receiving the room's channels, and its old signatures for them are refused. Called
    /// when someone is removed, banned or leaves, after the room was told; nothing published after
    /// it returns reaches them.
    ///
    /// Infallible like [`Broadcaster::publish`]: the removal is already stored.
    async fn revoke(&self, user: UserId, conversation: ConversationId);

    /// Closes every realtime connection of `user`, on every node, that was opened or authorized
    /// with a token of one of `sessions`: they ended (logout, password change), so what they
    /// were allowed to hear ends with them.
    ///
    /// Infallible like [`Broadcaster::publish`]: the sessions already ended.
    async fn end_sessions(&self, user: UserId, sessions: &[SessionId]);

    /// Keeps `user`'s sockets, on every node, from whispering (client events, envelope pings) on
    /// `conversation`'s channels until `until`; `None` lets them again. Called when a timeout is
    /// set or lifted, and when a timed-out member subscribes (so a node that started meanwhile
    /// knows too). They still hear the room.
    ///
    /// Infallible like [`Broadcaster::publish`]: the timeout is already stored.
    async fn silence(
        &self,
        user: UserId,
        conversation: ConversationId,
        until: Option<crate::Timestamp>,
    );
}

/// Delivers nothing: for a server run without a realtime listener, and for tools.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoBroadcaster;

#[async_trait]
impl Broadcaster for NoBroadcaster {
    async fn publish(&self, _event: RealtimeEvent, _except: Option<SocketId>) {}

    async fn revoke(&self, _user: UserId, _conversation: ConversationId) {}
    async fn end_sessions(&self, _user: UserId, _sessions: &[SessionId]) {}
    async fn silence(
        &self,
        _user: UserId,
        _conversation: ConversationId,
        _until: Option<crate::Timestamp>,
    ) {
    }
}
