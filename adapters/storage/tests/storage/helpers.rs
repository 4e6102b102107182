//! What every test needs: a store with a disk to inspect, sources that behave like uploads, and
//! the `s3s-fs` server.

use std::collections::BTreeSet;
use std::future::Future;
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use confab_domain::DomainError;
use confab_domain::ports::{ByteRange, ByteSource, FileStore, Presentation, Retrieval};
use confab_storage::{ObjectFileStore, S3Settings};
use rand::RngCore;
use sha2::{Digest, Sha256};
use tempfile::TempDir;

pub const MIB: usize = 1024 * 1024;
pub const ACCESS_KEY: &str = "confab-test-key";
pub const SECRET_KEY: &str = "confab-test-secret";
pub const BUCKET: &str = "attachments";

/// Fails the test instead of letting it hang: every await on a store goes through this.
pub async fn within<T>(work: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(120), work)
        .await
        .expect("the store did not answer within 2 minutes")
}

pub fn random_bytes(len: usize) -> Vec<u8> {
    let mut bytes = vec![0; len];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub fn fresh_key() -> String {
    format!("conversations/7/{:032x}", rand::random::<u128>())
}

pub fn presentation() -> Presentation {
    Presentation {
        content_type: "application/pdf".into(),
        disposition: "attachment; filename=\"report.pdf\"".into(),
    }
}

/// An upload arriving in pieces of `chunk` bytes (deliberately not a divisor of the part size),
/// breaking off with an `Invalid` error after `fail_after` bytes when set.
pub struct Upload {
    data: Vec<u8>,
    at: usize,
    chunk: usize,
    fail_after: Option<usize>,
    stall_after: Option<usize>,
}

impl Upload {
    pub fn new(data: Vec<u8>) -> Box<Self> {
        Box::new(Self {
            data,
            at: 0,
            chunk: 100_003,
            fail_after: None,
            stall_after: None,
        })
    }

    /// An upload whose client goes quiet after `stall_after` bytes: the request is then
    /// dropped by whoever waits for it (a timeout, a closed connection).
    pub fn stalling_after(data: Vec<u8>, stall_after: usize) -> Box<Self> {
        Box::new(Self {
            stall_after: Some(stall_after),
            ..*Self::new(data)
        })
    }

    pub fn breaking_after(data: Vec<u8>, fail_after: usize) -> Box<Self> {
        Box::new(Self {
            fail_after: Some(fail_after),
            ..*Self::new(data)
        })
    }
}

pub fn cut_short() -> DomainError {
    DomainError::invalid("file", "the upload ended early")
}

#[async_trait]
impl ByteSource for Upload {
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, DomainError> {
        if self.fail_after.is_some_and(|limit| self.at >= limit) {
            return Err(cut_short());
        }
        if self.stall_after.is_some_and(|limit| self.at >= limit) {
            std::future::pending::<()>().await;
        }
        let end = (self.at + self.chunk).min(self.data.len());
        let chunk = self.data[self.at..end].to_vec();
        self.at = end;
        Ok((!chunk.is_empty()).then_some(chunk))
    }
}

/// A store under test, the folder where its bytes land, and what keeps both alive.
pub struct Harness {
    pub store: Arc<dyn FileStore>,
    disk: PathBuf,
    _folder: Option<TempDir>,
    pub server: Option<S3sFs>,
}

impl Harness {
    pub fn local() -> Self {
        let folder = temp_folder();
        let url = format!("file://{}", folder.path().join("attachments").display());
        let store = confab_storage::open(&url, S3Settings::default()).expect("a local store");
        Self {
            store,
            disk: folder.path().to_owned(),
            _folder: Some(folder),
            server: None,
        }
    }

    /// `None` when `s3s-fs` is not installed (after saying so, see [`skip`]).
    pub fn s3() -> Option<Self> {
        let server = S3sFs::start()?;
        let store = ObjectFileStore::s3(BUCKET, &server.settings(SECRET_KEY)).expect("an S3 store");
        Some(Self {
            store: Arc::new(store),
            disk: server.root.path().to_owned(),
            _folder: None,
            server: Some(server),
        })
    }

    /// The bytes of `key` as a client gets them: streamed, or fetched from the redirect with a
    /// plain HTTP client (sending `range` as a `Range` header, as a browser would).
    pub async fn download(
        &self,
        key: &str,
        range: Option<ByteRange>,
    ) -> Result<Vec<u8>, DomainError> {
        let retrieval = self
            .store
            .retrieve(key, range, &presentation(), Duration::from_secs(60))
            .await?;
        match retrieval {
            Retrieval::Stream(mut source) => {
                let mut bytes = Vec::new();
                while let Some(chunk) = source.next_chunk().await? {
                    bytes.extend_from_slice(&chunk);
                }
                Ok(bytes)
            }
            Retrieval::Redirect(url) => {
                let mut request = reqwest::Client::new().get(&url);
                if let Some(r) = range {
                    request = request.header("Range", format!("bytes={}-{}", r.first, r.last));
                }
                let response = request.send().await.expect("the presigned URL answers");
                let expected = if range.is_some() { 206 } else { 200 };
                assert_eq!(response.status().as_u16(), expected, "GET {url}");
                Ok(response.bytes().await.expect("a body").to_vec())
            }
        }
    }

    /// Every file under the store's disk: objects, staged uploads, S3's hidden parts.
    pub fn files_on_disk(&self) -> Vec<PathBuf> {
        let mut found = Vec::new();
        walk(&self.disk, &mut found);
        found
    }
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, found);
        } else {
            found.push(path);
        }
    }
}

pub fn temp_folder() -> TempDir {
    tempfile::Builder::new()
        .prefix("confab-storage-")
        .tempdir()
        .expect("a temp folder")
}

/// An `s3s-fs` process serving `root` on a free loopback port, checking every signature; killed
/// when dropped (also when the test panics).
pub struct S3sFs {
    child: Child,
    pub endpoint: String,
    root: TempDir,
    log: PathBuf,
}

impl S3sFs {
    fn start() -> Option<Self> {
        let Some(program) = find_program("s3s-fs") else {
            skip(
                "S3 suite: `s3s-fs` is not installed (cargo install s3s-fs --version 0.14.1 --locked --features binary)",
            );
            return None;
        };
        let root = temp_folder();
        // A folder in s3s-fs's root is a bucket.
        std::fs::create_dir(root.path().join(BUCKET)).expect("the bucket folder");
        let port = free_port();
        let log = std::env::temp_dir().join(format!("confab-s3s-fs-{port}.log"));
        let child = Command::new(program)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
            .arg(root.path())
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&log).expect("a log file"))
            .stderr(Stdio::null())
            .spawn()
            .expect("s3s-fs starts");
        let server = Self {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
            root,
            log,
        };
        server.wait_until_listening(port);
        Some(server)
    }

    pub fn settings(&self, secret: &str) -> S3Settings {
        S3Settings {
            endpoint: Some(self.endpoint.clone()),
            region: None,
            access_key_id: Some(ACCESS_KEY.into()),
            secret_access_key: Some(secret.into()),
        }
    }

    fn wait_until_listening(&self, port: u16) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "s3s-fs did not listen within 15 s; see {}",
                self.log.display()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for S3sFs {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

fn find_program(name: &str) -> Option<PathBuf> {
    let cargo_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")))
        .map(|home| home.join("bin"));
    std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain(cargo_bin)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// Says that a suite is skipped and why, where a person reads `cargo test`'s output (past the
/// harness's capture, once per reason), or fails the test under `CONFAB_CI`, so CI never passes
/// on a suite it did not run. (The same rule as the `tests` crate's `skip`, kept here so this
/// crate's tests depend on nothing of it.)
pub fn skip(reason: &str) {
    assert!(
        std::env::var_os("CONFAB_CI").is_none(),
        "CONFAB_CI is set, so nothing may be skipped: {reason}"
    );
    static SAID: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    let first = SAID
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(reason.to_owned());
    if first {
        let _ = writeln!(std::io::stderr(), "SKIPPED: {reason}");
    }
}
