//! Scenario 6, files on the local store: uploads and downloads through Confab beside the disk
//! they land on. Upload MiB/s of one big file against writing and fsyncing the same bytes in the
//! store's own folder; server CPU per MiB; server RSS while many big uploads run at once; what a
//! 12 MP JPEG's decode and thumbnail add to its upload; download MiB/s against reading the stored
//! file back. Confab only: the peer has no attachments.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::api::Api;
use crate::common::*;
use crate::files_disk::{find_stored, read_floor, write_floor};

const MIB: f64 = 1024.0 * 1024.0;

#[derive(Debug, clap::Args)]
pub struct FilesArgs {
    /// Confab's REST API base URL.
    #[arg(long)]
    pub api: String,
    /// The server's data directory: its local store is `<data-dir>/attachments`, and the floors
    /// write and read there (same folder, same disk).
    #[arg(long)]
    pub data_dir: PathBuf,
    #[arg(long)]
    pub pid: Option<u32>,
    /// Size of the file uploaded and downloaded one at a time, MiB.
    #[arg(long, default_value_t = 50)]
    pub size_mib: usize,
    /// Measured repetitions of each one-at-a-time upload, download and floor (median reported).
    #[arg(long, default_value_t = 5)]
    pub reps: usize,
    /// Uploads at once in the memory run.
    #[arg(long, default_value_t = 20)]
    pub parallel: usize,
    /// Size of each upload in the memory run, MiB.
    #[arg(long, default_value_t = 100)]
    pub parallel_mib: usize,
    /// Uploads of the 12 MP JPEG (and as many of a random file of its size).
    #[arg(long, default_value_t = 10)]
    pub thumb_reps: usize,
    #[arg(long, default_value = "confab")]
    pub server: String,
}

pub async fn run(args: FilesArgs) -> Result<(), String> {
    let api = Api::new(&args.api)?;
    // Big bodies: the shared client's 60 s timeout could cut the parallel run on a slow disk.
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(600))
        .tcp_nodelay(true)
        .build()
        .map_err(|e| e.to_string())?;
    let store = args.data_dir.join("attachments");
    let probe = ProcProbe::new(args.pid);
    // The generator shares the cores: its own CPU per MiB says how much of them it took.
    let own = ProcProbe::own();
    let tag = now_ns() % 1_000_000_000;
    let (_, token) = api.register(&format!("files{tag}owner")).await?;
    let (other_id, _) = api.register(&format!("files{tag}other")).await?;
    let room = api.group(&token, "files room", &[other_id]).await?;
    let up = Uploader {
        client: &client,
        url: format!("{}/api/v1/conversations/{room}/attachments", api.base),
        token: &token,
    };

    // ---- 1 + 2: one file at a time, against write + fsync in the store's folder
    let size = args.size_mib << 20;
    let data = leak(random_bytes(size, 1));
    let body = multipart(data, "bench.bin", "application/octet-stream");
    eprintln!("files: {} MiB uploads ×{}", args.size_mib, args.reps);
    up.send(body).await?; // warm-up
    let (before, own_before) = (probe.sample(), own.sample());
    let mut upload_s = Vec::new();
    let mut last = Value::Null;
    for _ in 0..args.reps {
        let (took, answer) = up.send(body).await?;
        upload_s.push(took.as_secs_f64());
        last = answer;
    }
    // The download reads the newest upload: the file `find_stored` picks for its floor.
    let attachment_id = last["data"]["id"].as_i64().ok_or("upload: no data.id")?;
    let cpu = cpu_between(before, probe.sample());
    let own_cpu = cpu_between(own_before, own.sample());
    let floor_s = {
        let store = store.clone();
        tokio::task::spawn_blocking(move || write_floor(&store, data, args.reps))
            .await
            .map_err(|e| e.to_string())??
    };
    let mib = args.size_mib as f64;
    let (confab_up, floor_up) = (mib / median(&upload_s), mib / median(&floor_s));
    let cpu_ms_per_mib = cpu.map(|c| c * 1e3 / (mib * args.reps as f64));
    emit(&line(json!({
        "measure": "upload",
        "size_mib": args.size_mib,
        "reps": args.reps,
        "confab_mib_s": round(confab_up, 1),
        "floor_mib_s": round(floor_up, 1),
        "upload_s": upload_s.iter().map(|s| round(*s, 3)).collect::<Vec<_>>(),
        "floor_s": floor_s.iter().map(|s| round(*s, 3)).collect::<Vec<_>>(),
        "server_ms_cpu_per_mib": opt_round(cpu_ms_per_mib, 2),
        "generator_ms_cpu_per_mib": opt_round(own_cpu.map(|c| c * 1e3 / (mib * args.reps as f64)), 2),
    })));

    // ---- 5: download the stored file, against reading it from disk (both warm)
    let stored = find_stored(&store, size as u64)?;
    let read_floor = {
        let stored = stored.clone();
        tokio::task::spawn_blocking(move || read_floor(&stored, args.reps))
            .await
            .map_err(|e| e.to_string())??
    };
    let url = format!("{}/api/v1/attachments/{attachment_id}", api.base);
    download(&client, &url, &token, size as u64).await?; // warm-up
    let (before, own_before) = (probe.sample(), own.sample());
    let mut download_s = Vec::new();
    for _ in 0..args.reps {
        download_s.push(download(&client, &url, &token, size as u64).await?);
    }
    let cpu = cpu_between(before, probe.sample());
    let own_cpu = cpu_between(own_before, own.sample());
    emit(&line(json!({
        "measure": "download",
        "size_mib": args.size_mib,
        "reps": args.reps,
        "confab_mib_s": round(mib / median(&download_s), 1),
        "floor_mib_s": round(mib / median(&read_floor), 1),
        "download_s": download_s.iter().map(|s| round(*s, 3)).collect::<Vec<_>>(),
        "floor_s": read_floor.iter().map(|s| round(*s, 3)).collect::<Vec<_>>(),
        "server_ms_cpu_per_mib": opt_round(cpu.map(|c| c * 1e3 / (mib * args.reps as f64)), 2),
        "generator_ms_cpu_per_mib": opt_round(own_cpu.map(|c| c * 1e3 / (mib * args.reps as f64)), 2),
    })));

    // ---- 3: RSS while many big uploads run at once
    let big = leak(random_bytes(args.parallel_mib << 20, 2));
    let big_body = multipart(big, "big.bin", "application/octet-stream");
    eprintln!(
        "files: {} uploads of {} MiB at once",
        args.parallel, args.parallel_mib
    );
    let baseline = probe.sample().map(|s| s.rss_kib);
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (probe, stop) = (probe.clone(), stop.clone());
        tokio::spawn(async move {
            let mut peak = 0u64;
            let mut samples = 0u64;
            while !stop.load(Ordering::SeqCst) {
                if let Some(s) = probe.sample() {
                    peak = peak.max(s.rss_kib);
                    samples += 1;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            (peak, samples)
        })
    };
    let before = probe.sample();
    let started = Instant::now();
    let outcomes =
        futures_util::future::join_all((0..args.parallel).map(|_| up.send(big_body))).await;
    let wall = started.elapsed().as_secs_f64();
    let cpu = cpu_between(before, probe.sample());
    stop.store(true, Ordering::SeqCst);
    let (peak, samples) = sampler.await.map_err(|e| e.to_string())?;
    let failed: Vec<String> = outcomes.into_iter().filter_map(Result::err).collect();
    // What the server still holds once the uploads are over (kept, or only passing through).
    tokio::time::sleep(Duration::from_secs(1)).await;
    let settled = probe.sample().map(|s| s.rss_kib as f64 / 1024.0);
    let total_mib = (args.parallel * args.parallel_mib) as f64;
    emit(&line(json!({
        "measure": "parallel_rss",
        "parallel": args.parallel,
        "size_mib": args.parallel_mib,
        "errors": failed.len(),
        "first_error": failed.first(),
        "rss_baseline_mib": opt_round(baseline.map(|k| k as f64 / 1024.0), 1),
        "rss_peak_mib": round(peak as f64 / 1024.0, 1),
        "rss_growth_mib": opt_round(baseline.map(|b| peak.saturating_sub(b) as f64 / 1024.0), 1),
        "rss_samples": samples,
        "rss_after_1s_mib": opt_round(settled, 1),
        "aggregate_mib_s": round(total_mib / wall, 1),
        "server_ms_cpu_per_mib": opt_round(cpu.map(|c| c * 1e3 / total_mib), 2),
    })));

    // ---- 4: a 12 MP JPEG's upload against a random file of the same size
    let jpeg = leak(noisy_jpeg(4000, 3000)?);
    let jpeg_body = multipart(jpeg, "photo.jpg", "image/jpeg");
    let plain = leak(random_bytes(jpeg.len(), 3));
    let plain_body = multipart(plain, "same-size.bin", "application/octet-stream");
    eprintln!(
        "files: 12 MP JPEG ({:.1} MiB) ×{} against a random file of its size",
        jpeg.len() as f64 / MIB,
        args.thumb_reps
    );
    let answer = up.send(jpeg_body).await?.1; // warm-up, and the check it was decoded
    if answer["data"]["width"] != 4000 || answer["data"]["thumbnail_url"].is_null() {
        return Err(format!("the JPEG was not taken for an image: {answer}"));
    }
    up.send(plain_body).await?;
    let (mut with_thumb, mut without) = (Vec::new(), Vec::new());
    for _ in 0..args.thumb_reps {
        with_thumb.push(us_u32(up.send(jpeg_body).await?.0));
        without.push(us_u32(up.send(plain_body).await?.0));
    }
    let (jpeg_lat, plain_lat) = (
        Latencies::from_vec(with_thumb),
        Latencies::from_vec(without),
    );
    emit(&line(json!({
        "measure": "thumbnail",
        "reps": args.thumb_reps,
        "jpeg_bytes": jpeg.len(),
        "jpeg_p50_ms": opt_round(jpeg_lat.pct_ms(50.0), 1),
        "jpeg_p90_ms": opt_round(jpeg_lat.pct_ms(90.0), 1),
        "plain_p50_ms": opt_round(plain_lat.pct_ms(50.0), 1),
        "plain_p90_ms": opt_round(plain_lat.pct_ms(90.0), 1),
    })));
    Ok(())
}

/// One result line; with the machine's 1-minute load average, since other work may share it.
fn line(mut value: Value) -> Value {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    value["loadavg_1m"] = load.split_whitespace().next().unwrap_or("").into();
    value["scenario"] = "files".into();
    value["server"] = "confab".into();
    value["store"] = "local".into();
    value
}

/// The bodies live for the whole run and are sent many times: leaked once, sent without copies.
fn leak(bytes: Vec<u8>) -> &'static [u8] {
    Box::leak(bytes.into_boxed_slice())
}

struct Uploader<'a> {
    client: &'a reqwest::Client,
    url: String,
    token: &'a str,
}

/// A multipart body and its boundary.
#[derive(Clone, Copy)]
struct Form {
    boundary: &'static str,
    bytes: &'static [u8],
}

const BOUNDARY: &str = "confab-bench-boundary-7d3f9a";

/// One `file` part holding `data`, as a browser or curl `-F` sends it.
fn multipart(data: &[u8], name: &str, content_type: &str) -> Form {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
         Content-Type: {content_type}\r\n\r\n"
    )
    .into_bytes();
    body.reserve(data.len() + 64);
    body.extend_from_slice(data);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    Form {
        boundary: BOUNDARY,
        bytes: leak(body),
    }
}

impl Uploader<'_> {
    /// One upload: its latency (request sent → whole 201 read) and the answer.
    async fn send(&self, form: Form) -> Result<(Duration, Value), String> {
        let started = Instant::now();
        let response = self
            .client
            .post(&self.url)
            .bearer_auth(self.token)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={}", form.boundary),
            )
            .body(reqwest::Body::from(form.bytes))
            .send()
            .await
            .map_err(|e| format!("upload: {e}"))?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(|e| e.to_string())?;
        let elapsed = started.elapsed();
        if status != 201 {
            return Err(format!("upload: {status} {text}"));
        }
        Ok((elapsed, serde_json::from_str(&text).unwrap_or(Value::Null)))
    }
}

/// One download, the body read chunk by chunk and dropped (as `cat > /dev/null` would); seconds.
async fn download(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    size: u64,
) -> Result<f64, String> {
    let started = Instant::now();
    let mut response = client
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .map_err(|e| format!("download: {e}"))?;
    if response.status() != 200 {
        return Err(format!("download: {}", response.status()));
    }
    let mut got = 0u64;
    while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
        got += chunk.len() as u64;
    }
    if got != size {
        return Err(format!("download: {got} bytes, expected {size}"));
    }
    Ok(started.elapsed().as_secs_f64())
}

/// Incompressible bytes (xorshift64), different per seed.
fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ seed.wrapping_mul(0xA24B_AED4_963E_E407);
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// A photo-like 4000×3000 JPEG (quality 90): smooth colour gradients with sensor-like noise, so
/// it is neither trivially small nor pure noise.
fn noisy_jpeg(width: u32, height: u32) -> Result<Vec<u8>, String> {
    let noise = random_bytes((width * height) as usize, 4);
    let mut pixels = Vec::with_capacity((width * height * 3) as usize);
    for y in 0..height {
        for x in 0..width {
            let n = i32::from(noise[(y * width + x) as usize] % 24) - 12;
            let r = (x * 255 / width) as i32 + n;
            let g = (y * 255 / height) as i32 + n;
            let b = (((x + y) / 16) % 256) as i32 + n;
            pixels.extend([r, g, b].map(|c| c.clamp(0, 255) as u8));
        }
    }
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode(&pixels, width, height, image::ExtendedColorType::Rgb8)
        .map_err(|e| format!("jpeg: {e}"))?;
    Ok(out)
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}
