//! How the history scenario (`history.rs`) times a request: one at a time, after a warm-up,
//! with the server's CPU read around them; and the sends it times (plain, naming five people,
//! replying in a thread).

use std::future::Future;
use std::time::Instant;

use reqwest::Method;
use serde_json::json;

use crate::api::Api;
use crate::common::*;
use crate::history_args::HistoryArgs;
use crate::history_checks::expect;

pub(crate) struct Measured {
    pub(crate) lat: Latencies,
    pub(crate) errors: u64,
    pub(crate) first_error: Option<String>,
    pub(crate) cpu_ms: Option<f64>,
}

/// `warmup` untimed calls, then `requests` timed ones, one at a time.
pub(crate) async fn time_op<F, Fut>(
    probe: &ProcProbe,
    warmup: u64,
    requests: u64,
    mut call: F,
) -> Measured
where
    F: FnMut(u64) -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    for i in 0..warmup {
        let _ = call(i).await;
    }
    let (mut us, mut errors, mut first_error) = (Vec::new(), 0, None);
    let before = probe.sample();
    for i in 0..requests {
        let t = Instant::now();
        match call(warmup + i).await {
            Ok(()) => us.push(us_u32(t.elapsed())),
            Err(e) => {
                errors += 1;
                first_error.get_or_insert(e);
            }
        }
    }
    let cpu = cpu_between(before, probe.sample());
    Measured {
        cpu_ms: cpu.map(|c| c * 1e3 / requests.max(1) as f64),
        lat: Latencies::from_vec(us),
        errors,
        first_error,
    }
}

pub(crate) async fn sends_and_reads(
    api: &Api,
    probe: &ProcProbe,
    args: &HistoryArgs,
    base: &str,
    other: &str,
    viewer: &str,
) -> (Measured, Measured) {
    let (messages, read) = (format!("{base}/messages"), format!("{base}/read"));
    let mut out = [(); 2].map(|_| (Vec::new(), 0u64, None::<String>, 0.0f64));
    for i in 0..args.warmup + args.requests {
        let key = format!("history-{}-{i}", args.backend);
        let body = json!({ "body": format!("history send {i}"), "client_id": format!("{key}-{}", now_ns()) });
        let calls = [
            (Method::POST, &messages, other, Some(&body), 201),
            (Method::POST, &read, viewer, None, 200),
        ];
        for (slot, (method, path, token, body, status)) in out.iter_mut().zip(calls) {
            let before = probe.sample();
            let t = Instant::now();
            let outcome = expect(api.call(method, path, Some(token), body).await, status);
            let elapsed = t.elapsed();
            if i < args.warmup {
                continue;
            }
            slot.3 += cpu_between(before, probe.sample()).unwrap_or(f64::NAN);
            match outcome {
                Ok(()) => slot.0.push(us_u32(elapsed)),
                Err(e) => {
                    slot.1 += 1;
                    slot.2.get_or_insert(e);
                }
            }
        }
    }
    let [s, r] = out.map(|(us, errors, first_error, cpu)| Measured {
        lat: Latencies::from_vec(us),
        errors,
        first_error,
        // Per-request /proc samples tick at 10 ms: summed over the run they still average out.
        cpu_ms: cpu
            .is_finite()
            .then(|| cpu * 1e3 / args.requests.max(1) as f64),
    });
    (s, r)
}

/// Sends by the other member, each naming `named` (the viewer and the extra members: 5 people),
/// each with a `client_id` as the plain sends have: the same request but for `mentions`, timed
/// the same way, right after them.
pub(crate) async fn sends_naming(
    api: &Api,
    probe: &ProcProbe,
    args: &HistoryArgs,
    base: &str,
    other: &str,
    named: &[i64],
) -> Measured {
    let messages = format!("{base}/messages");
    let (messages, backend) = (&messages, &args.backend);
    time_op(probe, args.warmup, args.requests, move |i| async move {
        let body = json!({
            "body": format!("history mention send {i}"),
            "client_id": format!("history-mentions-{backend}-{i}-{}", now_ns()),
            "mentions": named,
        });
        match api
            .call(Method::POST, messages, Some(other), Some(&body))
            .await?
        {
            (201, sent)
                if sent["data"]["mentions"].as_array().map(Vec::len) == Some(named.len()) =>
            {
                Ok(())
            }
            (status, sent) => Err(format!("{status} {sent}")),
        }
    })
    .await
}

/// Replies by the other member in the thread under `root` (a bulk thread of the newest history,
/// whose author — the other member — and three repliers follow it, so each reply alerts three
/// followers and moves the root's summary), each with a `client_id` as the plain sends have.
pub(crate) async fn sends_in_thread(
    api: &Api,
    probe: &ProcProbe,
    args: &HistoryArgs,
    base: &str,
    other: &str,
    root: i64,
) -> Measured {
    let messages = format!("{base}/messages");
    let (messages, backend) = (&messages, &args.backend);
    time_op(probe, args.warmup, args.requests, move |i| async move {
        let body = json!({
            "body": format!("history thread send {i}"),
            "client_id": format!("history-thread-{backend}-{i}-{}", now_ns()),
            "thread_id": root,
        });
        match api
            .call(Method::POST, messages, Some(other), Some(&body))
            .await?
        {
            (201, sent) if sent["data"]["thread_id"] == root => Ok(()),
            (status, sent) => Err(format!("{status} {sent}")),
        }
    })
    .await
}
