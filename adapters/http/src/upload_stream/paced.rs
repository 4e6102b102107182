//! A body's frames in small steps, for a parser that reads all it can before it parses (multer
//! reads its input until it would wait, so on a fast connection it buffered whatever the socket
//! held, and each frame whole).

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::{Stream, StreamExt};

/// How much the parser takes in before it must parse what it has. Small, since each upload holds
/// about twice this in the parser; 64 KiB costs no measurable CPU over 256 KiB.
pub(super) const PACE_BYTES: usize = 64 * 1024;

/// Frames of a body, at most [`PACE_BYTES`] each, with a pause every [`PACE_BYTES`]: the stream
/// says "not ready" once (and wakes its reader at once), so a reader that takes all it can —
/// multer — holds little more than that however large the frames the connection read.
pub(super) struct Paced<S> {
    frames: S,
    /// The rest of a frame larger than a pace (shares the connection's read buffer).
    rest: Bytes,
    since_pause: usize,
}

impl<S> Paced<S> {
    pub(super) fn new(frames: S) -> Self {
        Self {
            frames,
            rest: Bytes::new(),
            since_pause: 0,
        }
    }

    /// The next at most [`PACE_BYTES`] of `rest`; once it is empty, the read buffer it shared is
    /// let go, so the connection can reuse it for its next read.
    fn take_rest(&mut self) -> Bytes {
        let piece = self.rest.split_to(self.rest.len().min(PACE_BYTES));
        if self.rest.is_empty() {
            self.rest = Bytes::new();
        }
        self.since_pause += piece.len();
        piece
    }
}

impl<S: Stream<Item = std::io::Result<Bytes>> + Unpin> Stream for Paced<S> {
    type Item = std::io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.since_pause >= PACE_BYTES {
            self.since_pause = 0;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        if !self.rest.is_empty() {
            return Poll::Ready(Some(Ok(self.take_rest())));
        }
        match self.frames.poll_next_unpin(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                self.rest = frame;
                Poll::Ready(Some(Ok(self.take_rest())))
            }
            Poll::Pending => {
                self.since_pause = 0;
                Poll::Pending
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::FutureExt;

    fn frames(
        sizes: &[usize],
    ) -> Paced<impl Stream<Item = std::io::Result<Bytes>> + Unpin + use<>> {
        let frames: Vec<_> = sizes.iter().map(|&n| Ok(Bytes::from(vec![1; n]))).collect();
        Paced::new(futures_util::stream::iter(frames))
    }

    /// What a reader that takes until it must wait gets in one go, piece by piece.
    fn take_until_pause(
        paced: &mut Paced<impl Stream<Item = std::io::Result<Bytes>> + Unpin>,
    ) -> Vec<usize> {
        let mut taken = Vec::new();
        while let Some(Some(Ok(piece))) = paced.next().now_or_never() {
            taken.push(piece.len());
        }
        taken
    }

    #[test]
    fn a_large_frame_comes_in_pieces_with_a_pause_after_each_pace() {
        let mut paced = frames(&[3 * PACE_BYTES + 10]);

        assert_eq!(take_until_pause(&mut paced), vec![PACE_BYTES]);
        assert_eq!(take_until_pause(&mut paced), vec![PACE_BYTES]);
        assert_eq!(take_until_pause(&mut paced), vec![PACE_BYTES]);
        assert_eq!(take_until_pause(&mut paced), vec![10]);
    }

    #[test]
    fn small_frames_pass_whole_until_a_pace_is_reached() {
        let quarter = PACE_BYTES / 4;
        let mut paced = frames(&[quarter; 6]);

        assert_eq!(take_until_pause(&mut paced), vec![quarter; 4]);
        assert_eq!(take_until_pause(&mut paced), vec![quarter; 2]);
    }

    #[test]
    fn the_pause_wakes_the_reader_so_it_comes_back() {
        let waker = futures_util::task::noop_waker();
        let mut paced = frames(&[2 * PACE_BYTES]);
        let mut cx = Context::from_waker(&waker);

        assert!(matches!(
            paced.poll_next_unpin(&mut cx),
            Poll::Ready(Some(Ok(_)))
        ));
        assert!(paced.poll_next_unpin(&mut cx).is_pending());
        assert!(matches!(
            paced.poll_next_unpin(&mut cx),
            Poll::Ready(Some(Ok(_)))
        ));
    }
}
