//! Secrets that must survive restarts but need no set-up: generated on first start and kept in the
//! data directory, readable by the owner only.

use std::io::Write;
use std::path::Path;

use rand::RngCore;

/// A random hex secret in `file` under `data_dir`, made and stored on first use.
pub fn load_or_create(data_dir: &Path, file: &str) -> std::io::Result<String> {
    load_or_create_with(data_dir, file, || random_hex(32))
}

/// `bytes` random bytes as lowercase hex.
pub fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buffer);
    hex::encode(buffer)
}

/// The value in `file` under `data_dir`, or `generate`d, stored and announced on first use.
pub fn load_or_create_with(
    data_dir: &Path,
    file: &str,
    generate: impl FnOnce() -> String,
) -> std::io::Result<String> {
    let path = data_dir.join(file);
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim();
        if !existing.is_empty() {
            return Ok(existing.to_owned());
        }
    }
    std::fs::create_dir_all(data_dir)?;
    let secret = generate();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(&path)?.write_all(secret.as_bytes())?;
    tracing::warn!(
        path = %path.display(),
        "{file} was not configured: generated one and stored it there; set it explicitly in production"
    );
    Ok(secret)
}
