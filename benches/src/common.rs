//! What every scenario shares: sampling the server process from `/proc`, percentiles, the table
//! and `BENCH_JSON` line output, and a few bounded-wait helpers.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

/// Nanoseconds since the Unix epoch (the clock both the publisher and the subscribers read).
pub fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or_default()
}

/// One reading of a process: CPU seconds so far (user + system) and resident memory.
#[derive(Clone, Copy, Debug, Default)]
pub struct ProcSample {
    pub cpu_s: f64,
    pub rss_kib: u64,
}

/// Reads `/proc/PID/stat` (utime + stime, fields 14 and 15) and `/proc/PID/status` (VmRSS).
#[derive(Clone, Debug)]
pub struct ProcProbe {
    pid: Option<u32>,
    ticks_per_s: f64,
}

impl ProcProbe {
    pub fn new(pid: Option<u32>) -> Self {
        Self {
            pid,
            ticks_per_s: clock_ticks(),
        }
    }

    /// This benchmark process itself (to show how busy the load generator was).
    pub fn own() -> Self {
        Self::new(Some(std::process::id()))
    }

    pub fn sample(&self) -> Option<ProcSample> {
        let pid = self.pid?;
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // The command name may hold spaces and parentheses: fields are counted after the last ')'.
        let after = &stat[stat.rfind(')')? + 1..];
        let fields: Vec<&str> = after.split_whitespace().collect();
        // `after` starts at field 3 (state): utime is field 14, stime field 15.
        let utime: f64 = fields.get(11)?.parse().ok()?;
        let stime: f64 = fields.get(12)?.parse().ok()?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let rss_kib = status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kib| kib.parse().ok())
            .unwrap_or(0);
        Some(ProcSample {
            cpu_s: (utime + stime) / self.ticks_per_s,
            rss_kib,
        })
    }
}

/// `getconf CLK_TCK` (100 on Linux nearly everywhere).
fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(100.0)
}

/// CPU seconds between two samples (0 when the process could not be read).
pub fn cpu_between(before: Option<ProcSample>, after: Option<ProcSample>) -> Option<f64> {
    Some(after?.cpu_s - before?.cpu_s)
}

/// Latency samples in microseconds; percentiles by nearest rank.
#[derive(Default)]
pub struct Latencies {
    us: Vec<u32>,
}

impl Latencies {
    pub fn from_vec(mut us: Vec<u32>) -> Self {
        us.sort_unstable();
        Self { us }
    }

    pub fn len(&self) -> usize {
        self.us.len()
    }

    /// Percentile `p` (0–100) in milliseconds; `None` without samples.
    pub fn pct_ms(&self, p: f64) -> Option<f64> {
        if self.us.is_empty() {
            return None;
        }
        let rank = ((p / 100.0) * self.us.len() as f64).ceil() as usize;
        let index = rank.clamp(1, self.us.len()) - 1;
        Some(f64::from(self.us[index]) / 1000.0)
    }

    pub fn max_ms(&self) -> Option<f64> {
        self.us.last().map(|v| f64::from(*v) / 1000.0)
    }
}

/// Microseconds, saturating into a `u32` (71 minutes is plenty).
pub fn us_u32(d: Duration) -> u32 {
    u32::try_from(d.as_micros()).unwrap_or(u32::MAX)
}

/// Rounds for JSON and tables.
pub fn round(v: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (v * f).round() / f
}

pub fn opt_round(v: Option<f64>, places: i32) -> Value {
    match v {
        Some(v) if v.is_finite() => Value::from(round(v, places)),
        _ => Value::Null,
    }
}

/// The machine-readable result line the script collects.
pub fn emit(value: &Value) {
    println!("BENCH_JSON {value}");
}

/// A plain aligned table on stdout.
pub fn print_table(title: &str, headers: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if i < widths.len() {
                widths[i] = widths[i].max(cell.len());
            }
        }
    }
    println!("\n== {title}");
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:>w$}", w = widths.get(i).copied().unwrap_or(0)))
            .collect();
        println!("  {}", padded.join("  "));
    };
    line(headers.iter().map(|h| (*h).to_owned()).collect());
    line(widths.iter().map(|w| "-".repeat(*w)).collect());
    for row in rows {
        line(row.clone());
    }
    println!();
}

/// Formats an optional number for a table cell.
pub fn cell(v: Option<f64>, places: usize) -> String {
    match v {
        Some(v) if v.is_finite() => format!("{v:.places$}"),
        _ => "–".to_owned(),
    }
}

/// Splits `100,1000` into numbers.
pub fn parse_list(text: &str) -> Result<Vec<usize>, String> {
    text.split(',')
        .filter(|part| !part.trim().is_empty())
        .map(|part| {
            part.trim()
                .replace('_', "")
                .parse::<usize>()
                .map_err(|e| format!("{part}: {e}"))
        })
        .collect()
}

/// A message body of `len` bytes (ASCII), different per index so no cache can shortcut it.
pub fn body_of(len: usize, index: u64) -> String {
    let mut body = format!("bench message {index} ");
    while body.len() < len {
        body.push('x');
    }
    body.truncate(len.max(1));
    body
}

// Report cells shared by the report's sections (`report.rs`, `report_chat.rs`).

/// A target's verdict, in bold.
pub fn met(ok: bool) -> String {
    if ok {
        "**met**".into()
    } else {
        "**missed**".into()
    }
}

/// A JSON value as a table cell (strings without their quotes).
pub fn s(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
}

/// `a` as a percentage of `b`.
pub fn pct(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.0} %", a * 100.0 / b),
        _ => "–".into(),
    }
}
