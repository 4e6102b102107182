//! The end-to-end harness: starts the real `confab` binary on a free port with its own database
//! (a fresh SQLite file, or a fresh PostgreSQL schema when `TEST_DATABASE_URL` is set) and talks
//! to it over real HTTP, as a client would.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use tokio::process::{Child, Command};

pub mod js;
pub mod pusher;
mod raw_http;
mod skip;
pub mod tcp_proxy;
pub mod webhooks;

pub use skip::skip;

/// The realtime app credentials every test server runs with.
pub const APP_ID: &str = "confab-test";
pub const APP_KEY: &str = "test-key";
pub const APP_SECRET: &str = "test-secret";

/// Every wait in these tests ends by itself.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// Which database the server under test uses.
#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    Postgres { admin_url: String },
}

impl Backend {
    /// PostgreSQL when `TEST_DATABASE_URL` is set; otherwise `None`, and the caller skips (said
    /// once per test binary, see [`skip`]).
    pub fn postgres() -> Option<Self> {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(url) if !url.is_empty() => Some(Self::Postgres { admin_url: url }),
            _ => {
                skip(
                    "end-to-end suites on PostgreSQL (set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test to run them)",
                );
                None
            }
        }
    }
}

/// The `confab` binary, built from the current sources next to this test binary.
///
/// `cargo test --workspace` does not build it (its package has no integration tests), and a
/// binary left in the target directory by an earlier build may be stale; so the first call runs
/// `cargo build -p confab` with the same cargo, profile and target directory — a no-op when it is
/// up to date.
pub fn confab_binary() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let mut dir = std::env::current_exe().expect("test binary path");
            dir.pop();
            if dir.ends_with("deps") {
                dir.pop();
            }
            let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
            let mut build = std::process::Command::new(cargo);
            build
                .args(["build", "--quiet", "-p", "confab", "--bin", "confab"])
                .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
            if dir.ends_with("release") {
                build.arg("--release");
            }
            if let Some(target) = dir.parent() {
                build.env("CARGO_TARGET_DIR", target);
            }
            let status = build.status().expect("cargo runs");
            assert!(status.success(), "building the confab binary failed");
            let binary = dir.join(format!("confab{}", std::env::consts::EXE_SUFFIX));
            assert!(binary.exists(), "{} was not built", binary.display());
            binary
        })
        .clone()
}

/// A free loopback port (bound and released; the server binds it straight after).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free port")
}

/// One database several servers share (scale-out tests): a fresh PostgreSQL schema when the
/// backend is PostgreSQL, else one SQLite file. Removed on drop (drop it after the servers).
pub struct SharedDatabase {
    /// What the servers get as `DATABASE_URL`.
    pub url: String,
    dir: PathBuf,
    schema: Option<(String, String)>,
}

impl SharedDatabase {
    pub async fn create(backend: &Backend) -> Self {
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let unique = format!("{}_{}_{}", std::process::id(), n, nanos());
        let dir = std::env::temp_dir().join(format!("confab-e2e-shared-{unique}"));
        std::fs::create_dir_all(&dir).expect("shared data dir");
        match backend {
            Backend::Sqlite => Self {
                url: format!("sqlite://{}?mode=rwc", dir.join("confab.db").display()),
                dir,
                schema: None,
            },
            Backend::Postgres { admin_url } => {
                let name = format!("confab_e2e_shared_{unique}");
                let admin = Database::connect(admin_url)
                    .await
                    .expect("PostgreSQL reachable");
                admin
                    .execute_unprepared(&format!("CREATE SCHEMA {name}"))
                    .await
                    .expect("create schema");
                let separator = if admin_url.contains('?') { '&' } else { '?' };
                Self {
                    url: format!("{admin_url}{separator}options[search_path]={name}"),
                    dir,
                    schema: Some((admin_url.clone(), name)),
                }
            }
        }
    }
}

impl Drop for SharedDatabase {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some((admin_url, schema)) = self.schema.take() {
            drop_schema(admin_url, schema);
        }
    }
}

/// Drops a test schema, on a thread of its own (drop runs outside any runtime guarantee).
fn drop_schema(admin_url: String, schema: String) {
    let _ = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            if let Ok(admin) = Database::connect(&admin_url).await {
                let _ = admin
                    .execute_unprepared(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                    .await;
            }
        });
    })
    .join();
}

/// Where [`TestServer::start_logging`] has the server write its log.
const LOG_FILE: &str = "confab.log";

/// A running server; killed, and its database removed, on drop.
pub struct TestServer {
    child: Child,
    pub base_url: String,
    /// The realtime (Pusher protocol) listener.
    pub realtime_port: u16,
    pub data_dir: PathBuf,
    schema: Option<(String, String)>,
    pub client: reqwest::Client,
}

impl TestServer {
    pub async fn start(backend: &Backend) -> Self {
        Self::start_with(backend, &[]).await
    }

    /// Starts with extra environment variables (e.g. a short token lifetime).
    pub async fn start_with(backend: &Backend, env: &[(&str, &str)]) -> Self {
        Self::start_inner(backend, env, false).await
    }

    /// [`start_with`](Self::start_with), with the server's log written to a file of its data
    /// directory instead of the test's output; [`logs`](Self::logs) reads it.
    pub async fn start_logging(backend: &Backend, env: &[(&str, &str)]) -> Self {
        Self::start_inner(backend, env, true).await
    }

    /// What the server has logged so far (servers started with [`start_logging`](Self::start_logging)).
    pub fn logs(&self) -> String {
        std::fs::read_to_string(self.data_dir.join(LOG_FILE)).unwrap_or_default()
    }

    async fn start_inner(backend: &Backend, env: &[(&str, &str)], log_to_file: bool) -> Self {
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let unique = format!("{}_{}_{}", std::process::id(), n, nanos());
        let data_dir = std::env::temp_dir().join(format!("confab-e2e-{unique}"));
        std::fs::create_dir_all(&data_dir).expect("data dir");
        let mut command = Command::new(confab_binary());
        command
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("CONFAB_DATA_DIR", &data_dir)
            .env("REVERB_SERVER_HOST", "127.0.0.1")
            .env("REVERB_APP_ID", APP_ID)
            .env("REVERB_APP_KEY", APP_KEY)
            .env("REVERB_APP_SECRET", APP_SECRET)
            .env("RUST_LOG", "warn")
            .current_dir(&data_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(if log_to_file {
                Stdio::from(std::fs::File::create(data_dir.join(LOG_FILE)).expect("log file"))
            } else {
                Stdio::inherit()
            })
            .kill_on_drop(true);
        let schema = match backend {
            Backend::Sqlite => None,
            Backend::Postgres { admin_url } => {
                let name = format!("confab_e2e_{unique}");
                let admin = Database::connect(admin_url)
                    .await
                    .expect("PostgreSQL reachable");
                admin
                    .execute_unprepared(&format!("CREATE SCHEMA {name}"))
                    .await
                    .expect("create schema");
                let separator = if admin_url.contains('?') { '&' } else { '?' };
                command.env(
                    "DATABASE_URL",
                    format!("{admin_url}{separator}options[search_path]={name}"),
                );
                Some((admin_url.clone(), name))
            }
        };
        for (key, value) in env {
            command.env(key, value);
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("http client");
        // A free port can be taken by another test's server between `free_port` and the bind; the
        // server then exits at once ("Address already in use"), and is started again on others.
        for attempt in 1..=STARTUP_ATTEMPTS {
            let (port, realtime_port) = (free_port(), free_port());
            command
                .env("CONFAB_HTTP_ADDR", format!("127.0.0.1:{port}"))
                .env("REVERB_SERVER_PORT", realtime_port.to_string());
            let mut child = command.spawn().expect("start confab");
            if wait_until_healthy(&client, &mut child, port, realtime_port).await {
                return Self {
                    child,
                    base_url: format!("http://127.0.0.1:{port}"),
                    realtime_port,
                    data_dir,
                    schema,
                    client,
                };
            }
            eprintln!("confab exited before it was healthy (attempt {attempt}); starting it again");
        }
        panic!("confab exited before it was healthy, {STARTUP_ATTEMPTS} times");
    }

    /// Starts a server on `database`, shared with other servers, with extra environment
    /// variables. Its own data directory (secrets) is its own; the app credentials and the JWT
    /// secret are the same for every server started this way, as they are across real nodes.
    pub async fn start_on(database: &SharedDatabase, env: &[(&str, &str)]) -> Self {
        let mut all = vec![
            ("DATABASE_URL", database.url.as_str()),
            ("JWT_SECRET", "confab-e2e-shared-jwt-secret"),
        ];
        all.extend_from_slice(env);
        Self::start_with(&Backend::Sqlite, &all).await
    }

    /// Stops the server as a service manager does (SIGTERM) and waits for it to exit: it drains,
    /// tells its sockets to reconnect elsewhere, and finishes what it was writing.
    pub async fn stop_gracefully(&mut self) {
        if let Some(pid) = self.child.id() {
            let _ = Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status()
                .await;
        }
        let exited = tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await;
        assert!(exited.is_ok(), "the server stops within 30 s of SIGTERM");
    }

    /// Kills the server now (rather than on drop) and waits for it to exit.
    pub async fn kill(&mut self) {
        let _ = self.child.kill().await;
    }

    /// `ws://…/app/{key}?protocol=7…`, as pusher-js opens it.
    pub fn websocket_url(&self) -> String {
        format!(
            "ws://127.0.0.1:{}/app/{APP_KEY}?protocol=7&client=js&version=8.6.0&flash=false",
            self.realtime_port
        )
    }

    /// The server process's resident memory, in KiB (`VmRSS` of `/proc/PID/status`; Linux only).
    pub fn rss_kib(&self) -> Option<u64> {
        let pid = self.child.id()?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))?
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// Sends a request and returns the status and the JSON body (`Value::Null` if none).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status();
        let text = response.text().await.expect("body read");
        let json = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text)
                .unwrap_or_else(|_| panic!("{status} body is not JSON: {text}"))
        };
        (status, json)
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(Method::DELETE, path, Some(token), None).await
    }

    /// Registers `name` (email derived from it) and returns `(user id, token)`.
    pub async fn register(&self, name: &str) -> (i64, String) {
        let email = format!("{}@example.com", name.to_lowercase().replace(' ', "."));
        let (status, body) = self
            .call(
                Method::POST,
                "/api/v1/user/register",
                None,
                Some(json!({"name": name, "email": email, "password": "secret-password"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        (
            body["data"]["user"]["id"].as_i64().expect("user id"),
            body["data"]["token"].as_str().expect("token").to_owned(),
        )
    }

    /// Creates a group room with the given members and returns its id.
    pub async fn group(&self, token: &str, name: &str, members: &[i64]) -> i64 {
        let (status, body) = self
            .post(
                "/api/v1/conversations",
                token,
                json!({"type": "group", "name": name, "user_ids": members}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["data"]["id"].as_i64().expect("conversation id")
    }

    /// Sends a message and returns its JSON.
    pub async fn send(&self, token: &str, conversation: i64, text: &str) -> Value {
        let (status, body) = self
            .post(
                &format!("/api/v1/conversations/{conversation}/messages"),
                token,
                json!({ "body": text }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["data"].clone()
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
        let _ = std::fs::remove_dir_all(&self.data_dir);
        if let Some((admin_url, schema)) = self.schema.take() {
            drop_schema(admin_url, schema);
        }
    }
}

/// How many times a server whose ports were taken before it bound them is started again.
const STARTUP_ATTEMPTS: usize = 3;

/// Whether the server answers on both listeners before [`STARTUP_TIMEOUT`]; `false` as soon as
/// it has exited instead (a port it was given was taken meanwhile).
async fn wait_until_healthy(
    client: &reqwest::Client,
    child: &mut Child,
    port: u16,
    realtime_port: u16,
) -> bool {
    let answers = |url: String| async move {
        matches!(client.get(url).send().await, Ok(response) if response.status().is_success())
    };
    let deadline = tokio::time::Instant::now() + STARTUP_TIMEOUT;
    loop {
        if matches!(child.try_wait(), Ok(Some(_))) {
            return false;
        }
        if answers(format!("http://127.0.0.1:{port}/health")).await
            && answers(format!("http://127.0.0.1:{realtime_port}/up")).await
        {
            return true;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "confab did not become healthy within {STARTUP_TIMEOUT:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() % 1_000_000_000)
        .unwrap_or_default()
}

/// Runs each listed scenario as two tests, `sqlite` and `postgres`; the PostgreSQL one returns
/// early (after saying so) when `TEST_DATABASE_URL` is unset.
#[macro_export]
macro_rules! on_both_backends {
    ($($scenario:ident),+ $(,)?) => {
        $(
            mod $scenario {
                #[tokio::test]
                async fn sqlite() {
                    super::$scenario(&$crate::Backend::Sqlite).await;
                }

                #[tokio::test]
                async fn postgres() {
                    if let Some(backend) = $crate::Backend::postgres() {
                        super::$scenario(&backend).await;
                    }
                }
            }
        )+
    };
}
