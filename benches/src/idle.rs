//! Scenario 2, idle connections: K sockets opened (handshake and `connection_established`, no
//! subscription) and held; the server's RSS before and after gives its memory per connection.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::json;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

use crate::common::*;
use crate::pusher::{Target, Ws, pong};

#[derive(Debug, clap::Args)]
pub struct IdleArgs {
    #[command(flatten)]
    pub target: Target,
    /// Cumulative socket counts to measure at (1000,10000: open 1000, measure, open 9000 more, measure).
    #[arg(long, default_value = "1000,10000", value_parser = parse_list)]
    pub steps: std::vec::Vec<usize>,
    /// Seconds to wait after each step before reading RSS.
    #[arg(long, default_value_t = 3.0)]
    pub settle_secs: f64,
    /// Handshakes in flight while connecting.
    #[arg(long, default_value_t = 200)]
    pub connect_concurrency: usize,
}

pub async fn run(args: IdleArgs) -> Result<(), String> {
    let probe = ProcProbe::new(args.target.pid);
    let baseline = probe.sample();
    let open = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let first_error: Arc<Mutex<Option<String>>> = Arc::default();
    let gate = Arc::new(Semaphore::new(args.connect_concurrency.max(1)));
    let mut tasks: Vec<JoinHandle<()>> = Vec::new();
    let mut rows = Vec::new();
    for &step in &args.steps {
        let started = Instant::now();
        let cpu_before = probe.sample();
        while tasks.len() < step {
            let (target, open, failed, first_error, gate) = (
                args.target.clone(),
                open.clone(),
                failed.clone(),
                first_error.clone(),
                gate.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let permit = gate.acquire().await;
                match target.connect().await {
                    Ok((ws, _)) => {
                        drop(permit);
                        open.fetch_add(1, Ordering::SeqCst);
                        hold(ws).await;
                        open.fetch_sub(1, Ordering::SeqCst);
                    }
                    Err(e) => {
                        failed.fetch_add(1, Ordering::SeqCst);
                        first_error.lock().unwrap().get_or_insert(e);
                    }
                }
            }));
        }
        let deadline = Instant::now() + Duration::from_secs(180);
        while open.load(Ordering::SeqCst) + failed.load(Ordering::SeqCst) < step
            && Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let connect_secs = started.elapsed().as_secs_f64();
        tokio::time::sleep(Duration::from_secs_f64(args.settle_secs)).await;
        let after = probe.sample();
        let held = open.load(Ordering::SeqCst);
        let per_conn = match (baseline, after) {
            (Some(b), Some(a)) if held > 0 => {
                Some((a.rss_kib as f64 - b.rss_kib as f64) / held as f64)
            }
            _ => None,
        };
        let result = json!({
            "scenario": "idle",
            "server": args.target.server,
            "sockets": step,
            "held": held,
            "failed": failed.load(Ordering::SeqCst),
            "first_error": first_error.lock().unwrap().clone(),
            "connect_s": round(connect_secs, 2),
            "rss_before_kib": baseline.map(|s| s.rss_kib),
            "rss_after_kib": after.map(|s| s.rss_kib),
            "kib_per_conn": opt_round(per_conn, 2),
            "server_cpu_connect_s": opt_round(cpu_between(cpu_before, after), 3),
        });
        emit(&result);
        rows.push(vec![
            args.target.server.clone(),
            step.to_string(),
            held.to_string(),
            cell(baseline.map(|s| s.rss_kib as f64 / 1024.0), 1),
            cell(after.map(|s| s.rss_kib as f64 / 1024.0), 1),
            cell(per_conn, 2),
        ]);
    }
    print_table(
        "idle connections (handshake done, no subscription)",
        &[
            "server",
            "sockets",
            "held",
            "RSS before MiB",
            "RSS after MiB",
            "KiB/conn",
        ],
        &rows,
    );
    for task in &tasks {
        task.abort();
    }
    for task in tasks {
        let _ = task.await;
    }
    Ok(())
}

/// Keeps a socket open, answering pings, until the task is aborted or the server closes it.
async fn hold(mut ws: Ws) {
    while let Some(Ok(frame)) = ws.next().await {
        if let Message::Text(text) = frame
            && text.contains("pusher:ping")
        {
            pong(&mut ws).await;
        }
    }
}
