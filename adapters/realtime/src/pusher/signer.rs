//! The domain's `ChannelSigner` port: what `POST /api/broadcasting/auth` and
//! `POST /api/broadcasting/user-auth` answer with, signed with the app secret exactly as the
//! socket side verifies it.

use std::sync::Arc;

use confab_domain::ports::{ChannelGrant, ChannelSigner, SocketId, UserGrant};
use confab_domain::{Channel, DomainError, SessionId, UserId, UserSummary};
use serde_json::json;

use crate::hub::Hub;
use crate::protocol::ONLINE_CHANNEL;
use crate::pusher::signature;

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
        session: Option<SessionId>,
    ) -> Result<ChannelGrant, DomainError> {
        if !valid_socket_id(&socket.0) {
            return Err(DomainError::invalid(
                "socket_id",
                "The socket id must be two numbers joined by a dot.",
            ));
        }
        let name = channel.name();
        let config = self.hub.config();
        // Its key, before anything is granted: without a master key nobody may listen.
        let shared_secret = match (channel.is_encrypted(), &config.encryption_master_key) {
            (false, _) => None,
            (true, Some(master)) => Some(signature::shared_secret(&name, master)),
            (true, None) => return Err(DomainError::ChannelForbidden),
        };
        // The use case has just decided this user may listen here: remember whose socket this is
        // (for revocation) and lift any earlier revocation of this channel — or refuse, before
        // anything is signed, when the socket is another user's: re-tagging it would let the
        // first user's socket escape that user's revocation.
        self.hub
            .grant(
                &socket.0,
                user.id,
                &name,
                session.as_ref().map(SessionId::as_str),
            )
            .map_err(|_| DomainError::ChannelForbidden)?;
        let channel_data = channel.is_presence().then(|| {
            json!({"user_id": user.id.get(), "user_info": {"id": user.id.get(), "name": user.name}})
                .to_string()
        });
        let signed = signature::channel_string(&socket.0, &name, channel_data.as_deref());
        let auth = format!(
            "{}:{}",
            config.key,
            signature::sign(&config.secret, &signed)
        );
        Ok(ChannelGrant {
            auth,
            channel_data,
            shared_secret,
        })
    }

    /// The grant raced a removal: the socket is refused the channel again and unsubscribed from
    /// it, wherever it lives.
    fn withdraw(&self, socket: &SocketId, channel: Channel) {
        if valid_socket_id(&socket.0) {
            self.hub.withdraw(&socket.0, &channel.name());
        }
    }

    /// `user_data` is `{"id": "<id>", "user_info": {"id", "name"}, "watchlist": ["<id>", …]}`:
    /// ids as text, as Pusher has them, and the same `user_info` as a presence member's. The
    /// socket is tagged as the user's, as a channel signature tags it (so a logout closes it).
    fn sign_user(
        &self,
        socket: &SocketId,
        user: &UserSummary,
        watchlist: &[UserId],
        session: Option<SessionId>,
    ) -> Result<UserGrant, DomainError> {
        if !valid_socket_id(&socket.0) {
            return Err(DomainError::invalid(
                "socket_id",
                "The socket id must be two numbers joined by a dot.",
            ));
        }
        self.hub
            .grant(
                &socket.0,
                user.id,
                ONLINE_CHANNEL,
                session.as_ref().map(SessionId::as_str),
            )
            .map_err(|_| DomainError::ChannelForbidden)?;
        let watchlist: Vec<String> = watchlist.iter().map(ToString::to_string).collect();
        let user_data = json!({
            "id": user.id.to_string(),
            "user_info": {"id": user.id.get(), "name": user.name},
            "watchlist": watchlist,
        })
        .to_string();
        let config = self.hub.config();
        let signed = signature::user_string(&socket.0, &user_data);
        Ok(UserGrant {
            auth: format!(
                "{}:{}",
                config.key,
                signature::sign(&config.secret, &signed)
            ),
            user_data,
        })
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
            avatar: None,
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
            .sign(
                &SocketId("x".into()),
                Channel::User(UserId(2)),
                &jane(),
                None,
            )
            .unwrap_err();
        assert!(matches!(error, DomainError::Invalid(_)));
    }

    #[test]
    fn presence_grants_carry_the_signed_channel_data() {
        let socket = SocketId("1.2".into());
        let channel = Channel::ConversationPresence(ConversationId(5));
        let grant = signer().sign(&socket, channel, &jane(), None).unwrap();
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
    fn an_encrypted_channel_gets_its_key_and_none_without_a_master_key() {
        let socket = SocketId("1.2".into());
        let channel = Channel::EncryptedConversation(ConversationId(4));
        let refused = signer().sign(&socket, channel, &jane(), None);
        assert_eq!(refused, Err(DomainError::ChannelForbidden));
        let mut master = [0u8; 32];
        for (i, byte) in master.iter_mut().enumerate() {
            *byte = u8::try_from(i).unwrap();
        }
        let config = RealtimeConfig {
            encryption_master_key: Some(master),
            ..RealtimeConfig::default()
        };
        let keyed = PusherSigner::new(Arc::new(Hub::new(config)));
        let grant = keyed.sign(&socket, channel, &jane(), None).unwrap();
        // base64(SHA-256("private-encrypted-conversation.4" ‖ bytes 0..32)), computed apart.
        assert_eq!(
            grant.shared_secret.as_deref(),
            Some("+kf9UZawtugEgNW6e+fhROYRgZG7nC3IXwtmymu/hks=")
        );
        assert_eq!(grant.channel_data, None);
        let plain = keyed
            .sign(
                &socket,
                Channel::Conversation(ConversationId(4)),
                &jane(),
                None,
            )
            .unwrap();
        assert_eq!(plain.shared_secret, None);
    }

    fn mallory(id: i64) -> UserSummary {
        UserSummary {
            id: UserId(id),
            name: "Mallory".into(),
            avatar: None,
        }
    }

    /// Two accounts, one socket: the socket stays the first account's, so banning that account
    /// still reaches it.
    #[test]
    fn a_socket_owned_by_one_user_is_refused_signatures_for_another() {
        let hub = Arc::new(Hub::new(RealtimeConfig::default()));
        let signer = PusherSigner::new(hub.clone());
        let (tx, _rx) = tokio::sync::mpsc::channel(16);
        let (kill, _) = crate::hub::KillSwitch::new();
        let socket = SocketId(
            hub.register(tx, kill, crate::hub::Wire::Pusher, None)
                .unwrap(),
        );
        let room = Channel::Conversation(ConversationId(7));
        signer.sign(&socket, room, &mallory(1), None).unwrap();
        hub.subscribe(&socket.0, &room.name(), None).unwrap();

        for channel in [
            Channel::User(UserId(2)),
            Channel::ConversationPresence(ConversationId(8)),
            room,
        ] {
            let refused = signer
                .sign(&socket, channel, &mallory(2), None)
                .unwrap_err();
            assert_eq!(refused, DomainError::ChannelForbidden, "{channel:?}");
        }
        // The first account's own signatures still work.
        signer
            .sign(&socket, Channel::User(UserId(1)), &mallory(1), None)
            .unwrap();

        hub.revoke(UserId(1), &[room.name()]);
        assert_eq!(hub.channel(&room.name()).subscription_count, 0);
    }

    #[test]
    fn a_user_grant_signs_the_user_data_it_hands_out() {
        let grant = signer()
            .sign_user(
                &SocketId("1.2".into()),
                &jane(),
                &[UserId(3), UserId(1)],
                None,
            )
            .unwrap();
        assert_eq!(
            grant.user_data,
            r#"{"id":"2","user_info":{"id":2,"name":"Jane \"J\" Doe"},"watchlist":["3","1"]}"#
        );
        assert!(signature::verify_user_auth(
            "confab-key",
            "confab-secret",
            &grant.auth,
            "1.2",
            &grant.user_data,
        ));
        let refused = signer().sign_user(&SocketId("1".into()), &jane(), &[], None);
        assert!(matches!(refused, Err(DomainError::Invalid(_))));
    }

    #[test]
    fn private_grants_have_no_channel_data() {
        let grant = signer()
            .sign(
                &SocketId("1.2".into()),
                Channel::User(UserId(2)),
                &jane(),
                None,
            )
            .unwrap();
        assert_eq!(grant.channel_data, None);
        assert!(grant.auth.starts_with("confab-key:"));
    }
}
