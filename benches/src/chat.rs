//! Scenario 3, the chat path (Confab only): users registered through the API, rooms created,
//! sockets subscribed to the rooms' private channels, then authenticated
//! `POST /api/v1/conversations/{id}/messages` at concurrency C. And its floor: the same rows
//! (conversation_id, user_id, body, created_at) inserted straight into the same database with
//! sea-orm, single-row inserts at the same concurrency.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DbBackend, Statement};
use serde_json::{Value, json};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

use crate::common::*;
use crate::pusher::{Target, Ws, pong, subscribe};

#[derive(Debug, clap::Args)]
pub struct ChatArgs {
    #[command(flatten)]
    pub target: Target,
    /// Confab's REST API base URL, e.g. http://127.0.0.1:8000
    #[arg(long)]
    pub api: String,
    /// Database label for the results (sqlite, postgres).
    #[arg(long, default_value = "sqlite")]
    pub backend: String,
    /// Concurrencies to run, one after another.
    #[arg(long, default_value = "16,64", value_parser = parse_list)]
    pub concurrency: std::vec::Vec<usize>,
    /// Messages per run (each run stops at this count or at `--max-secs`).
    #[arg(long, default_value_t = 20_000)]
    pub count: u64,
    #[arg(long, default_value_t = 20.0)]
    pub max_secs: f64,
    /// Rooms the senders spread over (sender i posts into room i mod rooms).
    #[arg(long, default_value_t = 16)]
    pub rooms: usize,
    /// Sockets subscribed to each room's private channel (each message is delivered to them).
    #[arg(long, default_value_t = 2)]
    pub subs_per_room: usize,
    #[arg(long, default_value_t = 64)]
    pub body_bytes: usize,
}

#[derive(Debug, clap::Args)]
pub struct FloorArgs {
    /// The database confab uses (sqlite://…/confab.db or postgres://…).
    #[arg(long)]
    pub database_url: String,
    #[arg(long, default_value = "sqlite")]
    pub backend: String,
    #[arg(long, default_value = "16,64", value_parser = parse_list)]
    pub concurrency: std::vec::Vec<usize>,
    #[arg(long, default_value_t = 20_000)]
    pub count: u64,
    #[arg(long, default_value_t = 20.0)]
    pub max_secs: f64,
    /// Pool size (default: what confab uses, 4 for SQLite and 10 for PostgreSQL).
    #[arg(long)]
    pub pool: Option<u32>,
    #[arg(long, default_value_t = 64)]
    pub body_bytes: usize,
}

pub struct Api {
    pub base: String,
    pub client: reqwest::Client,
}

impl Api {
    pub fn new(base: &str) -> Result<Self, String> {
        Ok(Self {
            base: base.trim_end_matches('/').to_owned(),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .pool_max_idle_per_host(256)
                .tcp_nodelay(true)
                .build()
                .map_err(|e| e.to_string())?,
        })
    }

    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Result<(u16, Value), String> {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(|e| e.to_string())?;
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
    }

    /// Registers a user; returns (id, token).
    pub async fn register(&self, name: &str) -> Result<(i64, String), String> {
        let email = format!("{name}@bench.example.com");
        let (status, body) = self
            .call(
                reqwest::Method::POST,
                "/api/v1/user/register",
                None,
                Some(&json!({"name": name, "email": email, "password": "bench-password"})),
            )
            .await?;
        if status != 201 {
            return Err(format!("register {name}: {status} {body}"));
        }
        Ok((
            body["data"]["user"]["id"].as_i64().ok_or("no user id")?,
            body["data"]["token"].as_str().ok_or("no token")?.to_owned(),
        ))
    }

    pub async fn group(&self, token: &str, name: &str, members: &[i64]) -> Result<i64, String> {
        let (status, body) = self
            .call(
                reqwest::Method::POST,
                "/api/v1/conversations",
                Some(token),
                Some(&json!({"type": "group", "name": name, "user_ids": members})),
            )
            .await?;
        if status != 201 {
            return Err(format!("create room: {status} {body}"));
        }
        body["data"]["id"].as_i64().ok_or("no room id".to_owned())
    }

    pub async fn send(&self, token: &str, room: i64, text: &str) -> Result<(), String> {
        let (status, body) = self
            .call(
                reqwest::Method::POST,
                &format!("/api/v1/conversations/{room}/messages"),
                Some(token),
                Some(&json!({ "body": text })),
            )
            .await?;
        if status == 201 {
            Ok(())
        } else {
            Err(format!("{status} {body}"))
        }
    }
}

/// Runs `jobs` futures with at most `limit` at once, stopping at the first error.
pub async fn bounded<T, F>(limit: usize, jobs: Vec<F>) -> Result<Vec<T>, String>
where
    F: std::future::Future<Output = Result<T, String>>,
{
    let results: Vec<Result<T, String>> = futures_util::stream::iter(jobs)
        .buffered(limit.max(1))
        .collect()
        .await;
    results.into_iter().collect()
}

pub async fn run(args: ChatArgs) -> Result<(), String> {
    let api = Api::new(&args.api)?;
    let probe = ProcProbe::new(args.target.pid);
    let users_needed = args.concurrency.iter().copied().max().unwrap_or(1).max(1);
    let tag = now_ns() % 1_000_000_000;
    eprintln!("chat ({}): registering {users_needed} users", args.backend);
    let users = bounded(
        8,
        (0..users_needed)
            .map(|i| {
                let api = &api;
                async move { api.register(&format!("chat{tag}u{i}")).await }
            })
            .collect(),
    )
    .await?;
    let others: Vec<i64> = users.iter().skip(1).map(|(id, _)| *id).collect();
    let owner = users[0].1.clone();
    let rooms = bounded(
        4,
        (0..args.rooms.max(1))
            .map(|r| {
                let (api, owner, others) = (&api, &owner, &others);
                async move { api.group(owner, &format!("bench room {r}"), others).await }
            })
            .collect(),
    )
    .await?;
    eprintln!(
        "chat ({}): {} rooms of {} members; subscribing {} sockets",
        args.backend,
        rooms.len(),
        users.len(),
        rooms.len() * args.subs_per_room
    );
    let delivered = Arc::new(AtomicU64::new(0));
    let mut subscribers: Vec<JoinHandle<()>> = Vec::new();
    for room in &rooms {
        let channel = format!("private-conversation.{room}");
        for _ in 0..args.subs_per_room {
            let (mut ws, socket_id) = args.target.connect().await?;
            subscribe(
                &mut ws,
                &channel,
                Some(args.target.channel_auth(&socket_id, &channel)),
            )
            .await?;
            subscribers.push(tokio::spawn(count_messages(ws, delivered.clone())));
        }
    }

    let mut rows = Vec::new();
    for &concurrency in &args.concurrency {
        let delivered_before = delivered.load(Ordering::SeqCst);
        let next = AtomicU64::new(0);
        let errors = AtomicU64::new(0);
        let first_error: Mutex<Option<String>> = Mutex::new(None);
        let before = probe.sample();
        let started = Instant::now();
        let deadline = started + Duration::from_secs_f64(args.max_secs);
        let workers = (0..concurrency).map(|w| {
            let (api, users, rooms, next, errors, first_error) =
                (&api, &users, &rooms, &next, &errors, &first_error);
            let body_bytes = args.body_bytes;
            let count = args.count;
            async move {
                let token = &users[w % users.len()].1;
                let room = rooms[w % rooms.len()];
                let mut latencies = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= count || Instant::now() > deadline {
                        break;
                    }
                    let sent = Instant::now();
                    match api.send(token, room, &body_of(body_bytes, i)).await {
                        Ok(()) => latencies.push(us_u32(sent.elapsed())),
                        Err(e) => {
                            errors.fetch_add(1, Ordering::SeqCst);
                            first_error.lock().unwrap().get_or_insert(e);
                        }
                    }
                }
                latencies
            }
        });
        let per_worker = futures_util::future::join_all(workers).await;
        let wall = started.elapsed().as_secs_f64();
        let after = probe.sample();
        let lat = Latencies::from_vec(per_worker.into_iter().flatten().collect());
        let sends = lat.len() as u64;
        let expected = sends * args.subs_per_room as u64;
        let drain = Instant::now() + Duration::from_secs(10);
        while delivered.load(Ordering::SeqCst) - delivered_before < expected
            && Instant::now() < drain
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let got = delivered.load(Ordering::SeqCst) - delivered_before;
        let cpu = cpu_between(before, after);
        let result = json!({
            "scenario": "chat",
            "server": args.target.server,
            "backend": args.backend,
            "concurrency": concurrency,
            "rooms": rooms.len(),
            "subs_per_room": args.subs_per_room,
            "body_bytes": args.body_bytes,
            "sends": sends,
            "errors": errors.load(Ordering::SeqCst),
            "first_error": first_error.lock().unwrap().clone(),
            "wall_s": round(wall, 3),
            "sends_per_s": round(sends as f64 / wall.max(1e-9), 1),
            "lat_p50_ms": opt_round(lat.pct_ms(50.0), 3),
            "lat_p99_ms": opt_round(lat.pct_ms(99.0), 3),
            "lat_max_ms": opt_round(lat.max_ms(), 3),
            "deliveries_expected": expected,
            "deliveries_received": got,
            "server_cpu_s": opt_round(cpu, 3),
            "server_us_per_send": opt_round(cpu.map(|c| c * 1e6 / sends.max(1) as f64), 1),
            "server_rss_kib": after.map(|s| s.rss_kib),
            "send_limit_note": "server started with CONFAB_SEND_LIMIT=1000000000 so the 60/min throttle does not interfere",
        });
        emit(&result);
        rows.push(vec![
            args.backend.clone(),
            concurrency.to_string(),
            sends.to_string(),
            result["errors"].to_string(),
            cell(result["sends_per_s"].as_f64(), 0),
            cell(lat.pct_ms(50.0), 2),
            cell(lat.pct_ms(99.0), 2),
            format!("{got}/{expected}"),
            cell(result["server_us_per_send"].as_f64(), 0),
        ]);
    }
    print_table(
        "chat path: POST /api/v1/conversations/{id}/messages (throttle off: CONFAB_SEND_LIMIT=1000000000)",
        &[
            "db",
            "C",
            "sends",
            "errors",
            "sends/s",
            "p50 ms",
            "p99 ms",
            "delivered",
            "srv µs/send",
        ],
        &rows,
    );
    for task in subscribers {
        task.abort();
    }
    Ok(())
}

async fn count_messages(mut ws: Ws, delivered: Arc<AtomicU64>) {
    while let Some(Ok(frame)) = ws.next().await {
        let Message::Text(text) = frame else { continue };
        if text.contains("\"message.sent\"") {
            delivered.fetch_add(1, Ordering::Relaxed);
        } else if text.contains("pusher:ping") {
            pong(&mut ws).await;
        }
    }
}

pub async fn floor(args: FloorArgs) -> Result<(), String> {
    let sqlite = args.database_url.starts_with("sqlite:");
    let pool = args.pool.unwrap_or(if sqlite { 4 } else { 10 });
    let mut options = ConnectOptions::new(args.database_url.clone());
    options
        .max_connections(pool)
        .acquire_timeout(Duration::from_secs(30))
        .sqlx_logging(false);
    if sqlite {
        // The same settings confab opens its SQLite file with (adapters/persistence connection.rs).
        options.map_sqlx_sqlite_opts(|opts| {
            opts.foreign_keys(true)
                .busy_timeout(Duration::from_secs(5))
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
        });
    }
    let db = Database::connect(options)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let backend = db.get_database_backend();
    // Rows for the rooms and members that exist (those the chat scenario made).
    let pairs: Vec<(i64, i64)> = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT conversation_id, user_id FROM participants ORDER BY id LIMIT 4096",
        ))
        .await
        .map_err(|e| e.to_string())?
        .iter()
        .filter_map(|row| {
            Some((
                row.try_get_by_index::<i64>(0).ok()?,
                row.try_get_by_index::<i64>(1).ok()?,
            ))
        })
        .collect();
    if pairs.is_empty() {
        return Err("no participants in the database: run the chat scenario first".into());
    }
    let sql = match backend {
        DbBackend::Sqlite => {
            "INSERT INTO messages (conversation_id, user_id, body, created_at) VALUES (?, ?, ?, ?)"
        }
        _ => {
            "INSERT INTO messages (conversation_id, user_id, body, created_at) VALUES ($1, $2, $3, $4)"
        }
    };
    let mut rows = Vec::new();
    for &concurrency in &args.concurrency {
        let next = AtomicU64::new(0);
        let errors = AtomicU64::new(0);
        let first_error: Mutex<Option<String>> = Mutex::new(None);
        let started = Instant::now();
        let deadline = started + Duration::from_secs_f64(args.max_secs);
        let workers = (0..concurrency).map(|w| {
            let (db, pairs, next, errors, first_error) =
                (&db, &pairs, &next, &errors, &first_error);
            let (count, body_bytes) = (args.count, args.body_bytes);
            async move {
                let (conversation, user) = pairs[w % pairs.len()];
                let mut latencies = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= count || Instant::now() > deadline {
                        break;
                    }
                    let t = Instant::now();
                    let statement = Statement::from_sql_and_values(
                        backend,
                        sql,
                        [
                            conversation.into(),
                            user.into(),
                            body_of(body_bytes, i).into(),
                            chrono::Utc::now().into(),
                        ],
                    );
                    match db.execute_raw(statement).await {
                        Ok(_) => latencies.push(us_u32(t.elapsed())),
                        Err(e) => {
                            errors.fetch_add(1, Ordering::SeqCst);
                            first_error.lock().unwrap().get_or_insert(e.to_string());
                        }
                    }
                }
                latencies
            }
        });
        let per_worker = futures_util::future::join_all(workers).await;
        let wall = started.elapsed().as_secs_f64();
        let lat = Latencies::from_vec(per_worker.into_iter().flatten().collect());
        let inserts = lat.len() as u64;
        let result = json!({
            "scenario": "floor",
            "backend": args.backend,
            "concurrency": concurrency,
            "pool": pool,
            "inserts": inserts,
            "errors": errors.load(Ordering::SeqCst),
            "first_error": first_error.lock().unwrap().clone(),
            "wall_s": round(wall, 3),
            "inserts_per_s": round(inserts as f64 / wall.max(1e-9), 1),
            "lat_p50_ms": opt_round(lat.pct_ms(50.0), 3),
            "lat_p99_ms": opt_round(lat.pct_ms(99.0), 3),
        });
        emit(&result);
        rows.push(vec![
            args.backend.clone(),
            concurrency.to_string(),
            pool.to_string(),
            inserts.to_string(),
            result["errors"].to_string(),
            cell(result["inserts_per_s"].as_f64(), 0),
            cell(lat.pct_ms(50.0), 2),
            cell(lat.pct_ms(99.0), 2),
        ]);
    }
    print_table(
        "floor: single-row INSERT INTO messages with sea-orm, same database",
        &[
            "db",
            "C",
            "pool",
            "inserts",
            "errors",
            "inserts/s",
            "p50 ms",
            "p99 ms",
        ],
        &rows,
    );
    Ok(())
}
