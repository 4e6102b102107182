//! The staging file of a local upload, and how its bytes reach the disk.
//!
//! The durability is `object_store`'s `with_fsync(true)`: the bytes go to a staging file beside
//! the final name, which is synced, renamed into place, and its folder synced; until then nothing
//! is visible under the key, and a staging file that is not published is removed when the last
//! stage lets go of it (an error, a refusal, a cancelled request).
//!
//! On Linux whole buffers go to the disk directly (`O_DIRECT`): copying them into the page cache
//! and writing that back cost ≈ 0.5 ms of CPU per MiB, a fifth of an upload's, on the cores the
//! upload's own receiving and hashing need, and an upload is rarely read back at once (an image's
//! thumbnail is the exception, and it reads the file once). Direct writes need their memory, file
//! offset and length on an [`ALIGN`] boundary; the file's last, partial piece (or any piece that
//! is not so, or a file system without direct writes) goes through the page cache instead, and
//! its writeback is started at once so that the final sync has little left to wait for.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Where a direct write's memory, file offset and length must fall: the file system's block
/// (4 KiB on ext4 and XFS), which also covers every disk's logical block.
pub(super) const ALIGN: usize = 4096;

/// A file being written under a staging name, shared by the writer and the upload's task.
pub(super) struct Staging {
    file: File,
    path: PathBuf,
    dest: PathBuf,
    /// Whether writes still bypass the page cache; off for good from the first piece that cannot.
    /// (Atomic only because the writer shares the file with the task that publishes it.)
    direct: AtomicBool,
    published: AtomicBool,
}

impl Staging {
    /// Creates `dest#upload` (and its missing folders).
    pub(super) fn create(dest: PathBuf) -> io::Result<Arc<Self>> {
        let path = staging_path(&dest);
        let file = create_new(&path)?;
        let direct = set_direct(&file, true).is_ok();
        Ok(Arc::new(Self {
            file,
            path,
            dest,
            direct: AtomicBool::new(direct),
            published: AtomicBool::new(false),
        }))
    }

    /// Writes `bytes` at `offset`: directly when they and the offset are whole blocks, otherwise
    /// through the page cache (and so every write after it).
    pub(super) fn write_at(&self, bytes: &[u8], offset: u64) -> io::Result<()> {
        let aligned = bytes.as_ptr().addr().is_multiple_of(ALIGN)
            && bytes.len().is_multiple_of(ALIGN)
            && offset.is_multiple_of(ALIGN as u64);
        if !aligned && self.direct.swap(false, Ordering::SeqCst) {
            set_direct(&self.file, false)?;
        }
        self.file.write_all_at(bytes, offset)?;
        if !self.direct.load(Ordering::SeqCst) {
            start_writeback(&self.file, offset, bytes.len() as u64);
        }
        Ok(())
    }

    /// Makes the file durable under its final name.
    pub(super) fn publish(&self) -> io::Result<()> {
        self.file.sync_all()?;
        std::fs::rename(&self.path, &self.dest)?;
        self.published.store(true, Ordering::SeqCst);
        if let Some(folder) = self.dest.parent() {
            File::open(folder)?.sync_all()?;
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.published.load(Ordering::SeqCst) {
            let _ = std::fs::remove_file(&self.path);
        }
    }
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

/// Turns direct writes on or off for `file`; a file system without them refuses (`EINVAL`), and
/// its files are written through the page cache.
#[cfg(target_os = "linux")]
fn set_direct(file: &File, on: bool) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let descriptor = file.as_raw_fd();
    // SAFETY: F_GETFL and F_SETFL read and set the flags of a descriptor that `file` keeps open
    // for the duration of the calls; no memory is passed.
    unsafe {
        let flags = libc::fcntl(descriptor, libc::F_GETFL);
        if flags < 0 {
            return Err(io::Error::last_os_error());
        }
        let wanted = if on {
            flags | libc::O_DIRECT
        } else {
            flags & !libc::O_DIRECT
        };
        if libc::fcntl(descriptor, libc::F_SETFL, wanted) < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn set_direct(_file: &File, on: bool) -> io::Result<()> {
    if on {
        Err(io::Error::from(io::ErrorKind::Unsupported))
    } else {
        Ok(())
    }
}
