//! Closing a socket from the server side: why, and the switch that tells its writer.

use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::oneshot;

use crate::protocol::codes;

/// Why and how a socket is being closed by the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Kill {
    /// A `pusher:error` sent first, so the client knows why.
    pub error: Option<(u16, String)>,
    /// The WebSocket close code; for Pusher errors the same code, which is what pusher-js reads
    /// to decide whether and how fast to reconnect.
    pub close_code: u16,
    pub reason: String,
}

impl Kill {
    pub(crate) fn with_error(code: u16, message: &str) -> Self {
        Self {
            error: Some((code, message.to_owned())),
            close_code: code,
            reason: message.to_owned(),
        }
    }

    /// `POST /apps/{id}/users/{user}/terminate_connections`, on whichever node the socket is.
    /// The login session behind the socket ended (logout, password change).
    pub(crate) fn session_ended() -> Self {
        Self::with_error(codes::UNAUTHORIZED, "Session ended")
    }

    pub(crate) fn terminated() -> Self {
        Self::with_error(
            codes::UNAUTHORIZED,
            "Connection terminated by the application",
        )
    }

    /// No answer to the idle ping in time (both wire formats; an envelope socket's writer sends
    /// only the close frame).
    pub(crate) fn pong_timeout() -> Self {
        Self::with_error(codes::PONG_TIMEOUT, "Pong reply not received in time")
    }

    /// A frame over the size limit: Reverb's close, 1009 without a `pusher:error` first.
    pub(crate) fn too_big() -> Self {
        Self {
            error: None,
            close_code: codes::MESSAGE_TOO_BIG,
            reason: "Maximum message size exceeded".into(),
        }
    }

    pub(crate) fn slow_consumer() -> Self {
        Self::with_error(
            codes::OVER_CAPACITY,
            "Over capacity: the client did not read its messages fast enough",
        )
    }
}

/// Tells one socket's writer to close it. The first trigger wins; later ones are ignored.
pub(crate) struct KillSwitch(Mutex<Option<oneshot::Sender<Kill>>>);

impl KillSwitch {
    pub(crate) fn new() -> (Arc<Self>, oneshot::Receiver<Kill>) {
        let (tx, rx) = oneshot::channel();
        (Arc::new(Self(Mutex::new(Some(tx)))), rx)
    }

    pub(crate) fn trigger(&self, kill: Kill) {
        let sender = self.0.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(sender) = sender {
            let _ = sender.send(kill);
        }
    }
}
