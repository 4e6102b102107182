//! Reads from a socket of at most [`READ_CAP`] bytes at a time.
//!
//! hyper reads into all the room its buffer has and grows that buffer while reads fill it, and
//! poem gives no way to set hyper's limit: 20 parallel 100 MiB uploads left each connection
//! holding close to a MiB, most of the server's growth in memory. With reads capped at 128 KiB,
//! that run grew the server by 23–24 MiB instead of 32–36, at the same upload speed (reads of
//! 64 KiB cost a fifth more CPU per MiB; 256 KiB saved no CPU).

use std::io::Result as IoResult;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, ReadBuf};

/// The most one read takes from a socket.
const READ_CAP: usize = 128 * 1024;

/// `io.poll_read` into at most [`READ_CAP`] bytes of `buf`.
pub(crate) fn poll_read_capped<Io: AsyncRead>(
    io: Pin<&mut Io>,
    cx: &mut Context<'_>,
    buf: &mut ReadBuf<'_>,
) -> Poll<IoResult<()>> {
    if buf.remaining() <= READ_CAP {
        return io.poll_read(cx, buf);
    }
    let mut capped = buf.take(READ_CAP);
    let start = capped.filled().as_ptr();
    ready!(io.poll_read(cx, &mut capped))?;
    // A reader may not swap the buffer it was given for another.
    debug_assert_eq!(start, capped.filled().as_ptr());
    let read = capped.filled().len();
    // SAFETY: `capped` is the start of `buf`'s unfilled part, and the reader initialized and
    // filled its first `read` bytes (tokio's own `Take` reader does the same).
    unsafe { buf.assume_init(read) };
    buf.advance(read);
    Poll::Ready(Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    /// A reader that offers more than a cap's worth at once, and counts what each read asked for.
    struct Plenty {
        asked: Vec<usize>,
    }

    impl AsyncRead for Plenty {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<IoResult<()>> {
            self.asked.push(buf.remaining());
            let room = buf.remaining();
            buf.put_slice(&vec![7; room]);
            Poll::Ready(Ok(()))
        }
    }

    struct Capped(Plenty);

    impl AsyncRead for Capped {
        fn poll_read(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<IoResult<()>> {
            poll_read_capped(Pin::new(&mut self.0), cx, buf)
        }
    }

    #[tokio::test]
    async fn a_large_buffer_is_filled_a_cap_at_a_time() {
        let mut reader = Capped(Plenty { asked: Vec::new() });
        let mut buffer = vec![0; 3 * READ_CAP + 5];

        let first = reader.read(&mut buffer).await.unwrap();
        let second = reader.read(&mut buffer[first..]).await.unwrap();
        let small = reader.read(&mut buffer[..10]).await.unwrap();

        assert_eq!((first, second, small), (READ_CAP, READ_CAP, 10));
        assert_eq!(reader.0.asked, vec![READ_CAP, READ_CAP, 10]);
        assert!(buffer[..2 * READ_CAP].iter().all(|&b| b == 7));
        assert_eq!(buffer[2 * READ_CAP], 0);
    }
}
