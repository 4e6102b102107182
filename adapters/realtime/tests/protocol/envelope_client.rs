//! A small envelope client: opens a socket (token in the URL or a bearer header), sends envelopes,
//! reads the next one checked to carry all six members, and asserts acks, errors, silence and the
//! socket's end, every wait bounded by a timeout.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::helpers::{Ending, WAIT};

/// How long the envelope tests wait before they call a socket silent.
pub const QUIET: Duration = Duration::from_millis(200);

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
