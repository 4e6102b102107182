//! Three `confab` nodes on one database and one throwaway Redis, as behind a load balancer.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use confab_tests::pusher::{Event, PusherClient};
use confab_tests::{Backend, PusherApp, SharedDatabase, TestServer, free_port};
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// How long anything in these tests may take to settle (counts are refreshed every second).
pub const SETTLE: Duration = Duration::from_secs(10);

fn redis_server() -> Option<PathBuf> {
    let candidates = std::env::var_os("PATH")
        .map(|path| {
            std::env::split_paths(&path)
                .map(|dir| dir.join("redis-server"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    candidates
        .into_iter()
        .chain([PathBuf::from("/usr/bin/redis-server")])
        .find(|path| path.is_file())
}

/// A Redis of this test's own on a free port (no persistence), which the test may kill and
/// start again on the same port; killed on drop. Without `redis-server`, `TEST_REDIS_URL` (a
/// Redis shared with others: each cluster uses a scaling channel, hence key prefix, of its own)
/// serves the tests that do not stop Redis.
pub struct TestRedis {
    binary: Option<PathBuf>,
    pub port: u16,
    external: Option<String>,
    child: Option<Child>,
}

impl TestRedis {
    /// `None` when neither `redis-server` nor `TEST_REDIS_URL` is there.
    pub fn start() -> Option<Self> {
        let Some(binary) = redis_server() else {
            let url = std::env::var("TEST_REDIS_URL")
                .ok()
                .filter(|url| !url.is_empty())?;
            return Some(Self {
                binary: None,
                port: 0,
                external: Some(url),
                child: None,
            });
        };
        let mut redis = Self {
            binary: Some(binary),
            port: free_port(),
            external: None,
            child: None,
        };
        redis.spawn();
        Some(redis)
    }

    /// Whether this test may stop and start Redis (its own `redis-server`).
    pub fn can_restart(&self) -> bool {
        self.external.is_none()
    }

    pub fn url(&self) -> String {
        match &self.external {
            Some(url) => url.clone(),
            None => format!("redis://127.0.0.1:{}", self.port),
        }
    }

    fn spawn(&mut self) {
        let Some(binary) = &self.binary else {
            return;
        };
        let child = Command::new(binary)
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        self.child = Some(child);
        let deadline = Instant::now() + SETTLE;
        while !self.answers() {
            assert!(
                Instant::now() < deadline,
                "redis-server did not answer within {SETTLE:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn answers(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
        let mut reply = [0u8; 7];
        stream.write_all(b"PING\r\n").is_ok()
            && stream.read_exact(&mut reply).is_ok()
            && &reply == b"+PONG\r\n"
    }

    /// Kills Redis (SIGKILL: connections drop at once, nothing is saved).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Freezes Redis (SIGSTOP) or lets it go on (SIGCONT): an outage in which it keeps its data,
    /// as a network partition is.
    pub fn freeze(&self, frozen: bool) {
        if let Some(child) = &self.child {
            let signal = if frozen { "-STOP" } else { "-CONT" };
            let status = Command::new("kill")
                .args([signal, &child.id().to_string()])
                .status()
                .expect("kill runs");
            assert!(status.success(), "kill {signal} redis-server");
        }
    }

    /// Starts Redis again on the same port, empty.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

static CLUSTERS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Three nodes. Dropped in order: nodes, Redis, then the database.
pub struct Cluster {
    pub nodes: Vec<TestServer>,
    pub redis: TestRedis,
    _database: SharedDatabase,
}

/// PostgreSQL when `TEST_DATABASE_URL` is set, else one shared SQLite file.
fn backend() -> Backend {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Backend::Postgres { admin_url: url },
        _ => Backend::Sqlite,
    }
}

impl Cluster {
    /// Starts Redis and three nodes on a fresh database; `None` (after a SKIPPED line) when no
    /// `redis-server` is installed.
    pub async fn start(test: &str) -> Option<Self> {
        Self::start_with(test, &[]).await
    }

    /// [`start`](Self::start), with more environment for every node.
    pub async fn start_with(test: &str, extra: &[(&str, &str)]) -> Option<Self> {
        let Some(redis) = TestRedis::start() else {
            confab_tests::skip(&format!(
                "scale-out test {test}: no redis-server found and TEST_REDIS_URL unset (install Redis to run the three-node tests)"
            ));
            return None;
        };
        let backend = backend();
        if matches!(backend, Backend::Sqlite) {
            eprintln!(
                "note: scale-out test {test} shares one SQLite file (set TEST_DATABASE_URL to run it on PostgreSQL)"
            );
        }
        let database = SharedDatabase::create(&backend).await;
        let url = redis.url();
        let channel = format!(
            "confab-e2e-{}-{}",
            std::process::id(),
            CLUSTERS.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        );
        let mut env = vec![
            ("REVERB_SCALING_ENABLED", "true"),
            ("REDIS_URL", url.as_str()),
            ("REVERB_SCALING_CHANNEL", channel.as_str()),
        ];
        env.extend_from_slice(extra);
        let mut nodes = Vec::new();
        // One after the other: the first applies the migrations.
        for _ in 0..3 {
            nodes.push(TestServer::start_on(&database, &env).await);
        }
        let cluster = Self {
            nodes,
            redis,
            _database: database,
        };
        for node in 0..3 {
            cluster.wait_for_redis(node, "ok").await;
        }
        Some(cluster)
    }

    pub fn node(&self, index: usize) -> &TestServer {
        &self.nodes[index]
    }

    /// `/health` of one node.
    pub async fn health(&self, node: usize) -> (StatusCode, Value) {
        self.nodes[node]
            .call(Method::GET, "/health", None, None)
            .await
    }

    /// Waits until a node's `/health` reports Redis as `state`.
    pub async fn wait_for_redis(&self, node: usize, state: &str) {
        let deadline = Instant::now() + SETTLE;
        loop {
            let (status, body) = self.health(node).await;
            if body["redis"] == state {
                assert_eq!(status, StatusCode::OK, "{body}");
                return;
            }
            assert!(
                Instant::now() < deadline,
                "node {node} did not report redis {state} within {SETTLE:?}: {body}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// A request to the Pusher HTTP API of `node`, signed as the Pusher SDKs sign it.
pub async fn pusher_api(
    node: &TestServer,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> (StatusCode, Value) {
    PusherApp::chat().call(node, method, path, body).await
}

/// Polls `check` until it returns true (bounded by [`SETTLE`]); the last value is in the panic.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = (bool, Value)>,
{
    let deadline = Instant::now() + SETTLE;
    loop {
        let (done, seen) = check().await;
        if done {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: not within {SETTLE:?}; last seen {seen}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Everything a socket receives within `quiet` of the previous event.
pub async fn drain(socket: &mut PusherClient, quiet: Duration) -> Vec<Event> {
    let mut events = Vec::new();
    while let Some(event) = socket.next_event_within(quiet).await {
        events.push(event);
    }
    events
}

/// The next event named `name`, skipping others, within `wait`.
pub async fn next_named(socket: &mut PusherClient, name: &str, wait: Duration) -> Option<Event> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if left.is_zero() {
            return None;
        }
        let event = socket.next_event_within(left).await?;
        if event.event == name {
            return Some(event);
        }
    }
}
