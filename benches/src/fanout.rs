//! Scenario 1, fan-out: N sockets on one public channel; events published through the signed HTTP
//! API, first at a fixed rate, then flat out. Each event carries its send time (ns since the epoch)
//! and a sequence number, so every subscriber measures end-to-end latency and counts what it got.
//! This file runs the scenario (connect, publish on a schedule, drain, measure); the event itself,
//! sent and received, is `fanout_event.rs`'s.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

use crate::common::*;
use crate::fanout_event::{PHASE_NAMES, PHASES, Shared, SubStats, publish_event, subscriber_loop};
use crate::pusher::{Target, Ws, subscribe};

#[derive(Debug, clap::Args)]
pub struct FanoutArgs {
    #[command(flatten)]
    pub target: Target,
    /// Subscriber counts to run, one after another.
    #[arg(long, default_value = "100,1000,10000", value_parser = parse_list)]
    pub subs: std::vec::Vec<usize>,
    /// Fixed-rate phase: events per second (default: enough for `--rate-deliveries` per second).
    #[arg(long)]
    pub rate: Option<f64>,
    /// Fixed-rate phase: target deliveries per second when `--rate` is not given.
    #[arg(long, default_value_t = 20_000.0)]
    pub rate_deliveries: f64,
    /// Fixed-rate phase length, seconds.
    #[arg(long, default_value_t = 10.0)]
    pub rate_secs: f64,
    /// Flat-out phase: deliveries to aim for (events = this / subscribers, at least 10).
    #[arg(long, default_value_t = 1_000_000)]
    pub flat_deliveries: u64,
    /// Flat-out phase: hard time limit, seconds.
    #[arg(long, default_value_t = 30.0)]
    pub flat_secs: f64,
    /// Flat-out phase: concurrent publishers (each waits for its answer before the next).
    #[arg(long, default_value_t = 4)]
    pub publishers: usize,
    /// Size of the event's `data` string, bytes (timestamp and sequence included).
    #[arg(long, default_value_t = 128)]
    pub payload_bytes: usize,
    /// Handshakes in flight while connecting.
    #[arg(long, default_value_t = 200)]
    pub connect_concurrency: usize,
    /// Subscribe to `private-…` with signatures from the secret instead of a public channel.
    #[arg(long)]
    pub private: bool,
}

pub async fn run(args: FanoutArgs) -> Result<(), String> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(256)
        .tcp_nodelay(true)
        .build()
        .map_err(|e| e.to_string())?;
    let probe = ProcProbe::new(args.target.pid);
    let mut rows = Vec::new();
    for &n in &args.subs {
        let results = run_one(&args, &client, &probe, n).await?;
        for r in results {
            rows.push(vec![
                args.target.server.clone(),
                n.to_string(),
                r["mode"].as_str().unwrap_or_default().to_owned(),
                cell(r["events_per_s"].as_f64(), 1),
                cell(r["deliveries_per_s"].as_f64(), 0),
                cell(r["lat_p50_ms"].as_f64(), 2),
                cell(r["lat_p99_ms"].as_f64(), 2),
                cell(r["lat_max_ms"].as_f64(), 2),
                r["lost"].to_string(),
                cell(r["server_us_per_delivery"].as_f64(), 2),
                cell(r["server_rss_kib"].as_f64().map(|k| k / 1024.0), 1),
            ]);
        }
        // Let the server notice the closed sockets before the next size.
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    print_table(
        "fan-out (one channel, events through the HTTP API)",
        &[
            "server",
            "subs",
            "mode",
            "events/s",
            "deliv/s",
            "p50 ms",
            "p99 ms",
            "max ms",
            "lost",
            "srv µs/deliv",
            "srv RSS MiB",
        ],
        &rows,
    );
    Ok(())
}

async fn run_one(
    args: &FanoutArgs,
    client: &reqwest::Client,
    probe: &ProcProbe,
    n: usize,
) -> Result<Vec<serde_json::Value>, String> {
    let channel = if args.private {
        format!("private-bench-fanout-{n}-{}", now_ns() % 1_000_000)
    } else {
        format!("bench-fanout-{n}-{}", now_ns() % 1_000_000)
    };
    let shared = Arc::new(Shared::default());
    let ready = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let first_error: Arc<Mutex<Option<String>>> = Arc::default();
    let gate = Arc::new(Semaphore::new(args.connect_concurrency.max(1)));
    let mut stats: Vec<Arc<SubStats>> = Vec::with_capacity(n);
    let mut tasks: Vec<JoinHandle<()>> = Vec::with_capacity(n);
    let connect_started = Instant::now();
    eprintln!(
        "fan-out {n}: connecting {n} subscribers to {channel} on {}",
        args.target.server
    );
    for _ in 0..n {
        let sub = Arc::new(SubStats::default());
        stats.push(sub.clone());
        let (target, channel, shared, ready, failed, first_error, gate) = (
            args.target.clone(),
            channel.clone(),
            shared.clone(),
            ready.clone(),
            failed.clone(),
            first_error.clone(),
            gate.clone(),
        );
        let private = args.private;
        tasks.push(tokio::spawn(async move {
            let setup = async {
                let _permit = gate.acquire().await.map_err(|e| e.to_string())?;
                let (mut ws, socket_id) = target.connect().await?;
                let auth = private.then(|| target.channel_auth(&socket_id, &channel));
                subscribe(&mut ws, &channel, auth).await?;
                Ok::<Ws, String>(ws)
            };
            match setup.await {
                Ok(ws) => {
                    ready.fetch_add(1, Ordering::SeqCst);
                    subscriber_loop(ws, sub, shared).await;
                }
                Err(e) => {
                    failed.fetch_add(1, Ordering::SeqCst);
                    first_error.lock().unwrap().get_or_insert(e);
                }
            }
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(180);
    while ready.load(Ordering::SeqCst) + failed.load(Ordering::SeqCst) < n {
        if Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let subscribed = ready.load(Ordering::SeqCst);
    eprintln!(
        "fan-out {n}: {subscribed} subscribed, {} failed in {:.1}s{}",
        failed.load(Ordering::SeqCst),
        connect_started.elapsed().as_secs_f64(),
        first_error
            .lock()
            .unwrap()
            .as_ref()
            .map(|e| format!(" (first error: {e})"))
            .unwrap_or_default()
    );
    tokio::time::sleep(Duration::from_millis(500)).await;

    let mut results = Vec::new();
    for phase in 0..PHASES {
        let closed_before = shared.closed.load(Ordering::SeqCst);
        let alive = subscribed.saturating_sub(closed_before as usize);
        let before = probe.sample();
        let own_before = ProcProbe::own().sample();
        let started_ns = now_ns();
        let started = Instant::now();
        let (published, publish_errors, publish_error) = if phase == 0 {
            let rate = args
                .rate
                .unwrap_or_else(|| (args.rate_deliveries / n.max(1) as f64).max(1.0));
            let events = ((rate * args.rate_secs).ceil() as u64).max(1);
            publish_at_rate(args, client, &channel, rate, events).await
        } else {
            let events = (args.flat_deliveries / n.max(1) as u64).max(10);
            publish_flat_out(args, client, &channel, events).await
        };
        let publish_secs = started.elapsed().as_secs_f64();
        let expected = published * alive as u64;
        // Drain: until everything arrived, or nothing more came for 3 s (60 s at most).
        let drain_deadline = Instant::now() + Duration::from_secs(60);
        let mut last_count = 0;
        let mut last_progress = Instant::now();
        loop {
            let got = shared.received[phase].load(Ordering::SeqCst);
            if got >= expected || Instant::now() > drain_deadline {
                break;
            }
            if got != last_count {
                last_count = got;
                last_progress = Instant::now();
            } else if last_progress.elapsed() > Duration::from_secs(3) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let after = probe.sample();
        let own_after = ProcProbe::own().sample();
        let received = shared.received[phase].load(Ordering::SeqCst);
        let last_rx = shared.last_rx_ns.load(Ordering::SeqCst);
        let wall_s = (last_rx.saturating_sub(started_ns)) as f64 / 1e9;
        let mut all = Vec::with_capacity(received as usize);
        for sub in &stats {
            let mut lat = sub.latencies.lock().unwrap();
            all.append(&mut lat[phase]);
        }
        let lat = Latencies::from_vec(all);
        let cpu = cpu_between(before, after);
        let result = json!({
            "scenario": "fanout",
            "server": args.target.server,
            "subs": n,
            "subscribed": subscribed,
            "mode": PHASE_NAMES[phase],
            "channel": if args.private { "private" } else { "public" },
            "payload_bytes": args.payload_bytes,
            "publishers": if phase == 0 { 0 } else { args.publishers },
            "events_published": published,
            "publish_errors": publish_errors,
            "publish_error": publish_error,
            "events_per_s": round(published as f64 / publish_secs.max(1e-9), 1),
            "expected": expected,
            "received": received,
            "lost": expected as i64 - received as i64,
            "duplicates": shared.duplicates.load(Ordering::SeqCst),
            "disconnected": shared.closed.load(Ordering::SeqCst) - closed_before,
            "close_reasons": shared.close_reasons.lock().unwrap().iter().take(3).cloned().collect::<Vec<_>>(),
            "wall_s": round(wall_s, 3),
            "deliveries_per_s": round(received as f64 / wall_s.max(1e-9), 0),
            "lat_p50_ms": opt_round(lat.pct_ms(50.0), 3),
            "lat_p99_ms": opt_round(lat.pct_ms(99.0), 3),
            "lat_max_ms": opt_round(lat.max_ms(), 3),
            "server_cpu_s": opt_round(cpu, 3),
            "server_us_per_delivery": opt_round(cpu.map(|c| c * 1e6 / received.max(1) as f64), 3),
            "server_rss_kib": after.map(|s| s.rss_kib),
            "client_cpu_s": opt_round(cpu_between(own_before, own_after), 3),
        });
        emit(&result);
        results.push(result);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    for task in &tasks {
        task.abort();
    }
    for task in tasks {
        let _ = task.await;
    }
    Ok(results)
}

/// Publishes `events` at `rate` per second on a fixed schedule (a slow answer does not delay the
/// next send). Returns (published, errors, first error).
async fn publish_at_rate(
    args: &FanoutArgs,
    client: &reqwest::Client,
    channel: &str,
    rate: f64,
    events: u64,
) -> (u64, u64, Option<String>) {
    let start = tokio::time::Instant::now();
    let inflight = Arc::new(Semaphore::new(64));
    let mut handles = Vec::with_capacity(events as usize);
    for seq in 0..events {
        tokio::time::sleep_until(start + Duration::from_secs_f64(seq as f64 / rate)).await;
        let permit = inflight
            .clone()
            .acquire_owned()
            .await
            .expect("open semaphore");
        let (client, channel, target) = (client.clone(), channel.to_owned(), args.target.clone());
        let payload_bytes = args.payload_bytes;
        handles.push(tokio::spawn(async move {
            let _permit = permit;
            publish_event(&target, &client, &channel, payload_bytes, 0, seq).await
        }));
    }
    let mut ok = 0;
    let mut errors = 0;
    let mut first = None;
    for handle in handles {
        match handle.await {
            Ok(Ok(())) => ok += 1,
            Ok(Err(e)) => {
                errors += 1;
                first.get_or_insert(e);
            }
            Err(e) => {
                errors += 1;
                first.get_or_insert(e.to_string());
            }
        }
    }
    (ok, errors, first)
}

/// `publishers` loops, each sending the next event as soon as its previous one was answered,
/// until `events` were sent or `flat_secs` passed.
async fn publish_flat_out(
    args: &FanoutArgs,
    client: &reqwest::Client,
    channel: &str,
    events: u64,
) -> (u64, u64, Option<String>) {
    let next = AtomicU64::new(0);
    let ok = AtomicU64::new(0);
    let errors = AtomicU64::new(0);
    let first: Mutex<Option<String>> = Mutex::new(None);
    let deadline = Instant::now() + Duration::from_secs_f64(args.flat_secs);
    let workers = (0..args.publishers.max(1)).map(|_| async {
        loop {
            let seq = next.fetch_add(1, Ordering::SeqCst);
            if seq >= events || Instant::now() > deadline {
                break;
            }
            match publish_event(&args.target, client, channel, args.payload_bytes, 1, seq).await {
                Ok(()) => {
                    ok.fetch_add(1, Ordering::SeqCst);
                }
                Err(e) => {
                    errors.fetch_add(1, Ordering::SeqCst);
                    first.lock().unwrap().get_or_insert(e);
                }
            }
        }
    });
    futures_util::future::join_all(workers).await;
    (
        ok.load(Ordering::SeqCst),
        errors.load(Ordering::SeqCst),
        first.into_inner().unwrap(),
    )
}
