//! A real `confab_application::Confab` over small in-memory ports, wired to a real realtime
//! server whose listener also speaks envelopes, and a small envelope client.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use confab_application::{Confab, Ports};
use confab_domain::ports::{ConversationRepository, Decide, MessageRepository};
use confab_domain::{
    Appended, Conversation, ConversationId, ConversationOverview, Cursor, Direction, DomainError,
    Emoji, Message, MessageBody, MessageChange, MessageId, MessageView, NewConversation,
    NewMessage, Page, PageRequest, ReactionAction, RoomChange, RoomDifference, SearchQuery,
    SearchScope, Slice, Timestamp, UserId,
};
use confab_realtime::RealtimeConfig;
use futures_util::{SinkExt, StreamExt};
use poem::listener::{Acceptor, Listener, TcpListener};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::helpers::{Ending, TestServer, WAIT};

mod accounts;

use accounts::{NoLogins, NoPasswords, NoThrottle, Sessions, SystemClock, Tokens, Users};

fn unsupported<T>() -> Result<T, DomainError> {
    Err(DomainError::Internal("not in the fake".into()))
}

#[derive(Default)]
pub struct Store {
    pub conversations: Mutex<Vec<Conversation>>,
    messages: Mutex<Vec<MessageView>>,
}

pub struct Conversations {
    store: Arc<Store>,
    users: Arc<Users>,
}

#[async_trait]
impl ConversationRepository for Conversations {
    async fn create(&self, new: NewConversation) -> Result<Conversation, DomainError> {
        let mut all = self.store.conversations.lock().unwrap();
        let conversation = Conversation {
            id: ConversationId(all.len() as i64 + 1),
            kind: new.kind,
            name: new.name,
            created_by: new.created_by,
            participants: new
                .participants
                .into_iter()
                .map(confab_domain::Participant::new)
                .collect(),
            banned: vec![],
            closed_at: None,
            created_at: new.created_at,
            updated_at: new.created_at,
            version: 1,
        };
        all.push(conversation.clone());
        Ok(conversation)
    }
    async fn find(&self, id: ConversationId) -> Result<Option<Conversation>, DomainError> {
        let all = self.store.conversations.lock().unwrap();
        Ok(all.iter().find(|c| c.id == id).cloned())
    }
    async fn find_direct_between(
        &self,
        a: UserId,
        b: UserId,
    ) -> Result<Option<ConversationId>, DomainError> {
        let all = self.store.conversations.lock().unwrap();
        Ok(all
            .iter()
            .find(|c| {
                c.kind == confab_domain::ConversationKind::Direct
                    && c.is_participant(a)
                    && c.is_participant(b)
            })
            .map(|c| c.id))
    }
    async fn overview(
        &self,
        id: ConversationId,
        _viewer: UserId,
    ) -> Result<Option<ConversationOverview>, DomainError> {
        let Some(c) = self.find(id).await? else {
            return Ok(None);
        };
        let summary = |id| self.users.summary(id).expect("a known user");
        Ok(Some(ConversationOverview {
            id: c.id,
            kind: c.kind,
            name: c.name.as_ref().map(|n| n.as_str().to_owned()),
            created_by: summary(c.created_by),
            closed_at: c.closed_at,
            participants: c.participants.iter().map(|p| summary(p.user_id)).collect(),
            last_message: None,
            unread_count: 0,
            updated_at: c.updated_at,
            last_read: Default::default(),
        }))
    }
    async fn list_for(&self, _: UserId) -> Result<Vec<ConversationOverview>, DomainError> {
        unsupported()
    }
    async fn modify(
        &self,
        id: ConversationId,
        mut decide: Box<dyn Decide>,
    ) -> Result<RoomChange, DomainError> {
        let mut all = self.store.conversations.lock().unwrap();
        let slot = all
            .iter_mut()
            .find(|c| c.id == id)
            .ok_or(DomainError::ConversationNotFound)?;
        let mut room = slot.clone();
        decide.decide(&mut room)?;
        let difference = RoomDifference::between(slot, &room);
        let names = difference
            .people(&room)
            .into_iter()
            .filter_map(|user| self.users.summary(user))
            .map(|user| (user.id, user.name))
            .collect();
        let events = difference.events(&room, &names);
        *slot = room.clone();
        Ok(RoomChange { room, events })
    }
    async fn mark_read(&self, _: ConversationId, _: UserId, _: u64) -> Result<(), DomainError> {
        Ok(())
    }
}

pub struct Messages {
    store: Arc<Store>,
    users: Arc<Users>,
}

#[async_trait]
impl MessageRepository for Messages {
    /// Checks the posting rule on the stored room, as the real repository does at commit.
    async fn append(&self, new: NewMessage) -> Result<Appended, DomainError> {
        self.store
            .conversations
            .lock()
            .unwrap()
            .iter()
            .find(|c| c.id == new.conversation_id)
            .ok_or(DomainError::ConversationNotFound)?
            .ensure_can_post(new.sender)?;
        let mut all = self.store.messages.lock().unwrap();
        let seq = all
            .iter()
            .filter(|m| m.message.conversation_id == new.conversation_id)
            .count() as u64
            + 1;
        let view = MessageView {
            message: Message {
                id: MessageId(all.len() as i64 + 1),
                conversation_id: new.conversation_id,
                seq,
                sender: new.sender,
                body: new.body.as_str().to_owned(),
                created_at: new.created_at,
                edited_at: None,
                deleted_at: None,
                client_id: None,
                reply_to: None,
            },
            author: self.users.summary(new.sender).expect("a known user"),
            reply_to: None,
            reactions: Vec::new(),
        };
        all.push(view.clone());
        Ok(Appended::New(view))
    }
    async fn newest(&self, _: ConversationId) -> Result<Option<Message>, DomainError> {
        unsupported()
    }
    /// What a reconnecting envelope client's `since` reads: the room's messages after `from`, in
    /// the cursor's order, like the real repository. It takes a while, as a database read would:
    /// messages sent meanwhile are both live and in the answer, which is the seam to test.
    async fn slice(
        &self,
        conversation: ConversationId,
        cursor: Cursor,
        _: UserId,
    ) -> Result<Option<Slice<MessageView>>, DomainError> {
        tokio::time::sleep(std::time::Duration::from_millis(40)).await;
        let all = self.store.messages.lock().unwrap();
        let room: Vec<&MessageView> = all
            .iter()
            .filter(|m| m.message.conversation_id == conversation)
            .collect();
        let Some(from) = room.iter().position(|m| m.message.id == cursor.from) else {
            return Ok(None);
        };
        let rows: Vec<MessageView> = match cursor.direction {
            Direction::After => room[from + 1..].iter().map(|m| (*m).clone()).collect(),
            Direction::Before => room[..from].iter().rev().map(|m| (*m).clone()).collect(),
        };
        let probe = rows.into_iter().take(cursor.limit as usize + 1).collect();
        Ok(Some(Slice::from_probe(probe, cursor.limit)))
    }
    async fn list(
        &self,
        _: ConversationId,
        _: PageRequest,
        _: UserId,
    ) -> Result<Page<MessageView>, DomainError> {
        unsupported()
    }
    async fn find(
        &self,
        _: ConversationId,
        _: MessageId,
        _: UserId,
    ) -> Result<Option<MessageView>, DomainError> {
        unsupported()
    }
    async fn edit(
        &self,
        _: MessageId,
        _: &MessageBody,
        _: Timestamp,
    ) -> Result<MessageChange, DomainError> {
        unsupported()
    }
    async fn delete(
        &self,
        _: MessageId,
        _: Timestamp,
    ) -> Result<Option<MessageChange>, DomainError> {
        unsupported()
    }
    async fn react(
        &self,
        _: MessageId,
        _: UserId,
        _: &Emoji,
        _: ReactionAction,
        _: Timestamp,
    ) -> Result<Option<MessageChange>, DomainError> {
        unsupported()
    }
    async fn search(
        &self,
        _: SearchScope,
        _: &SearchQuery,
        _: PageRequest,
        _: UserId,
    ) -> Result<Page<MessageView>, DomainError> {
        unsupported()
    }
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
        conversations: Arc::new(Conversations {
            store: store.clone(),
            users: users.clone(),
        }),
        messages: Arc::new(Messages {
            store: store.clone(),
            users: users.clone(),
        }),
        broadcaster: realtime.broadcaster(),
        channels: realtime.channel_signer(),
        hasher: Arc::new(NoPasswords),
        tokens: Arc::new(Tokens),
        sessions: Arc::new(Sessions(users.clone())),
        throttle: Arc::new(NoThrottle),
        login_throttle: Arc::new(NoLogins),
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
            participants: std::iter::once(creator)
                .chain(others.iter().copied())
                .map(|u| confab_domain::Participant::new(UserId(u)))
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

pub struct Envelopes {
    pub ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    probes: u32,
}

impl Envelopes {
    pub async fn open(url: &str, bearer: Option<&str>) -> Self {
        let mut request = url.into_client_request().unwrap();
        if let Some(token) = bearer {
            request.headers_mut().insert(
                "Authorization",
                HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
            );
        }
        let (ws, _) = tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(request))
            .await
            .expect("connect in time")
            .expect("WebSocket handshake");
        Self { ws, probes: 0 }
    }

    pub async fn send(&mut self, envelope: Value) {
        self.send_raw(WsMessage::text(envelope.to_string())).await;
    }

    pub async fn send_raw(&mut self, message: WsMessage) {
        tokio::time::timeout(WAIT, self.ws.send(message))
            .await
            .expect("send in time")
            .expect("send");
    }

    async fn next_text(&mut self) -> Option<String> {
        loop {
            match self.ws.next().await? {
                Ok(WsMessage::Text(text)) => return Some(text.to_string()),
                Ok(WsMessage::Close(_)) | Err(_) => return None,
                Ok(_) => continue,
            }
        }
    }

    /// The next envelope, checked to carry all six members with the server's types.
    pub async fn next(&mut self) -> Value {
        let envelope: Value = match tokio::time::timeout(WAIT, self.next_text()).await {
            Ok(Some(text)) => serde_json::from_str(&text).expect("envelopes are JSON"),
            Ok(None) => panic!("the socket closed while an envelope was expected"),
            Err(_) => panic!("no envelope within {WAIT:?}"),
        };
        let keys: Vec<&str> = envelope
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            ["id", "type", "from", "to", "ts", "payload"],
            "{envelope}"
        );
        assert!(envelope["ts"].is_i64(), "{envelope}");
        assert!(envelope["payload"].is_object(), "{envelope}");
        envelope
    }

    /// Sends `envelope` and returns the answer, which must name its id.
    pub async fn ask(&mut self, envelope: Value) -> Value {
        let id = envelope["id"].clone();
        self.send(envelope).await;
        let answer = self.next().await;
        assert_eq!(answer["id"], id, "{answer}");
        assert_eq!(answer["payload"]["ack"], id, "{answer}");
        answer
    }

    /// Sends `envelope` and expects an ack.
    pub async fn ok(&mut self, envelope: Value) -> Value {
        let answer = self.ask(envelope).await;
        assert_eq!(answer["type"], "ack", "{answer}");
        answer
    }

    /// Sends `envelope` and expects an error with `status`.
    pub async fn refused(&mut self, envelope: Value, status: u16) -> Value {
        let answer = self.ask(envelope).await;
        assert_eq!(answer["type"], "error", "{answer}");
        assert_eq!(answer["payload"]["status"], status, "{answer}");
        assert!(answer["payload"]["reason"].is_string(), "{answer}");
        answer
    }

    pub async fn join(&mut self, to: &str) {
        self.ok(json!({"id": format!("join {to}"), "type": "join", "to": to}))
            .await;
    }

    /// Proves the socket is open and served: a ping gets its ack.
    pub async fn assert_alive(&mut self) {
        self.probes += 1;
        let id = format!("probe-{}", self.probes);
        self.ok(json!({"id": id, "type": "ping"})).await;
    }

    pub async fn expect_silence(&mut self, quiet: std::time::Duration) {
        if let Ok(Some(text)) = tokio::time::timeout(quiet, self.next_text()).await {
            panic!("expected silence, got {text}");
        }
    }

    /// Reads until the socket ends; the close code and reason, if it was closed.
    pub async fn expect_end(&mut self) -> (Ending, String) {
        let ending = async {
            loop {
                match self.ws.next().await {
                    Some(Ok(WsMessage::Close(frame))) => {
                        let reason = frame
                            .as_ref()
                            .map(|f| f.reason.to_string())
                            .unwrap_or_default();
                        return (Ending::Closed(frame.map(|f| u16::from(f.code))), reason);
                    }
                    Some(Ok(WsMessage::Text(text))) => {
                        panic!("expected the socket to end, got {text}")
                    }
                    Some(Ok(_)) => continue,
                    Some(Err(_)) | None => return (Ending::Dropped, String::new()),
                }
            }
        };
        tokio::time::timeout(WAIT, ending)
            .await
            .expect("the socket ends in time")
    }
}
