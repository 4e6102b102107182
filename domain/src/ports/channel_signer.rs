use crate::ports::SocketId;
use crate::{Channel, DomainError, SessionId, UserId, UserSummary};

/// The most users a signed-in socket watches (Pusher's limit on a watchlist).
pub const MAX_WATCHLIST: usize = 100;

/// What a client presents when subscribing to a private or presence channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelGrant {
    /// `key:signature`, as pusher-js expects it.
    pub auth: String,
    /// For presence channels: the member's `{user_id, user_info}` as a JSON string, exactly the
    /// bytes that were signed.
    pub channel_data: Option<String>,
    /// For encrypted channels: the channel's key, base64 (pusher-js decrypts with it).
    pub shared_secret: Option<String>,
}

/// What a client presents to sign its socket in as a user (`pusher:signin`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserGrant {
    /// `key:signature` over the socket id and `user_data`.
    pub auth: String,
    /// The user as a JSON string — `id`, `user_info` and `watchlist` — exactly the bytes signed.
    pub user_data: String,
}

/// Signs channel subscriptions for the realtime server. The use case has already decided that
/// `user` may listen; the signer only proves it to the socket server, and may remember which user
/// the socket belongs to and which session signed for it (so that server can cut the user off
/// from a room, or close the socket when that session ends).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait ChannelSigner: Send + Sync {
    /// # Errors
    /// `Invalid` on field `socket_id` for a socket id that is not `digits.digits`.
    fn sign(
        &self,
        socket: &SocketId,
        channel: Channel,
        user: &UserSummary,
        session: Option<SessionId>,
    ) -> Result<ChannelGrant, DomainError>;

    /// Takes back what `sign` just gave on `socket` for `channel`, because the user turned out to
    /// have been removed while it was being signed: the socket server refuses the socket's
    /// signatures for `channel` again (until a new `sign`) and ends its subscription to it.
    fn withdraw(&self, socket: &SocketId, channel: Channel);

    /// Signs `socket` in as `user`, told when each of `watchlist` (at most [`MAX_WATCHLIST`]) comes
    /// online or goes offline; like `sign`, it may remember whose socket this is and which session
    /// signed for it.
    ///
    /// # Errors
    /// `Invalid` on field `socket_id` for a socket id that is not `digits.digits`;
    /// `ChannelForbidden` when the socket already belongs to another user.
    fn sign_user(
        &self,
        socket: &SocketId,
        user: &UserSummary,
        watchlist: &[UserId],
        session: Option<SessionId>,
    ) -> Result<UserGrant, DomainError>;
}

/// For a server run without a realtime listener: nothing can be subscribed to.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoChannels;

impl ChannelSigner for NoChannels {
    fn sign(
        &self,
        _: &SocketId,
        _: Channel,
        _: &UserSummary,
        _: Option<SessionId>,
    ) -> Result<ChannelGrant, DomainError> {
        Err(DomainError::ChannelForbidden)
    }

    fn withdraw(&self, _: &SocketId, _: Channel) {}

    fn sign_user(
        &self,
        _: &SocketId,
        _: &UserSummary,
        _: &[UserId],
        _: Option<SessionId>,
    ) -> Result<UserGrant, DomainError> {
        Err(DomainError::ChannelForbidden)
    }
}
