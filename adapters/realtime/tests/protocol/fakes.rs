//! A real `confab_application::Confab` over small in-memory ports (`accounts.rs`, `conversations.rs`),
//! wired to a real realtime server whose listener also speaks envelopes.

use std::sync::Arc;

use confab_application::{Confab, Ports};
use confab_domain::{Conversation, ConversationId, DomainError, UserId};
use confab_realtime::RealtimeConfig;
use poem::listener::{Acceptor, Listener, TcpListener};

use crate::envelope_client::Envelopes;
use crate::helpers::TestServer;

mod accounts;
mod conversations;

use accounts::{NoLogins, NoPasswords, NoThrottle, Sessions, SystemClock, Tokens, Users};
use conversations::{Conversations, Messages, Store};

fn unsupported<T>() -> Result<T, DomainError> {
    Err(DomainError::Internal("not in the fake".into()))
}

pub struct EnvelopeServer {
    pub server: TestServer,
    pub app: Confab,
    pub store: Arc<Store>,
}

pub async fn spawn_envelopes() -> EnvelopeServer {
    spawn_envelopes_with(RealtimeConfig::default()).await
}

/// A realtime listener serving both protocols (`routes_with_envelopes`), plus `/ws` as the API
/// listener mounts it, over one hub and a real application.
pub async fn spawn_envelopes_with(config: RealtimeConfig) -> EnvelopeServer {
    let realtime = crate::helpers::realtime(config.clone());
    let users = Arc::new(Users::new());
    let store = Arc::new(Store::default());
    let app = Confab::new(Ports {
        users: users.clone(),
        // Accounts by mail are not part of these protocol tests.
        accounts: Arc::new(confab_domain::ports::MockAccountRepository::new()),
        conversations: Arc::new(Conversations {
            store: store.clone(),
            users: users.clone(),
        }),
        messages: Arc::new(Messages {
            store: store.clone(),
            users: users.clone(),
        }),
        // Files are not part of these protocol tests: a mock without expectations fails any call.
        attachments: Arc::new(confab_domain::ports::MockAttachmentRepository::new()),
        exports: Arc::new(confab_domain::ports::MockExportRepository::new()),
        moderation: Arc::new(nobody_blocks()),
        files: Arc::new(confab_domain::ports::MockFileStore::new()),
        images: Arc::new(confab_domain::ports::MockImageProcessor::new()),
        broadcaster: realtime.broadcaster(),
        channels: realtime.channel_signer(),
        hasher: Arc::new(NoPasswords),
        tokens: Arc::new(Tokens),
        sessions: Arc::new(Sessions(users.clone())),
        throttle: Arc::new(NoThrottle),
        login_throttle: Arc::new(NoLogins),
        // Typing goes through the HTTP API, which these tests do not serve.
        typing: Arc::new(confab_domain::ports::MockTypingThrottle::new()),
        clock: Arc::new(SystemClock),
    });
    let acceptor = TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .expect("bind a free port");
    let addr = *acceptor.local_addr()[0]
        .as_socket_addr()
        .expect("a TCP address");
    let routes = realtime.routes_with_envelopes(app.clone());
    tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(routes));
    EnvelopeServer {
        server: TestServer {
            addr,
            realtime,
            config,
        },
        app,
        store,
    }
}

impl EnvelopeServer {
    /// A group room created by `creator` with `others` in it.
    pub fn room(&self, creator: i64, others: &[i64]) -> ConversationId {
        let mut all = self.store.conversations.lock().unwrap();
        let id = ConversationId(all.len() as i64 + 1);
        let now = chrono::Utc::now();
        all.push(Conversation {
            id,
            kind: confab_domain::ConversationKind::Group,
            name: None,
            created_by: UserId(creator),
            settings: Default::default(),
            participants: std::iter::once(confab_domain::Participant::owner(UserId(creator)))
                .chain(
                    others
                        .iter()
                        .map(|u| confab_domain::Participant::new(UserId(*u))),
                )
                .collect(),
            banned: vec![],
            closed_at: None,
            created_at: now,
            updated_at: now,
            version: 1,
        });
        id
    }

    pub fn url(&self, path_and_query: &str) -> String {
        format!("ws://{}{path_and_query}", self.server.addr)
    }

    /// An envelope socket of `user` on the realtime listener's `/`, shown working by a ping.
    pub async fn envelopes(&self, user: i64) -> Envelopes {
        let mut client = Envelopes::open(&self.url(&format!("/?token=token-{user}")), None).await;
        client.assert_alive().await;
        client
    }
}

/// Moderation is not part of these protocol tests, but starting a direct chat asks who blocks
/// whom: nobody. Any other call fails (a mock without expectations).
fn nobody_blocks() -> confab_domain::ports::MockModerationRepository {
    let mut moderation = confab_domain::ports::MockModerationRepository::new();
    moderation
        .expect_blockers_of()
        .returning(|_, _| Ok(Vec::new()));
    moderation
}
