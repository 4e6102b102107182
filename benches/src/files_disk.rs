//! The files scenario's disk side: the floors it sets beside Confab (write + fsync in the store's
//! folder, a warm read of the stored file) and finding the file the store wrote.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The upload floor: the same bytes written to a new file in the store's folder and fsynced, as
/// the local store does on completion; seconds per repetition.
pub fn write_floor(folder: &Path, data: &[u8], reps: usize) -> Result<Vec<f64>, String> {
    let path = folder.join("bench-floor.tmp");
    let mut times = Vec::new();
    for _ in 0..reps {
        let started = Instant::now();
        let mut file = std::fs::File::create(&path).map_err(|e| e.to_string())?;
        // 8 MiB writes, the size of the pieces the server hands its store.
        for piece in data.chunks(8 << 20) {
            file.write_all(piece).map_err(|e| e.to_string())?;
        }
        file.sync_all().map_err(|e| e.to_string())?;
        drop(file);
        times.push(started.elapsed().as_secs_f64());
        std::fs::remove_file(&path).map_err(|e| e.to_string())?;
    }
    Ok(times)
}

/// The download floor: the stored file read into a 1 MiB buffer; once untimed first, so the
/// page cache holds it, then `reps` timed reads; seconds per read.
pub fn read_floor(path: &Path, reps: usize) -> Result<Vec<f64>, String> {
    let mut buffer = vec![0u8; 1 << 20];
    let mut read_all = || -> Result<f64, String> {
        let started = Instant::now();
        let mut file = std::fs::File::open(path).map_err(|e| e.to_string())?;
        while file.read(&mut buffer).map_err(|e| e.to_string())? > 0 {}
        Ok(started.elapsed().as_secs_f64())
    };
    read_all()?;
    (0..reps).map(|_| read_all()).collect()
}

/// The newest file of `size` bytes under the store (keys are random, so found by size and age).
pub fn find_stored(store: &Path, size: u64) -> Result<PathBuf, String> {
    let mut best: Option<(std::time::SystemTime, PathBuf)> = None;
    let mut folders = vec![store.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).map_err(|e| format!("{}: {e}", folder.display()))? {
            let entry = entry.map_err(|e| e.to_string())?;
            let meta = entry.metadata().map_err(|e| e.to_string())?;
            if meta.is_dir() {
                folders.push(entry.path());
            } else if meta.len() == size {
                let modified = meta.modified().map_err(|e| e.to_string())?;
                if best.as_ref().is_none_or(|(t, _)| modified > *t) {
                    best = Some((modified, entry.path()));
                }
            }
        }
    }
    best.map(|(_, p)| p)
        .ok_or_else(|| format!("no stored file of {size} bytes under {}", store.display()))
}
