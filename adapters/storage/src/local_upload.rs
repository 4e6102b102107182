//! An upload into a folder, written by this adapter rather than through `object_store`'s
//! multipart upload, because a chat server's uploads are bound by the CPU they cost.
//!
//! Through `object_store`, a 50 MiB upload ran at 31 % of the disk's own write + fsync speed and
//! cost 2.56 ms of server CPU per MiB: every 256 KiB part was a fresh allocation, a spawned task
//! and a blocking-pool hop, and SHA-256 (≈ 0.75 ms/MiB even with the CPU's SHA instructions) ran
//! in line with the socket reads. Here the work is a pipeline of three stages that run at once:
//! the request's task copies the body into one of a few recycled buffers, one blocking thread
//! hashes each buffer while another writes it, and a buffer goes back to the task once both are
//! done with it. Memory per upload is [`BUFFERS`] × [`BUFFER_BYTES`], whatever the file's size.
//! Together with the HTTP side (multer fed by paced frames, reads capped at 128 KiB) a 50 MiB
//! upload runs at 56–67 % of write + fsync on the same disk, at 1.9–2.4 ms of server CPU per MiB,
//! and 20 parallel 100 MiB uploads grow the server by 22–24 MiB (BENCHMARKS.md, section 6).
//!
//! How the bytes reach the disk (directly, and durably) is [`disk`]'s.

use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};

use confab_domain::DomainError;
use confab_domain::ports::{ByteSource, StoredFile};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::upload::Meter;
use disk::{ALIGN, Staging};

mod disk;

/// Buffers per upload: one filling while one is hashed and written and one waits its turn.
const BUFFERS: usize = 3;
/// A direct write waits for the disk, so its size sets a writer's pace: here 128 KiB writes ran
/// at 420 MB/s, 256 KiB at 570–650, against 700 for buffered writes and a sync. Twenty parallel
/// uploads hold 15 MiB of these.
const BUFFER_BYTES: usize = 256 * 1024;

/// Streams `source` into the file at `dest`, measuring it; past `limit` bytes it stops with
/// `FileTooLarge` and leaves nothing behind.
///
/// # Errors
/// The source's error, `FileTooLarge`, or `Internal` when the folder cannot be written (a full
/// disk, no permission), as `object_store`'s errors were.
pub(crate) async fn put_local(
    dest: PathBuf,
    source: &mut dyn ByteSource,
    limit: u64,
) -> Result<StoredFile, DomainError> {
    let folder_error =
        |error: io::Error| DomainError::Internal(format!("file store folder: {error}"));
    let staging = blocking(move || Staging::create(dest))
        .await
        .map_err(folder_error)?;
    let (to_hasher, hasher_inbox) = channel::<Step>();
    let (to_writer, writer_inbox) = channel::<Step>();
    let hasher = tokio::task::spawn_blocking(move || hash_pieces(&hasher_inbox));
    let writing = staging.clone();
    let writer = tokio::task::spawn_blocking(move || write_pieces(&writing, &writer_inbox));
    let fed = feed(source, limit, &to_hasher, &to_writer).await;
    // Finish tells both stages the file is whole; without it (an error, a stage that stopped, or
    // this future dropped) their inboxes just close, and the staging file goes with the last of
    // the writer and this future to let go of it.
    if matches!(fed, Ok(Fed::Whole)) {
        let _ = to_hasher.send(Step::Finish);
        let _ = to_writer.send(Step::Finish);
    }
    drop((to_hasher, to_writer));
    let written = writer
        .await
        .unwrap_or_else(|panic| Err(io::Error::other(panic.to_string())));
    let measured = hasher.await.ok().flatten();
    let whole = match (fed, written, measured) {
        (Ok(Fed::Whole), Ok(true), Some(measured)) => Ok(measured),
        (Err(error), _, _) => Err(error),
        (_, Err(error), _) => Err(folder_error(error)),
        _ => Err(DomainError::Internal(
            "a stage of the upload stopped early".into(),
        )),
    };
    // Published or removed before answering, so a refused upload's staging file is already gone.
    match whole {
        Ok(measured) => {
            blocking(move || staging.publish())
                .await
                .map_err(folder_error)?;
            Ok(measured)
        }
        Err(error) => {
            // The writer has let go: this removes the staging file, off the async workers.
            let _ = tokio::task::spawn_blocking(move || drop(staging)).await;
            Err(error)
        }
    }
}

/// Runs file system work on the blocking pool.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> io::Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|panic| Err(io::Error::other(panic.to_string())))
}

/// What the stages receive: the next piece of the file, or word that it is complete.
enum Step {
    Piece(Arc<Piece>),
    Finish,
}

/// A filled buffer shared by the hasher and the writer; when the last of them lets go, it goes
/// home to the task that fills buffers.
struct Piece {
    buffer: Buffer,
    /// Where its bytes go in the file.
    offset: u64,
    home: UnboundedSender<Buffer>,
}

impl Drop for Piece {
    fn drop(&mut self) {
        // The task may be gone (the upload failed): the buffer is then simply freed.
        let _ = self.home.send(std::mem::take(&mut self.buffer));
    }
}

/// A recycled buffer whose bytes start on an [`ALIGN`] boundary: a `Vec` with room for
/// [`BUFFER_BYTES`] past the padding that aligns them (a `Vec<u8>` cannot ask its allocator for
/// the alignment itself).
#[derive(Default)]
struct Buffer {
    vec: Vec<u8>,
    start: usize,
}

impl Buffer {
    /// Emptied and padded to the boundary, for the next piece.
    fn reset(&mut self) {
        self.vec.clear();
        if self.vec.capacity() < BUFFER_BYTES + ALIGN {
            self.vec.reserve_exact(BUFFER_BYTES + ALIGN);
        }
        // `align_offset` may in principle give up (usize::MAX): the bytes then start unaligned,
        // and the writer takes the page cache for them.
        let start = self.vec.as_ptr().align_offset(ALIGN);
        self.start = if start < ALIGN { start } else { 0 };
        self.vec.resize(self.start, 0);
    }

    fn bytes(&self) -> &[u8] {
        &self.vec[self.start..]
    }
}

/// How feeding the stages ended, when the source did not fail.
enum Fed {
    /// Every byte of the source went to both stages.
    Whole,
    /// A stage stopped taking pieces (it reports why once joined): the file must not be kept.
    StageStopped,
}

/// The task's stage: fills recycled buffers from the source and hands each to both others.
async fn feed(
    source: &mut dyn ByteSource,
    limit: u64,
    to_hasher: &Sender<Step>,
    to_writer: &Sender<Step>,
) -> Result<Fed, DomainError> {
    let (home, mut returned) = unbounded_channel();
    let mut made = 0;
    let mut size = 0u64;
    loop {
        let mut buffer = next_buffer(&mut returned, &mut made).await;
        buffer.reset();
        let mut ended = false;
        let mut filled = 0;
        while filled < BUFFER_BYTES {
            let read = source
                .read_into(&mut buffer.vec, BUFFER_BYTES - filled)
                .await?;
            if read == 0 {
                ended = true;
                break;
            }
            filled += read;
        }
        let offset = size;
        size += filled as u64;
        if size > limit {
            return Err(DomainError::FileTooLarge { limit_bytes: limit });
        }
        if filled > 0 {
            let piece = Arc::new(Piece {
                buffer,
                offset,
                home: home.clone(),
            });
            // A stage that stopped (the disk failed) has dropped its inbox.
            let sent = to_hasher.send(Step::Piece(piece.clone())).is_ok()
                && to_writer.send(Step::Piece(piece)).is_ok();
            if !sent {
                return Ok(Fed::StageStopped);
            }
        }
        if ended {
            return Ok(Fed::Whole);
        }
    }
}

/// A buffer back from the stages, a new one while fewer than [`BUFFERS`] exist, or else the
/// next one they give back.
async fn next_buffer(returned: &mut UnboundedReceiver<Buffer>, made: &mut usize) -> Buffer {
    if let Ok(buffer) = returned.try_recv() {
        return buffer;
    }
    if *made < BUFFERS {
        *made += 1;
        return Buffer::default();
    }
    // The task holds a sender itself, so this waits for a buffer rather than ending.
    returned.recv().await.unwrap_or_default()
}

/// The hasher's stage: the measure of the whole file, or `None` when it was abandoned.
fn hash_pieces(inbox: &Receiver<Step>) -> Option<StoredFile> {
    let mut meter = Meter::new();
    loop {
        match inbox.recv() {
            Ok(Step::Piece(piece)) => {
                meter.add(piece.buffer.bytes());
            }
            Ok(Step::Finish) => return Some(meter.finish()),
            Err(_) => return None,
        }
    }
}

/// The writer's stage: writes the pieces where they go; `Ok(true)` once told the file is whole,
/// `Ok(false)` when the upload was abandoned.
fn write_pieces(staging: &Staging, inbox: &Receiver<Step>) -> io::Result<bool> {
    loop {
        match inbox.recv() {
            Ok(Step::Piece(piece)) => staging.write_at(piece.buffer.bytes(), piece.offset)?,
            Ok(Step::Finish) => return Ok(true),
            Err(_) => return Ok(false),
        }
    }
}
