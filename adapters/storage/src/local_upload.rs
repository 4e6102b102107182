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
//! The durability is `object_store`'s `with_fsync(true)`: the bytes go to a staging file beside
//! the final name, which is synced, renamed into place, and its folder synced; until then nothing
//! is visible under the key, and any failure or cancellation removes the staging file. Writeback
//! is started every [`WRITEBACK_BYTES`] on the way (Linux), so the final sync waits for the last
//! few megabytes rather than the whole file.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};

use confab_domain::DomainError;
use confab_domain::ports::{ByteSource, StoredFile};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::upload::Meter;

/// Buffers per upload: one filling while one is hashed and written and one waits its turn.
const BUFFERS: usize = 3;
/// Large enough that handing a buffer from stage to stage is rare (eight times per MiB), small
/// enough that twenty parallel uploads hold 7.5 MiB. (256 KiB saved no measurable CPU.)
const BUFFER_BYTES: usize = 128 * 1024;
/// How often the writer asks the kernel to start writing back what it has written so far: at
/// 8 MiB a 5 MiB upload waited 5 ms for its final sync, the whole file.
const WRITEBACK_BYTES: u64 = 1024 * 1024;

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
    let (to_hasher, hasher_inbox) = channel::<Step>();
    let (to_writer, writer_inbox) = channel::<Step>();
    let hasher = tokio::task::spawn_blocking(move || hash_pieces(&hasher_inbox));
    let writer = tokio::task::spawn_blocking(move || write_pieces(&dest, &writer_inbox));
    let fed = feed(source, limit, &to_hasher, &to_writer).await;
    // Finish tells both stages the file is whole; without it (an error, a stage that stopped, or
    // this future dropped) their inboxes just close, and the writer removes its staging file.
    if matches!(fed, Ok(Fed::Whole)) {
        let _ = to_hasher.send(Step::Finish);
        let _ = to_writer.send(Step::Finish);
    }
    drop((to_hasher, to_writer));
    // Both are joined before answering, so a refused upload's staging file is already gone.
    let written = writer
        .await
        .unwrap_or_else(|panic| Err(io::Error::other(panic.to_string())));
    let measured = hasher.await.ok().flatten();
    let fed = fed?;
    written.map_err(|error| DomainError::Internal(format!("file store folder: {error}")))?;
    match (fed, measured) {
        (Fed::Whole, Some(measured)) => Ok(measured),
        _ => Err(DomainError::Internal(
            "the upload's hasher stopped early".into(),
        )),
    }
}

/// What the stages receive: the next piece of the file, or word that it is complete.
enum Step {
    Piece(Arc<Piece>),
    Finish,
}

/// A filled buffer shared by the two stages; when the last of them lets go, it goes home to the
/// task that fills buffers.
struct Piece {
    bytes: Vec<u8>,
    home: UnboundedSender<Vec<u8>>,
}

impl Drop for Piece {
    fn drop(&mut self) {
        // The task may be gone (the upload failed): the buffer is then simply freed.
        let _ = self.home.send(std::mem::take(&mut self.bytes));
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
        buffer.clear();
        let mut ended = false;
        while buffer.len() < BUFFER_BYTES {
            if source.read_into(&mut buffer).await? == 0 {
                ended = true;
                break;
            }
        }
        size += buffer.len() as u64;
        if size > limit {
            return Err(DomainError::FileTooLarge { limit_bytes: limit });
        }
        if !buffer.is_empty() {
            let piece = Arc::new(Piece {
                bytes: buffer,
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
async fn next_buffer(returned: &mut UnboundedReceiver<Vec<u8>>, made: &mut usize) -> Vec<u8> {
    if let Ok(buffer) = returned.try_recv() {
        return buffer;
    }
    if *made < BUFFERS {
        *made += 1;
        return Vec::with_capacity(BUFFER_BYTES);
    }
    // The task holds a sender itself, so this waits for a buffer rather than ending.
    returned
        .recv()
        .await
        .unwrap_or_else(|| Vec::with_capacity(BUFFER_BYTES))
}

/// The hasher's stage: the measure of the whole file, or `None` when it was abandoned.
fn hash_pieces(inbox: &Receiver<Step>) -> Option<StoredFile> {
    let mut meter = Meter::new();
    loop {
        match inbox.recv() {
            Ok(Step::Piece(piece)) => {
                meter.add(&piece.bytes);
            }
            Ok(Step::Finish) => return Some(meter.finish()),
            Err(_) => return None,
        }
    }
}

/// The writer's stage: writes the pieces to a staging file and publishes it under `dest` on
/// [`Step::Finish`]; on an error or an abandoned upload the staging file is removed.
fn write_pieces(dest: &Path, inbox: &Receiver<Step>) -> io::Result<()> {
    let staged = staging_path(dest);
    let file = create_new(&staged)?;
    let published = write_and_publish(file, &staged, dest, inbox);
    if !matches!(published, Ok(true)) {
        let _ = std::fs::remove_file(&staged);
    }
    published.map(|_| ())
}

/// `Ok(true)` once the file is durable under `dest`, `Ok(false)` when the upload was abandoned.
fn write_and_publish(
    mut file: File,
    staged: &Path,
    dest: &Path,
    inbox: &Receiver<Step>,
) -> io::Result<bool> {
    let (mut written, mut flushed) = (0u64, 0u64);
    loop {
        match inbox.recv() {
            Ok(Step::Piece(piece)) => {
                file.write_all(&piece.bytes)?;
                written += piece.bytes.len() as u64;
                if written - flushed >= WRITEBACK_BYTES {
                    start_writeback(&file, flushed, written - flushed);
                    flushed = written;
                }
            }
            Ok(Step::Finish) => break,
            Err(_) => return Ok(false),
        }
    }
    file.sync_all()?;
    drop(file);
    std::fs::rename(staged, dest)?;
    if let Some(folder) = dest.parent() {
        File::open(folder)?.sync_all()?;
    }
    Ok(true)
}

/// `dest#upload`: beside the final name (so the rename stays on one file system), and never a
/// name the store hands out (keys have no `#`).
fn staging_path(dest: &Path) -> PathBuf {
    let mut staged = dest.as_os_str().to_owned();
    staged.push("#upload");
    staged.into()
}

/// Creates `path` (and its missing folders); an existing file is an error, never overwritten.
fn create_new(path: &Path) -> io::Result<File> {
    let open = || OpenOptions::new().write(true).create_new(true).open(path);
    match open() {
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            if let Some(folder) = path.parent() {
                std::fs::create_dir_all(folder)?;
            }
            open()
        }
        other => other,
    }
}

/// Asks the kernel to start writing `len` bytes from `offset` to the disk without waiting for
/// them, so that the final sync has little left to wait for. A hint: its failure changes nothing.
#[cfg(target_os = "linux")]
fn start_writeback(file: &File, offset: u64, len: u64) {
    use std::os::fd::AsRawFd;
    let (Ok(offset), Ok(len)) = (i64::try_from(offset), i64::try_from(len)) else {
        return;
    };
    // SAFETY: the descriptor is open for the duration of the call (borrowed from `file`), and
    // SYNC_FILE_RANGE_WRITE only starts writeback of the file's own pages.
    unsafe {
        libc::sync_file_range(file.as_raw_fd(), offset, len, libc::SYNC_FILE_RANGE_WRITE);
    }
}

#[cfg(not(target_os = "linux"))]
fn start_writeback(_file: &File, _offset: u64, _len: u64) {}
