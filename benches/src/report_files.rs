//! The files part of BENCHMARKS.md, from the `files` lines: uploads and downloads on the local
//! store beside the disk floors of the same run, the memory of many big uploads at once, what a
//! 12 MP JPEG's thumbnail adds, and the targets (upload ≥ 70 % of the write + fsync floor, RSS
//! growth ≤ 32 MiB during 20 parallel 100 MiB uploads). `splice` puts a files-only run's section
//! and target rows into an earlier report.

use std::fmt::Write as _;

use serde_json::Value;

use crate::common::{cell, met, pct, s};

const UPLOAD_SHARE: f64 = 0.70;
const RSS_GROWTH_MIB: f64 = 32.0;
const HEADING: &str = "\n## 6. Files";
const TARGET_ROW: &str = "| Files: ";

fn measure<'a>(results: &'a [Value], name: &str) -> Option<&'a Value> {
    results
        .iter()
        .rev()
        .find(|r| r["scenario"] == "files" && r["measure"] == name)
}

pub fn section(results: &[Value], w: &mut String) {
    if !results.iter().any(|r| r["scenario"] == "files") {
        return;
    }
    let _ = writeln!(w, "{HEADING} (Confab only, local store)\n");
    let _ = writeln!(
        w,
        "Attachments on the local store (`CONFAB_STORAGE_URL` unset: `<data-dir>/attachments`, \
         SQLite), each figure beside a floor measured in the same run on the same disk. Uploads \
         are `POST /api/v1/conversations/{{id}}/attachments`, one `file` part of random \
         (incompressible) bytes sent from memory; latency is request sent → whole 201 read.\n"
    );
    let _ = writeln!(w, "| measure | Confab | floor | ratio | target |");
    let _ = writeln!(w, "|---|---:|---:|---:|---|");
    if let Some(u) = measure(results, "upload") {
        let (c, f) = (u["confab_mib_s"].as_f64(), u["floor_mib_s"].as_f64());
        let _ = writeln!(
            w,
            "| Upload, one {} MiB file at a time (median of {}) | {} MiB/s | {} MiB/s (write + fsync of the same bytes in the store's folder, median of {}) | {} | ≥ 70 % of the floor: {} |",
            u["size_mib"],
            u["reps"],
            cell(c, 0),
            cell(f, 0),
            u["reps"],
            pct(c, f),
            verdict(c.zip(f).map(|(c, f)| c >= UPLOAD_SHARE * f))
        );
        let _ = writeln!(
            w,
            "| Server CPU per MiB uploaded (same uploads; the generator took {} ms/MiB) | {} ms | – | – | – |",
            cell(u["generator_ms_cpu_per_mib"].as_f64(), 2),
            cell(u["server_ms_cpu_per_mib"].as_f64(), 2)
        );
    }
    if let Some(p) = measure(results, "parallel_rss") {
        let growth = p["rss_growth_mib"].as_f64();
        let _ = writeln!(
            w,
            "| Server RSS growth, {} uploads of {} MiB at once ({} errors; {} MiB/s together, {} ms CPU/MiB) | +{} MiB (baseline {}, peak {}, 1 s after {}; VmRSS every 50 ms, {} samples) | – | – | ≤ 32 MiB: {} |",
            p["parallel"],
            p["size_mib"],
            p["errors"],
            cell(p["aggregate_mib_s"].as_f64(), 0),
            cell(p["server_ms_cpu_per_mib"].as_f64(), 2),
            cell(growth, 1),
            cell(p["rss_baseline_mib"].as_f64(), 1),
            cell(p["rss_peak_mib"].as_f64(), 1),
            cell(p["rss_after_1s_mib"].as_f64(), 1),
            p["rss_samples"],
            verdict(growth.map(|g| g <= RSS_GROWTH_MIB && p["errors"] == 0))
        );
    }
    if let Some(t) = measure(results, "thumbnail") {
        let (j50, p50) = (t["jpeg_p50_ms"].as_f64(), t["plain_p50_ms"].as_f64());
        let _ = writeln!(
            w,
            "| Upload of a 12 MP JPEG (4000×3000, {} MiB; decode, size, metadata strip, 320 px thumbnail), p50 / p90 of {} | {} / {} ms | {} / {} ms (a random file of the same size: no decode) | thumbnail adds {} ms at p50 | – |",
            cell(t["jpeg_bytes"].as_f64().map(|b| b / 1_048_576.0), 1),
            t["reps"],
            cell(j50, 0),
            cell(t["jpeg_p90_ms"].as_f64(), 0),
            cell(p50, 0),
            cell(t["plain_p90_ms"].as_f64(), 0),
            cell(j50.zip(p50).map(|(j, p)| j - p), 0)
        );
    }
    if let Some(d) = measure(results, "download") {
        let (c, f) = (d["confab_mib_s"].as_f64(), d["floor_mib_s"].as_f64());
        let _ = writeln!(
            w,
            "| Download, {} MiB with the bearer token (median of {}; {} ms server CPU/MiB, generator {} ms/MiB) | {} MiB/s | {} MiB/s (the stored file read into a 1 MiB buffer, median of {}) | {} | – |",
            d["size_mib"],
            d["reps"],
            cell(d["server_ms_cpu_per_mib"].as_f64(), 2),
            cell(d["generator_ms_cpu_per_mib"].as_f64(), 2),
            cell(c, 0),
            cell(f, 0),
            d["reps"],
            pct(c, f)
        );
    }
    let _ = writeln!(
        w,
        "\nThe upload floor writes the same bytes in 8 MiB writes to a new file in the store's \
         folder and fsyncs it (the local store fsyncs a file when its upload completes), then \
         deletes it. The download floor and the downloads are both warm: the stored file was \
         written moments before, and it is read once, untimed, before either is timed; so the \
         download compares Confab with a read from the page cache, not from the disk. The JPEG \
         row is the upload latency of the JPEG against that of a random file of the same size, \
         interleaved; their difference is what the image work (decode on the blocking pool, \
         metadata strip, thumbnail encode and store) adds to a request. Server and generator \
         share the cores; server CPU is the server's own time from `/proc/PID/stat`. 1-minute load \
         average of the machine when each measure ended: {}.",
        ["upload", "download", "parallel_rss", "thumbnail"]
            .map(|m| measure(results, m)
                .map_or("–".into(), |r| format!("{m} {}", s(&r["loadavg_1m"]))))
            .join(", ")
    );
}

fn verdict(ok: Option<bool>) -> String {
    ok.map_or("not measured".into(), met)
}

pub fn target_rows(results: &[Value], w: &mut String) {
    let up = measure(results, "upload");
    let rss = measure(results, "parallel_rss");
    let (c, f) = (
        up.and_then(|u| u["confab_mib_s"].as_f64()),
        up.and_then(|u| u["floor_mib_s"].as_f64()),
    );
    let _ = writeln!(
        w,
        "{TARGET_ROW}upload MiB/s ≥ 70 % of write + fsync on the same disk (local store) | {} | {} |",
        match (c, f) {
            (Some(c), Some(f)) => format!("{c:.0} of {f:.0} MiB/s ({})", pct(Some(c), Some(f))),
            _ => "not measured".into(),
        },
        c.zip(f)
            .map_or("–".into(), |(c, f)| met(c >= UPLOAD_SHARE * f))
    );
    let growth = rss.and_then(|p| p["rss_growth_mib"].as_f64());
    let _ = writeln!(
        w,
        "{TARGET_ROW}server RSS growth ≤ 32 MiB during 20 parallel 100 MiB uploads | {} | {} |",
        rss.map_or("not measured".into(), |p| format!(
            "+{} MiB with {} uploads of {} MiB at once",
            cell(growth, 1),
            p["parallel"],
            p["size_mib"]
        )),
        rss.map_or("–".into(), |p| met(growth
            .is_some_and(|g| g <= RSS_GROWTH_MIB)
            && p["errors"] == 0))
    );
}

/// `earlier` with its files section and files target rows replaced by (or, when it has none,
/// completed with) `fresh`'s, and a line under the title saying where they come from.
pub fn splice(earlier: &str, fresh: &str, rev: &str, mode: &str) -> Result<String, String> {
    let section_of = |text: &str| -> Option<(usize, usize)> {
        let start = text.find(HEADING)?;
        let end = start + 1 + text[start + 1..].find("\n## ")?;
        Some((start, end))
    };
    let (fs, fe) = section_of(fresh).ok_or("the fresh report has no files section")?;
    let mut out = match section_of(earlier) {
        Some((s, e)) => format!("{}{}{}", &earlier[..s], &fresh[fs..fe], &earlier[e..]),
        None => {
            let at = earlier.find("\n## Targets").ok_or("no targets section")?;
            format!("{}{}{}", &earlier[..at], &fresh[fs..fe], &earlier[at..])
        }
    };
    // Target rows: the old ones out, the fresh ones at the end of the targets table.
    let rows: Vec<&str> = fresh
        .lines()
        .filter(|l| l.starts_with(TARGET_ROW))
        .collect();
    out = out
        .split_inclusive('\n')
        .filter(|l| !l.starts_with(TARGET_ROW) && !l.starts_with("Section 6 (files)"))
        .collect();
    let targets = out.find("\n## Targets").ok_or("no targets section")?;
    let table_end = targets
        + out[targets..]
            .find("\n|")
            .and_then(|t| out[targets + t..].find("\n\n").map(|e| t + e + 1))
            .ok_or("no targets table")?;
    out.insert_str(
        table_end,
        &rows.iter().map(|r| format!("{r}\n")).collect::<String>(),
    );
    let note = format!(
        "\nSection 6 (files) and its target rows are from a later files-only run (`BENCH_ONLY=files \
         BENCH_SPLICE=1 bash scripts/bench.sh`, {mode} mode) on {} UTC at {rev}, spliced in by the \
         script.\n",
        chrono::Utc::now().format("%Y-%m-%d %H:%M")
    );
    let title_end = out.find("\n## Machine").ok_or("no machine section")?;
    out.insert_str(title_end, &note);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(files: Option<&str>, row: &str) -> String {
        format!(
            "# Benchmarks\n\nWritten by a run.\n\n## Machine\n\nm\n\n## 5. History\n\nh\n{}\
             \n## Targets (from the issue)\n\n| target | measured | verdict |\n|---|---|---|\n\
             | History x | y | met |\n{row}\n## Reproduce\n\nsh\n",
            files.map_or(String::new(), |f| format!("\n## 6. Files (x)\n\n{f}\n"))
        )
    }

    #[test]
    fn a_splice_adds_then_replaces_the_files_section_and_its_rows_and_keeps_the_rest() {
        let earlier = report(None, "");
        let fresh = report(Some("new files"), "| Files: a | b | met |\n");
        let once = splice(&earlier, &fresh, "abc", "full").unwrap();
        assert!(once.contains("new files\n\n## Targets"));
        assert!(once.contains("| History x | y | met |\n| Files: a | b | met |\n\n## Reproduce"));
        let newer = report(Some("newer files"), "| Files: c | d | met |\n");
        let twice = splice(&once, &newer, "def", "quick").unwrap();
        assert!(!twice.contains("new files\n") && twice.contains("newer files"));
        assert_eq!(twice.matches("| Files: ").count(), 1);
        assert_eq!(twice.matches("Section 6 (files)").count(), 1);
        assert!(twice.contains("## 5. History\n\nh\n") && twice.contains("## Reproduce"));
    }
}
