//! User sign-in (`pusher:signin`) on the hub: the socket is marked as the user's, answered
//! `pusher:signin_success`, and joins [`ONLINE_CHANNEL`] as them — a presence join, so the cluster
//! counts the user online once over every socket and node (see `state::online` for what that
//! join tells, and to whom).

use super::state::SignedIn;
use super::{Hub, Member, SubscribeError};
use crate::protocol::{self, ONLINE_CHANNEL, SERVER_TO_USER_PREFIX};

impl Hub {
    /// Signs `socket` in as `member` (its key is the user id), watching `watchlist`, after the
    /// signature over `user_data` held. A socket signed in before signs out first (and leaves its
    /// old `#server-to-user-` channel when the user changed).
    pub(crate) async fn sign_in(
        &self,
        socket: &str,
        user_data: &str,
        member: Member,
        watchlist: Vec<String>,
    ) -> Result<(), SubscribeError> {
        {
            let mut state = self.lock();
            let previous = state
                .sockets
                .get(socket)
                .ok_or(SubscribeError::UnknownSocket)?
                .signed_in
                .as_ref()
                .map(|signed_in| signed_in.key.clone());
            if let Some(previous) = previous {
                state.leave(socket, ONLINE_CHANNEL);
                if previous != member.key {
                    state.leave(socket, &format!("{SERVER_TO_USER_PREFIX}{previous}"));
                }
            }
            if let Some(entry) = state.sockets.get_mut(socket) {
                entry.signed_in = Some(Box::new(SignedIn {
                    key: member.key.clone(),
                    watchlist,
                }));
            }
            state.send(socket, &protocol::signin_success(user_data));
            state.settle();
        }
        self.join_presence(socket, ONLINE_CHANNEL, member).await
    }

    /// The user id `socket` signed in as, if it did.
    pub(crate) fn signed_in_as(&self, socket: &str) -> Option<String> {
        self.lock()
            .sockets
            .get(socket)?
            .signed_in
            .as_ref()
            .map(|signed_in| signed_in.key.clone())
    }
}
