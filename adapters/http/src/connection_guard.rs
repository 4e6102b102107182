//! Each accepted connection, guarded where poem's server leaves it to hyper:
//!
//! - **Timeouts.** poem 3 sets no header-read timeout and hyper has no keep-alive idle limit of
//!   its own, so a client could hold a connection forever by sending nothing, or a header a byte
//!   at a time. Here a connection waiting for a request is closed after [`ConnectionLimits::idle`]
//!   without a byte, and once a request head has begun it must be complete within
//!   [`ConnectionLimits::header_read`].
//! - **JSON for what hyper answers itself.** A request hyper cannot parse (a URL over 64 KiB, too
//!   many or too large headers, a NUL in a header) is answered by hyper with a 414, 431 or 400 and
//!   an empty body, before any of our code runs. Those answers get the document's error body.
//!
//! - **Bounded reads** (see [`capped_read`](crate::capped_read)): a fast upload no longer
//!   grows hyper's read buffer towards a MiB per connection.
//!
//! All live at the byte level because that is the only place the server lets us in. After a
//! `101 Switching Protocols` the connection is a WebSocket with heartbeats of its own, and the
//! guard steps aside.

use std::io::{IoSlice, Result as IoResult};
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use poem::http::uri::Scheme;
use poem::listener::{Acceptor, Listener};
use poem::web::{LocalAddr, RemoteAddr};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

use crate::capped_read::poll_read_capped;

/// How long a connection may wait for, and take over, a request head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// From the first byte of a request head to its end.
    pub header_read: Duration,
    /// A connection waiting for a request (new, or kept alive after a response) with nothing sent.
    pub idle: Duration,
}

/// A listener whose connections are [`Guarded`].
pub struct GuardedListener<L> {
    inner: L,
    limits: ConnectionLimits,
}

impl<L> GuardedListener<L> {
    pub fn new(inner: L, limits: ConnectionLimits) -> Self {
        Self { inner, limits }
    }
}

impl<L: Listener> Listener for GuardedListener<L> {
    type Acceptor = GuardedAcceptor<L::Acceptor>;

    async fn into_acceptor(self) -> IoResult<Self::Acceptor> {
        Ok(GuardedAcceptor {
            inner: self.inner.into_acceptor().await?,
            limits: self.limits,
        })
    }
}

pub struct GuardedAcceptor<A> {
    inner: A,
    limits: ConnectionLimits,
}

impl<A: Acceptor> Acceptor for GuardedAcceptor<A> {
    type Io = Guarded<A::Io>;

    fn local_addr(&self) -> Vec<LocalAddr> {
        self.inner.local_addr()
    }

    async fn accept(&mut self) -> IoResult<(Self::Io, LocalAddr, RemoteAddr, Scheme)> {
        let (io, local, remote, scheme) = self.inner.accept().await?;
        Ok((Guarded::new(io, self.limits), local, remote, scheme))
    }
}

/// Where a connection is in its request/response cycle, as far as its bytes tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for a request; `matched` counts the bytes of `\r\n\r\n` seen at the end of what
    /// has arrived of its head, `begun` whether any has.
    AwaitingHead { begun: bool, matched: u8 },
    /// A head arrived; until a response begins, the handler and the body are not timed here.
    Serving,
    /// A WebSocket now: bytes pass untouched.
    Upgraded,
}

const HEAD_END: &[u8; 4] = b"\r\n\r\n";

/// One guarded connection.
pub struct Guarded<Io> {
    io: Io,
    limits: ConnectionLimits,
    phase: Phase,
    deadline: Pin<Box<Sleep>>,
    /// A rewritten answer still being written, and how much of it is out.
    rewritten: Option<(Vec<u8>, usize)>,
}

impl<Io> Guarded<Io> {
    fn new(io: Io, limits: ConnectionLimits) -> Self {
        Self {
            io,
            limits,
            phase: Phase::AwaitingHead {
                begun: false,
                matched: 0,
            },
            deadline: Box::pin(tokio::time::sleep(limits.idle)),
            rewritten: None,
        }
    }

    fn await_next_request(&mut self) {
        self.phase = Phase::AwaitingHead {
            begun: false,
            matched: 0,
        };
        self.deadline
            .as_mut()
            .reset(Instant::now() + self.limits.idle);
    }

    /// Follows a request head through the bytes just read.
    fn saw(&mut self, bytes: &[u8]) {
        let Phase::AwaitingHead { begun, mut matched } = self.phase else {
            return;
        };
        if bytes.is_empty() {
            return;
        }
        if !begun {
            self.deadline
                .as_mut()
                .reset(Instant::now() + self.limits.header_read);
        }
        for &byte in bytes {
            matched = if byte == HEAD_END[usize::from(matched)] {
                matched + 1
            } else {
                u8::from(byte == b'\r')
            };
            if usize::from(matched) == HEAD_END.len() {
                self.phase = Phase::Serving;
                return;
            }
        }
        self.phase = Phase::AwaitingHead {
            begun: true,
            matched,
        };
    }

    /// Looks at the start of a response; returns the rewritten bytes for hyper's own answers.
    ///
    /// The idle clock starts here, and is armed with this task's waker at once: hyper may not
    /// read again after writing until the socket wakes it, and a quiet socket never would.
    fn response_starts(&mut self, cx: &mut Context<'_>, bytes: &[u8]) -> Option<Vec<u8>> {
        if self.phase == Phase::Upgraded || !bytes.starts_with(b"HTTP/1.1 ") {
            return None;
        }
        if bytes.starts_with(b"HTTP/1.1 101") {
            self.phase = Phase::Upgraded;
            return None;
        }
        self.await_next_request();
        let _ = self.deadline.as_mut().poll(cx);
        hyper_answer_with_body(bytes)
    }
}

/// hyper's answer to a request it could not parse — a 400, 414 or 431 head with no body and no
/// content type — with the document's JSON error body instead of none.
fn hyper_answer_with_body(head: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(head).ok()?;
    let message = match text.get(9..12)? {
        "400" => "The request could not be read: a malformed request line or header.",
        "414" => "The URL is too long.",
        "431" => "The request headers are too large.",
        _ => return None,
    };
    let lines = text.strip_suffix("\r\n\r\n")?;
    if lines.contains("\r\n\r\n") || lines.to_ascii_lowercase().contains("content-type:") {
        return None;
    }
    let body = crate::error::ApiError::error_json(message);
    let mut rewritten = String::new();
    for line in lines.split("\r\n") {
        if !line.to_ascii_lowercase().starts_with("content-length:") {
            rewritten.push_str(line);
            rewritten.push_str("\r\n");
        }
    }
    rewritten.push_str("content-type: application/json; charset=utf-8\r\n");
    rewritten.push_str(&format!("content-length: {}\r\n\r\n{body}", body.len()));
    Some(rewritten.into_bytes())
}

impl<Io: AsyncRead + Unpin> AsyncRead for Guarded<Io> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<IoResult<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match poll_read_capped(Pin::new(&mut this.io), cx, buf) {
            Poll::Ready(Ok(())) => {
                if matches!(this.phase, Phase::AwaitingHead { .. }) {
                    this.saw(&buf.filled()[before..]);
                }
                Poll::Ready(Ok(()))
            }
            Poll::Pending if matches!(this.phase, Phase::AwaitingHead { .. }) => {
                // Out of time: read as the client's end of the connection, so hyper closes it.
                ready!(this.deadline.as_mut().poll(cx));
                tracing::debug!(phase = ?this.phase, "closing a connection that sent no request in time");
                Poll::Ready(Ok(()))
            }
            other => other,
        }
    }
}

impl<Io: AsyncWrite + Unpin> Guarded<Io> {
    /// Writes out what is left of a rewritten answer before anything else.
    fn poll_rewritten(&mut self, cx: &mut Context<'_>) -> Poll<IoResult<()>> {
        while let Some((bytes, written)) = &mut self.rewritten {
            let n = ready!(Pin::new(&mut self.io).poll_write(cx, &bytes[*written..]))?;
            if n == 0 {
                return Poll::Ready(Err(std::io::ErrorKind::WriteZero.into()));
            }
            *written += n;
            if *written == bytes.len() {
                self.rewritten = None;
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl<Io: AsyncWrite + Unpin> AsyncWrite for Guarded<Io> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<IoResult<usize>> {
        let this = self.get_mut();
        ready!(this.poll_rewritten(cx))?;
        if let Some(rewritten) = this.response_starts(cx, buf) {
            this.rewritten = Some((rewritten, 0));
            let _ = this.poll_rewritten(cx)?;
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut this.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<IoResult<usize>> {
        let this = self.get_mut();
        ready!(this.poll_rewritten(cx))?;
        let mut parts = bufs.iter().filter(|part| !part.is_empty());
        let (first, more) = (parts.next(), parts.next().is_some());
        if let Some(first) = first
            && let Some(rewritten) = this.response_starts(cx, first)
            && !more
        {
            this.rewritten = Some((rewritten, 0));
            let _ = this.poll_rewritten(cx)?;
            return Poll::Ready(Ok(first.len()));
        }
        Pin::new(&mut this.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<IoResult<()>> {
        let this = self.get_mut();
        ready!(this.poll_rewritten(cx))?;
        Pin::new(&mut this.io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<IoResult<()>> {
        let this = self.get_mut();
        ready!(this.poll_rewritten(cx))?;
        Pin::new(&mut this.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hypers_own_answers_get_a_json_body() {
        let head =
            b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        let rewritten = String::from_utf8(hyper_answer_with_body(head).unwrap()).unwrap();
        let (head, body) = rewritten.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 431 "));
        assert!(head.contains("date: x") && head.contains("application/json"));
        assert!(head.contains(&format!("content-length: {}", body.len())));
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(json["status"], false);
        assert!(json["message"].as_str().unwrap().contains("headers"));
    }

    #[test]
    fn our_own_answers_and_other_statuses_pass_untouched() {
        let ours = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n";
        assert!(hyper_answer_with_body(ours).is_none());
        assert!(
            hyper_answer_with_body(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n")
                .is_none()
        );
        assert!(hyper_answer_with_body(b"HTTP/1.1 414 URI Too Long\r\n\r\n{}").is_none());
    }

    #[tokio::test]
    async fn a_request_head_is_followed_across_reads() {
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        let limits = ConnectionLimits {
            header_read: Duration::from_secs(1),
            idle: Duration::from_secs(1),
        };
        let mut guarded = Guarded::new((), limits);
        guarded.saw(b"GET / HTTP/1.1\r\nHost: x\r");
        assert_eq!(
            guarded.phase,
            Phase::AwaitingHead {
                begun: true,
                matched: 1
            }
        );
        guarded.saw(b"\n\r");
        assert_eq!(
            guarded.phase,
            Phase::AwaitingHead {
                begun: true,
                matched: 3
            }
        );
        guarded.saw(b"\nbody");
        assert_eq!(guarded.phase, Phase::Serving);
        assert!(
            guarded
                .response_starts(&mut cx, b"HTTP/1.1 200 OK\r\n")
                .is_none()
        );
        assert_eq!(
            guarded.phase,
            Phase::AwaitingHead {
                begun: false,
                matched: 0
            }
        );
        assert!(
            guarded
                .response_starts(&mut cx, b"HTTP/1.1 101 Switching Protocols\r\n")
                .is_none()
        );
        assert_eq!(guarded.phase, Phase::Upgraded);
        guarded.saw(b"\r\n\r\n");
        assert_eq!(guarded.phase, Phase::Upgraded);
    }
}
