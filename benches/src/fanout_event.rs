//! A fan-out event from its publish to its receipt: the `data` it carries (phase, sequence number,
//! send time, padding), the signed publish that sends one, and the subscriber loop that reads it
//! back, measuring end-to-end latency and counting per phase into counters every subscriber shares.
//! Writer and reader of the `data` live together so the format changes in one place.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use crate::common::{now_ns, us_u32};
use crate::pusher::{EventFrame, Target, Ws, pong};

pub const PHASES: usize = 2;
pub const PHASE_NAMES: [&str; PHASES] = ["rate", "flat"];

#[derive(Deserialize)]
struct Payload {
    /// phase
    p: usize,
    /// sequence number within the phase
    s: u64,
    /// send time, ns since the epoch
    t: u64,
}

#[derive(Default)]
pub struct Shared {
    pub received: [AtomicU64; PHASES],
    pub duplicates: AtomicU64,
    pub last_rx_ns: AtomicU64,
    pub closed: AtomicU64,
    pub close_reasons: Mutex<Vec<String>>,
}

#[derive(Default)]
pub struct SubStats {
    pub latencies: Mutex<[Vec<u32>; PHASES]>,
}

/// One signed publish whose `data` holds the phase, the sequence number and the send time.
pub async fn publish_event(
    target: &Target,
    client: &reqwest::Client,
    channel: &str,
    payload_bytes: usize,
    phase: usize,
    seq: u64,
) -> Result<(), String> {
    let mut data = format!(r#"{{"p":{phase},"s":{seq},"t":{},"x":""#, now_ns());
    let pad = payload_bytes.saturating_sub(data.len() + 2);
    data.extend(std::iter::repeat_n('x', pad));
    data.push_str("\"}");
    let body = json!({"name": "bench", "channel": channel, "data": data}).to_string();
    let response = target
        .signed_publish(client, body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!(
            "{status}: {}",
            response.text().await.unwrap_or_default()
        ))
    }
}

pub async fn subscriber_loop(mut ws: Ws, stats: Arc<SubStats>, shared: Arc<Shared>) {
    let mut last_seq: [Option<u64>; PHASES] = [None; PHASES];
    loop {
        let frame = match ws.next().await {
            Some(Ok(frame)) => frame,
            Some(Err(e)) => {
                note_close(&shared, format!("read error: {e}"));
                return;
            }
            None => {
                note_close(&shared, "closed".to_owned());
                return;
            }
        };
        let text = match frame {
            Message::Text(text) => text,
            Message::Close(reason) => {
                note_close(&shared, format!("close frame: {reason:?}"));
                return;
            }
            _ => continue,
        };
        let received_ns = now_ns();
        let Ok(event) = serde_json::from_str::<EventFrame>(&text) else {
            continue;
        };
        match event.event.as_ref() {
            "bench" => {
                let Some(Ok(payload)) = event.data.as_deref().map(serde_json::from_str::<Payload>)
                else {
                    continue;
                };
                if payload.p >= PHASES {
                    continue;
                }
                if last_seq[payload.p].is_some_and(|last| payload.s == last) {
                    shared.duplicates.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                last_seq[payload.p] = Some(payload.s);
                let latency = Duration::from_nanos(received_ns.saturating_sub(payload.t));
                stats.latencies.lock().unwrap()[payload.p].push(us_u32(latency));
                shared.received[payload.p].fetch_add(1, Ordering::Relaxed);
                shared.last_rx_ns.fetch_max(received_ns, Ordering::Relaxed);
            }
            "pusher:ping" => pong(&mut ws).await,
            "pusher:error" => {
                note_close(&shared, format!("pusher:error {:?}", event.data));
            }
            _ => {}
        }
    }
}

fn note_close(shared: &Shared, reason: String) {
    shared.closed.fetch_add(1, Ordering::SeqCst);
    let mut reasons = shared.close_reasons.lock().unwrap();
    if reasons.len() < 10 {
        reasons.push(reason);
    }
}
