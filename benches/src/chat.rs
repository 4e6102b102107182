//! Scenario 3, the chat path (Confab only): users registered through the API, rooms created,
//! sockets subscribed to the rooms' private channels, then authenticated
//! `POST /api/v1/conversations/{id}/messages` by C senders — flat out (each sender back to back)
//! or at a fixed rate (`--rate N`: send i is due i/N s after the start, taken by whichever sender
//! is free, and its latency counts from when it was due). Every delivery is checked by message id:
//! each id a 201 returned must reach every socket of its room exactly once. The floors the chat
//! path is compared with are in `floor.rs`.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::json;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

use crate::api::{Api, bounded};
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
    /// Concurrencies (senders) to run, one after another.
    #[arg(long, default_value = "16,64", value_parser = parse_list)]
    pub concurrency: std::vec::Vec<usize>,
    /// Messages per run (each run stops at this count or at `--max-secs`).
    #[arg(long, default_value_t = 20_000)]
    pub count: u64,
    #[arg(long, default_value_t = 20.0)]
    pub max_secs: f64,
    /// Fixed rate, sends per second over all senders: send i is due i/N s after the start and its
    /// latency counts from then (a sender held up by a slow answer makes the next sends late, and
    /// their latency shows it). Without it every sender posts back to back.
    #[arg(long)]
    pub rate: Option<f64>,
    /// Rooms the senders spread over (sender i posts into room i mod rooms).
    #[arg(long, default_value_t = 16)]
    pub rooms: usize,
    /// Sockets subscribed to each room's private channel (each message is delivered to them).
    #[arg(long, default_value_t = 2)]
    pub subs_per_room: usize,
    #[arg(long, default_value_t = 64)]
    pub body_bytes: usize,
}

/// One subscribed socket: the room (index into the run's rooms) and the message ids it received.
struct Inbox {
    room: usize,
    ids: Arc<Mutex<Vec<i64>>>,
}

/// What one measured run sent: (room index, message id) per 201, and the request figures.
struct Sent {
    messages: Vec<(usize, i64)>,
    latencies: Latencies,
    errors: u64,
    first_error: Option<String>,
    wall_s: f64,
    /// Fixed rate: how late the latest send started after it was due (the generator's own lag).
    max_start_lag_ms: f64,
}

/// The delivery check of one run, in (message, socket) pairs.
#[derive(Debug, Default, PartialEq)]
struct Audit {
    expected: u64,
    received: u64,
    lost: u64,
    duplicated: u64,
    /// Ids no 201 of this run returned (a send that failed on the client but was stored, or a
    /// late delivery from an earlier run).
    unexpected: u64,
    /// Ids two 201s returned (the API numbering two sends alike).
    duplicate_ids: u64,
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
    let received = Arc::new(AtomicU64::new(0));
    let mut inboxes: Vec<Inbox> = Vec::new();
    let mut subscribers: Vec<JoinHandle<()>> = Vec::new();
    for (index, room) in rooms.iter().enumerate() {
        let channel = format!("private-conversation.{room}");
        for _ in 0..args.subs_per_room {
            let (mut ws, socket_id) = args.target.connect().await?;
            subscribe(
                &mut ws,
                &channel,
                Some(args.target.channel_auth(&socket_id, &channel)),
            )
            .await?;
            let ids = Arc::new(Mutex::new(Vec::new()));
            subscribers.push(tokio::spawn(collect_ids(ws, ids.clone(), received.clone())));
            inboxes.push(Inbox { room: index, ids });
        }
    }

    let mode = if args.rate.is_some() { "rate" } else { "flat" };
    let mut rows = Vec::new();
    for &concurrency in &args.concurrency {
        for inbox in &inboxes {
            inbox.ids.lock().unwrap().clear();
        }
        let received_before = received.load(Ordering::SeqCst);
        let before = probe.sample();
        let sent = send_all(&args, &api, &users, &rooms, concurrency).await;
        let after = probe.sample();
        let expected = sent.messages.len() as u64 * args.subs_per_room as u64;
        let drain = Instant::now() + Duration::from_secs(10);
        while received.load(Ordering::SeqCst) - received_before < expected && Instant::now() < drain
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // A duplicate would come right behind its original: a moment more to catch it.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let audit = audit(&sent.messages, &inboxes);
        let sends = sent.messages.len() as u64;
        let cpu = cpu_between(before, after);
        let lat = &sent.latencies;
        let result = json!({
            "scenario": "chat",
            "server": args.target.server,
            "backend": args.backend,
            "mode": mode,
            "rate": args.rate,
            "latency_from": if args.rate.is_some() { "scheduled send time" } else { "request start" },
            "concurrency": concurrency,
            "rooms": rooms.len(),
            "subs_per_room": args.subs_per_room,
            "body_bytes": args.body_bytes,
            "sends": sends,
            "errors": sent.errors,
            "first_error": sent.first_error,
            "wall_s": round(sent.wall_s, 3),
            "sends_per_s": round(sends as f64 / sent.wall_s.max(1e-9), 1),
            "max_start_lag_ms": args.rate.map(|_| round(sent.max_start_lag_ms, 3)),
            "lat_p50_ms": opt_round(lat.pct_ms(50.0), 3),
            "lat_p99_ms": opt_round(lat.pct_ms(99.0), 3),
            "lat_max_ms": opt_round(lat.max_ms(), 3),
            "deliveries_expected": audit.expected,
            "deliveries_received": audit.received,
            "deliveries_lost": audit.lost,
            "deliveries_duplicated": audit.duplicated,
            "deliveries_unexpected": audit.unexpected,
            "duplicate_message_ids": audit.duplicate_ids,
            "server_cpu_s": opt_round(cpu, 3),
            "server_us_per_send": opt_round(cpu.map(|c| c * 1e6 / sends.max(1) as f64), 1),
            "server_rss_kib": after.map(|s| s.rss_kib),
            "send_limit_note": "server started with CONFAB_SEND_LIMIT=1000000000 so the 60/min throttle does not interfere",
        });
        emit(&result);
        rows.push(vec![
            args.backend.clone(),
            concurrency.to_string(),
            args.rate.map_or("–".into(), |r| format!("{r:.0}")),
            sends.to_string(),
            sent.errors.to_string(),
            cell(result["sends_per_s"].as_f64(), 0),
            cell(lat.pct_ms(50.0), 2),
            cell(lat.pct_ms(99.0), 2),
            format!("{}/{}", audit.received, audit.expected),
            format!("{}/{}/{}", audit.lost, audit.duplicated, audit.unexpected),
            cell(result["server_us_per_send"].as_f64(), 0),
        ]);
    }
    print_table(
        "chat path: POST /api/v1/conversations/{id}/messages (throttle off: CONFAB_SEND_LIMIT=1000000000)",
        &[
            "db",
            "C",
            "rate/s",
            "sends",
            "errors",
            "sends/s",
            "p50 ms",
            "p99 ms",
            "delivered",
            "lost/dup/unexp",
            "srv µs/send",
        ],
        &rows,
    );
    for task in subscribers {
        task.abort();
    }
    Ok(())
}

/// One measured run at `concurrency` senders, flat out or at `args.rate`.
async fn send_all(
    args: &ChatArgs,
    api: &Api,
    users: &[(i64, String)],
    rooms: &[i64],
    concurrency: usize,
) -> Sent {
    let next = AtomicU64::new(0);
    let errors = AtomicU64::new(0);
    let first_error: Mutex<Option<String>> = Mutex::new(None);
    let max_lag_us = AtomicU64::new(0);
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(args.max_secs);
    let workers = (0..concurrency).map(|w| {
        let (next, errors, first_error, max_lag_us) = (&next, &errors, &first_error, &max_lag_us);
        async move {
            let token = &users[w % users.len()].1;
            let room = w % rooms.len();
            let mut latencies = Vec::new();
            let mut messages = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= args.count {
                    break;
                }
                let due = match args.rate {
                    Some(rate) => started + Duration::from_secs_f64(i as f64 / rate.max(1e-9)),
                    None => Instant::now(),
                };
                if due > deadline || Instant::now() > deadline {
                    break;
                }
                if args.rate.is_some() {
                    tokio::time::sleep_until(due.into()).await;
                    let lag = us_u32(due.elapsed());
                    max_lag_us.fetch_max(u64::from(lag), Ordering::Relaxed);
                }
                let body = body_of(args.body_bytes, i);
                match api.send(token, rooms[room], &body).await {
                    Ok(id) => {
                        latencies.push(us_u32(due.elapsed()));
                        messages.push((room, id));
                    }
                    Err(e) => {
                        errors.fetch_add(1, Ordering::SeqCst);
                        first_error.lock().unwrap().get_or_insert(e);
                    }
                }
            }
            (latencies, messages)
        }
    });
    let per_worker = futures_util::future::join_all(workers).await;
    let wall_s = started.elapsed().as_secs_f64();
    let (mut latencies, mut messages) = (Vec::new(), Vec::new());
    for (l, m) in per_worker {
        latencies.extend(l);
        messages.extend(m);
    }
    Sent {
        messages,
        latencies: Latencies::from_vec(latencies),
        errors: errors.load(Ordering::SeqCst),
        first_error: first_error.lock().unwrap().clone(),
        wall_s,
        max_start_lag_ms: max_lag_us.load(Ordering::Relaxed) as f64 / 1000.0,
    }
}

/// Checks every socket's ids against the ids the API returned for its room.
fn audit(sent: &[(usize, i64)], inboxes: &[Inbox]) -> Audit {
    let mut out = Audit::default();
    let mut by_room: HashMap<usize, HashSet<i64>> = HashMap::new();
    for &(room, id) in sent {
        if !by_room.entry(room).or_default().insert(id) {
            out.duplicate_ids += 1;
        }
    }
    let empty = HashSet::new();
    for inbox in inboxes {
        let expected = by_room.get(&inbox.room).unwrap_or(&empty);
        let mut seen: HashMap<i64, u64> = HashMap::new();
        for &id in inbox.ids.lock().unwrap().iter() {
            *seen.entry(id).or_default() += 1;
        }
        out.expected += expected.len() as u64;
        out.lost += expected.iter().filter(|id| !seen.contains_key(id)).count() as u64;
        for (id, copies) in &seen {
            if expected.contains(id) {
                out.received += 1;
                out.duplicated += copies - 1;
            } else {
                out.unexpected += copies;
            }
        }
    }
    out
}

/// Reads a socket until it closes, keeping the id of every `message.sent` it gets.
async fn collect_ids(mut ws: Ws, ids: Arc<Mutex<Vec<i64>>>, received: Arc<AtomicU64>) {
    while let Some(Ok(frame)) = ws.next().await {
        let Message::Text(text) = frame else { continue };
        if text.contains("\"message.sent\"") {
            // An event whose id cannot be read counts as -1: never expected, so "unexpected".
            ids.lock().unwrap().push(message_id(&text).unwrap_or(-1));
            received.fetch_add(1, Ordering::SeqCst);
        } else if text.contains("pusher:ping") {
            pong(&mut ws).await;
        }
    }
}

/// The message id of a `message.sent` frame. Its `data` is a JSON string holding
/// `{"message":{"id":…`, so the id follows the escaped `{\"message\":{\"id\":`; anything else is
/// parsed in full.
fn message_id(frame: &str) -> Option<i64> {
    const MARK: &str = r#"{\"message\":{\"id\":"#;
    if let Some(at) = frame.find(MARK) {
        let digits: String = frame[at + MARK.len()..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if let Ok(id) = digits.parse() {
            return Some(id);
        }
    }
    let outer: serde_json::Value = serde_json::from_str(frame).ok()?;
    let data: serde_json::Value = serde_json::from_str(outer["data"].as_str()?).ok()?;
    data["message"]["id"].as_i64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_is_read_from_the_escaped_data() {
        let frame = r#"{"event":"message.sent","channel":"private-conversation.7","data":"{\"message\":{\"id\":4711,\"conversation_id\":7}}"}"#;
        assert_eq!(message_id(frame), Some(4711));
        let reordered =
            r#"{"event":"message.sent","data":"{\"message\":{\"body\":\"x\",\"id\":12}}"}"#;
        assert_eq!(message_id(reordered), Some(12));
    }

    #[test]
    fn the_audit_finds_losses_duplicates_and_strangers() {
        let inbox = |room, ids: &[i64]| Inbox {
            room,
            ids: Arc::new(Mutex::new(ids.to_vec())),
        };
        let sent = [(0, 1), (0, 2), (1, 3)];
        let inboxes = [inbox(0, &[1, 2, 2]), inbox(0, &[1]), inbox(1, &[3, 9])];
        let got = audit(&sent, &inboxes);
        assert_eq!(
            got,
            Audit {
                expected: 5,
                received: 4,
                lost: 1,
                duplicated: 1,
                unexpected: 1,
                duplicate_ids: 0,
            }
        );
        assert_eq!(audit(&[(0, 1), (0, 1)], &[]).duplicate_ids, 1);
    }
}
