//! The writer task of one socket: drains its bounded queue in order, coalescing what is queued
//! into one write, and says goodbye when the socket is killed.

use futures_util::SinkExt;
use futures_util::stream::SplitSink;
use poem::web::websocket::{Message, WebSocketStream};
use tokio::sync::{mpsc, oneshot};

use super::GOODBYE_TIMEOUT;
use crate::hub::{Kill, Wire};
use crate::protocol::{self, Frame};

/// The most queued frames one write takes (a quarter of the default queue): enough to fold a burst
/// into a few system calls, few enough that one write stays small.
const COALESCE_FRAMES: usize = 64;

pub(super) async fn say_goodbye(sink: &mut SplitSink<WebSocketStream, Message>, kill: Kill) {
    if let Some((code, message)) = &kill.error {
        let frame = protocol::error(*code, message);
        let _ = tokio::time::timeout(GOODBYE_TIMEOUT, sink.send(Message::Text(frame.to_string())))
            .await;
    }
    let close = Message::close_with(kill.close_code, kill.reason);
    let _ = tokio::time::timeout(GOODBYE_TIMEOUT, sink.send(close)).await;
}

/// The next keep-alive ping asked of the writer; never, for a writer not asked any.
async fn next_ping(pings: &mut Option<mpsc::Receiver<()>>) -> Option<()> {
    match pings {
        Some(pings) => pings.recv().await,
        None => std::future::pending().await,
    }
}

/// Writes queued frames in order. A kill takes priority over the queue (a slow consumer's queue
/// is full by definition) and interrupts a write the peer is not accepting.
///
/// `pings` asks for WebSocket-level pings (envelope sockets, whose protocol has no ping of its
/// own for idle checks). An envelope socket's goodbye is the close frame alone: a
/// `pusher:error` would be noise to it.
pub(crate) async fn write_loop(
    mut sink: SplitSink<WebSocketStream, Message>,
    mut queue: mpsc::Receiver<Frame>,
    mut killed: oneshot::Receiver<Kill>,
    wire: Wire,
    mut pings: Option<mpsc::Receiver<()>>,
) {
    let goodbye = |kill: Kill| match wire {
        Wire::Pusher => kill,
        Wire::Envelope => Kill {
            error: None,
            ..kill
        },
    };
    loop {
        let next = tokio::select! {
            biased;
            kill = &mut killed => {
                if let Ok(kill) = kill {
                    Box::pin(say_goodbye(&mut sink, goodbye(kill))).await;
                }
                return;
            }
            frame = queue.recv() => frame.map(|frame| Message::Text(frame.to_string())),
            Some(()) = next_ping(&mut pings) => Some(Message::Ping(Vec::new())),
        };
        let Some(message) = next else {
            let _ = Box::pin(tokio::time::timeout(GOODBYE_TIMEOUT, sink.close())).await;
            return;
        };
        // Whatever else is already queued goes out with it: one write for the lot instead of one
        // per frame (a burst, or a busy room, costs the socket one system call per batch).
        // Boxed: it lives only while a write is under way, not in every idle writer's state.
        let write = Box::pin(async {
            sink.feed(message).await?;
            for _ in 1..COALESCE_FRAMES {
                match queue.try_recv() {
                    Ok(frame) => sink.feed(Message::Text(frame.to_string())).await?,
                    Err(_) => break,
                }
            }
            sink.flush().await
        });
        tokio::select! {
            biased;
            kill = &mut killed => {
                if let Ok(kill) = kill {
                    Box::pin(say_goodbye(&mut sink, goodbye(kill))).await;
                }
                return;
            }
            sent = write => {
                if sent.is_err() {
                    return;
                }
            }
        }
    }
}
