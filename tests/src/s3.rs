//! A real S3-compatible server for the attachment suites: `s3s-fs` (crates.io, Apache-2.0) over a
//! fresh folder, checking SigV4 signatures with the credentials below, so presigned links are
//! really verified. Installed with `cargo install s3s-fs --version 0.14.1 --locked --features
//! binary` (`.ci/run` does it); without it the S3 suites are skipped visibly (fail under CI).

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

use crate::free_port;

pub const S3_ACCESS_KEY: &str = "confab-e2e-key";
pub const S3_SECRET_KEY: &str = "confab-e2e-secret";
/// The bucket every server started by [`S3Server::confab_env`] uses.
pub const S3_BUCKET: &str = "attachments";

/// A running `s3s-fs`, killed on drop.
pub struct S3Server {
    _child: Child,
    pub endpoint: String,
    pub root: PathBuf,
}

fn binary() -> Option<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let candidates = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain(home.map(|h| h.join(".cargo/bin")));
    candidates
        .map(|dir| dir.join("s3s-fs"))
        .find(|candidate| candidate.is_file())
}

impl S3Server {
    /// Starts one with an empty bucket, or says why it cannot (`None`: skipped, see [`crate::skip`]).
    pub async fn start() -> Option<Self> {
        let Some(binary) = binary() else {
            crate::skip(
                "the S3 attachment suites need s3s-fs: \
                 cargo install s3s-fs --version 0.14.1 --locked --features binary",
            );
            return None;
        };
        let unique = format!(
            "{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        );
        let root = std::env::temp_dir().join(format!("confab-s3-{unique}"));
        std::fs::create_dir_all(root.join(S3_BUCKET)).expect("s3 root");
        let port = free_port();
        let child = Command::new(binary)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", S3_ACCESS_KEY, "--secret-key", S3_SECRET_KEY])
            .arg(&root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start s3s-fs");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Some(Self {
                    _child: child,
                    endpoint: format!("http://127.0.0.1:{port}"),
                    root,
                });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("s3s-fs did not listen on {port}");
    }

    /// The environment that points a Confab server at this store.
    pub fn confab_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("CONFAB_STORAGE_URL", format!("s3://{S3_BUCKET}")),
            ("CONFAB_S3_ENDPOINT", self.endpoint.clone()),
            ("AWS_ACCESS_KEY_ID", S3_ACCESS_KEY.into()),
            ("AWS_SECRET_ACCESS_KEY", S3_SECRET_KEY.into()),
        ]
    }

    /// Regular files stored in the bucket (s3s-fs keeps each object as one).
    pub fn objects(&self) -> usize {
        count_files(&self.root.join(S3_BUCKET))
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// Regular files under `folder`, hidden ones (a store's partial uploads) included.
pub fn count_files(folder: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| {
            let path = entry.path();
            if path.is_dir() { count_files(&path) } else { 1 }
        })
        .sum()
}
