//! A running `confab` on free ports: started, stopped, killed and cleaned up after. The API calls
//! a test makes through it are in `requests`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

use crate::Backend;
use crate::binary::confab_binary;
use crate::databases::{Schema, SharedDatabase, unique};

/// The realtime app credentials every test server runs with.
pub const APP_ID: &str = "confab-test";
pub const APP_KEY: &str = "test-key";
pub const APP_SECRET: &str = "test-secret";

/// Every wait in these tests ends by itself.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// How many times a server whose ports were taken before it bound them is started again.
const STARTUP_ATTEMPTS: usize = 3;

/// Where [`TestServer::start_logging`] has the server write its log.
const LOG_FILE: &str = "confab.log";

/// A free loopback port (bound and released; the server binds it straight after).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free port")
}

/// A running server; killed, and its database removed, on drop.
pub struct TestServer {
    child: Child,
    pub base_url: String,
    /// The realtime (Pusher protocol) listener.
    pub realtime_port: u16,
    pub data_dir: PathBuf,
    /// Dropped after the server is killed and its directory removed (fields drop after
    /// [`Drop::drop`]).
    _schema: Option<Schema>,
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
        let unique = unique();
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
                let schema = Schema::create(admin_url, format!("confab_e2e_{unique}")).await;
                command.env("DATABASE_URL", schema.url());
                Some(schema)
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
                    _schema: schema,
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

    /// Sends the server the signal `name` (`HUP`, `USR1`, …) as `kill -NAME` would.
    pub async fn signal(&self, name: &str) {
        if let Some(pid) = self.child.id() {
            let _ = Command::new("kill")
                .args([format!("-{name}"), pid.to_string()])
                .status()
                .await;
        }
    }

    /// Whether the server process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
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

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

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
