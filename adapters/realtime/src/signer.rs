//! The domain's `ChannelSigner` port: what `POST /api/broadcasting/auth` answers with, signed with
//! the app secret exactly as the socket side verifies it.

use std::sync::Arc;

use confab_domain::ports::{ChannelGrant, ChannelSigner, SocketId};
use confab_domain::{Channel, DomainError, UserSummary};
use serde_json::json;

use crate::hub::Hub;
use crate::signature;

pub(crate) struct PusherSigner {
    hub: Arc<Hub>,
}

impl PusherSigner {
    pub(crate) fn new(hub: Arc<Hub>) -> Self {
        Self { hub }
    }
}

/// `digits.digits`, each part at most 20 digits (a u64): anything else was not made by a Pusher
/// server and must not reach the string we sign.
pub(crate) fn valid_socket_id(socket_id: &str) -> bool {
    let part_ok = |part: &str| {
        !part.is_empty() && part.len() <= 20 && part.bytes().all(|b| b.is_ascii_digit())
    };
    socket_id
        .split_once('.')
        .is_some_and(|(left, right)| part_ok(left) && part_ok(right))
}

impl ChannelSigner for PusherSigner {
    /// # Errors
    /// `Invalid` on `socket_id` when it is not `digits.digits`.
    fn sign(
        &self,
        socket: &SocketId,
        channel: Channel,
        user: &UserSummary,
    ) -> Result<ChannelGrant, DomainError> {
        if !valid_socket_id(&socket.0) {
            return Err(DomainError::invalid(
                "socket_id",
                "The socket id must be two numbers joined by a dot.",
            ));
        }
        let name = channel.name();
        let channel_data = channel.is_presence().then(|| {
            json!({"user_id": user.id.get(), "user_info": {"id": user.id.get(), "name": user.name}})
                .to_string()
        });
        let config = &self.hub.config;
        let signed = signature::channel_string(&socket.0, &name, channel_data.as_deref());
        let auth = format!(
            "{}:{}",
            config.key,
            signature::sign(&config.secret, &signed)
        );
        // The use case has just decided this user may listen here: remember whose socket this is
        // (for revocation) and lift any earlier revocation of this channel.
        self.hub.grant(&socket.0, user.id, &name);
        Ok(ChannelGrant { auth, channel_data })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RealtimeConfig;
    use confab_domain::{ConversationId, UserId};

    fn signer() -> PusherSigner {
        PusherSigner::new(Arc::new(Hub::new(RealtimeConfig::default())))
    }

    fn jane() -> UserSummary {
        UserSummary {
            id: UserId(2),
            name: "Jane \"J\" Doe".into(),
        }
    }

    #[test]
    fn socket_ids_must_be_two_numbers_joined_by_a_dot() {
        for good in ["1.2", "123456.654321"] {
            assert!(valid_socket_id(good), "{good}");
        }
        for bad in ["", "1", "1.", ".1", "a.1", "1.2.3", "1:2", "1.2\n"] {
            assert!(!valid_socket_id(bad), "{bad:?}");
        }
        let error = signer()
            .sign(&SocketId("x".into()), Channel::User(UserId(2)), &jane())
            .unwrap_err();
        assert!(matches!(error, DomainError::Invalid(_)));
    }

    #[test]
    fn presence_grants_carry_the_signed_channel_data() {
        let socket = SocketId("1.2".into());
        let channel = Channel::ConversationPresence(ConversationId(5));
        let grant = signer().sign(&socket, channel, &jane()).unwrap();
        let data = grant.channel_data.unwrap();
        assert_eq!(
            data,
            r#"{"user_id":2,"user_info":{"id":2,"name":"Jane \"J\" Doe"}}"#
        );
        assert!(signature::verify_channel_auth(
            "confab-key",
            "confab-secret",
            &grant.auth,
            "1.2",
            "presence-conversation.5",
            Some(&data),
        ));
    }

    #[test]
    fn private_grants_have_no_channel_data() {
        let grant = signer()
            .sign(&SocketId("1.2".into()), Channel::User(UserId(2)), &jane())
            .unwrap();
        assert_eq!(grant.channel_data, None);
        assert!(grant.auth.starts_with("confab-key:"));
    }
}
