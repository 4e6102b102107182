//! Scenario 4, list conversations: one user in many rooms (each with a second member and a
//! message from them, so last messages and unread counts are real), then `GET /api/v1/conversations`
//! repeated.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use serde_json::json;

use crate::api::{Api, rooms_with_a_message};
use crate::common::*;

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Confab's REST API base URL.
    #[arg(long)]
    pub api: String,
    #[arg(long, default_value = "sqlite")]
    pub backend: String,
    #[arg(long, default_value_t = 500)]
    pub rooms: usize,
    /// Measured requests per concurrency.
    #[arg(long, default_value_t = 300)]
    pub requests: u64,
    #[arg(long, default_value = "1,4", value_parser = parse_list)]
    pub concurrency: std::vec::Vec<usize>,
    #[arg(long)]
    pub pid: Option<u32>,
    #[arg(long, default_value = "confab")]
    pub server: String,
}

/// Queries per list request: fixed by construction, whatever the room count.
pub const QUERIES_PER_REQUEST: &str = "2 (fixed: see adapters/persistence list_for test)";

pub async fn run(args: ListArgs) -> Result<(), String> {
    let api = Api::new(&args.api)?;
    let probe = ProcProbe::new(args.pid);
    let tag = now_ns() % 1_000_000_000;
    let (_, owner) = api.register(&format!("list{tag}owner")).await?;
    let (other_id, other) = api.register(&format!("list{tag}other")).await?;
    eprintln!("list ({}): creating {} rooms", args.backend, args.rooms);
    rooms_with_a_message(&api, &owner, (other_id, &other), args.rooms, "list room").await?;
    // Warm up, and check the answer holds every room.
    let (status, body) = api
        .call(
            reqwest::Method::GET,
            "/api/v1/conversations",
            Some(&owner),
            None,
        )
        .await?;
    let listed = body["data"].as_array().map(Vec::len).unwrap_or(0);
    if status != 200 || listed != args.rooms {
        return Err(format!(
            "list answered {status} with {listed} rooms, expected {}",
            args.rooms
        ));
    }
    let response_bytes = body.to_string().len();
    for _ in 0..5 {
        api.call(
            reqwest::Method::GET,
            "/api/v1/conversations",
            Some(&owner),
            None,
        )
        .await?;
    }
    let mut rows = Vec::new();
    for &concurrency in &args.concurrency {
        let next = AtomicU64::new(0);
        let errors = AtomicU64::new(0);
        let first_error: Mutex<Option<String>> = Mutex::new(None);
        let before = probe.sample();
        let started = Instant::now();
        let workers = (0..concurrency.max(1)).map(|_| {
            let (api, owner, next, errors, first_error) =
                (&api, &owner, &next, &errors, &first_error);
            let requests = args.requests;
            async move {
                let mut latencies = Vec::new();
                while next.fetch_add(1, Ordering::SeqCst) < requests {
                    let t = Instant::now();
                    match api
                        .call(
                            reqwest::Method::GET,
                            "/api/v1/conversations",
                            Some(owner),
                            None,
                        )
                        .await
                    {
                        Ok((200, _)) => latencies.push(us_u32(t.elapsed())),
                        Ok((status, body)) => {
                            errors.fetch_add(1, Ordering::SeqCst);
                            first_error
                                .lock()
                                .unwrap()
                                .get_or_insert(format!("{status} {body}"));
                        }
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
        let done = lat.len() as u64;
        let cpu = cpu_between(before, after);
        let result = json!({
            "scenario": "list",
            "server": args.server,
            "backend": args.backend,
            "rooms": args.rooms,
            "concurrency": concurrency,
            "requests": done,
            "errors": errors.load(Ordering::SeqCst),
            "first_error": first_error.lock().unwrap().clone(),
            "requests_per_s": round(done as f64 / wall.max(1e-9), 1),
            "lat_p50_ms": opt_round(lat.pct_ms(50.0), 3),
            "lat_p99_ms": opt_round(lat.pct_ms(99.0), 3),
            "lat_max_ms": opt_round(lat.max_ms(), 3),
            "response_bytes": response_bytes,
            "server_ms_cpu_per_request": opt_round(cpu.map(|c| c * 1e3 / done.max(1) as f64), 3),
            "queries_per_request": QUERIES_PER_REQUEST,
        });
        emit(&result);
        rows.push(vec![
            args.backend.clone(),
            args.rooms.to_string(),
            concurrency.to_string(),
            done.to_string(),
            cell(result["requests_per_s"].as_f64(), 0),
            cell(lat.pct_ms(50.0), 2),
            cell(lat.pct_ms(99.0), 2),
            format!("{:.0}", response_bytes as f64 / 1024.0),
            "4".to_owned(),
        ]);
    }
    print_table(
        "list conversations: GET /api/v1/conversations for a user in every room",
        &[
            "db", "rooms", "C", "requests", "req/s", "p50 ms", "p99 ms", "KiB/resp", "queries",
        ],
        &rows,
    );
    Ok(())
}
