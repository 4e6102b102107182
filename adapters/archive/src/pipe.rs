//! The bytes of an archive on their way to the store: the ZIP writer (synchronous) writes into a
//! [`Spool`]; the archive hands what gathered there to a bounded channel, which the store's
//! `put` reads as a [`ByteSource`]. The channel holds at most [`PIPE_CHUNKS`] pieces of about
//! [`CHUNK_BYTES`], so a slow store makes the writer wait instead of letting bytes pile up.

use std::io::Write;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use confab_domain::DomainError;
use confab_domain::ports::ByteSource;
use tokio::sync::mpsc;

/// Bytes gathered before they are handed on.
pub(crate) const CHUNK_BYTES: usize = 256 * 1024;

/// Pieces in flight between the writer and the store.
pub(crate) const PIPE_CHUNKS: usize = 4;

/// Where the ZIP writer's output gathers until the archive hands it on.
#[derive(Clone, Default)]
pub(crate) struct Spool(Arc<Mutex<Vec<u8>>>);

impl Spool {
    /// What gathered, when it is at least `at_least` bytes.
    pub(crate) fn take(&self, at_least: usize) -> Option<Vec<u8>> {
        let mut bytes = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        (!bytes.is_empty() && bytes.len() >= at_least).then(|| std::mem::take(&mut *bytes))
    }
}

impl Write for Spool {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What travels through the channel: bytes, then the mark that the archive is whole. A channel
/// that closes without the mark was abandoned (an error, a dropped archive), and the store is
/// told so: it keeps nothing of it.
pub(crate) enum Piece {
    Bytes(Vec<u8>),
    End,
}

/// A channel for an archive: its sending end, and its receiving end as the store reads it.
pub(crate) fn channel() -> (mpsc::Sender<Piece>, Received) {
    let (sender, receiver) = mpsc::channel(PIPE_CHUNKS);
    (sender, Received { receiver })
}

/// The archive's bytes as the store reads them.
pub(crate) struct Received {
    receiver: mpsc::Receiver<Piece>,
}

#[async_trait]
impl ByteSource for Received {
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, DomainError> {
        match self.receiver.recv().await {
            Some(Piece::Bytes(bytes)) => Ok(Some(bytes)),
            Some(Piece::End) => Ok(None),
            None => Err(DomainError::Internal(
                "the archive was abandoned before it was finished".into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spool_hands_on_only_what_reached_the_threshold() {
        let mut spool = Spool::default();
        spool.write_all(b"abc").unwrap();
        assert_eq!(spool.take(4), None);
        assert_eq!(spool.take(3), Some(b"abc".to_vec()));
        assert_eq!(spool.take(0), None);
    }

    #[tokio::test]
    async fn a_channel_closed_without_its_end_is_an_error_not_an_end() {
        let (sender, mut received) = channel();
        sender.send(Piece::Bytes(vec![1])).await.ok();
        drop(sender);
        assert_eq!(received.next_chunk().await.unwrap(), Some(vec![1]));
        assert!(received.next_chunk().await.is_err());
        let (sender, mut received) = channel();
        sender.send(Piece::End).await.ok();
        assert_eq!(received.next_chunk().await.unwrap(), None);
    }
}
