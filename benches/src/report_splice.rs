//! Splicing a history-only run into an earlier full report (`BENCH_SPLICE=1`): its section, its
//! target rows and the notes replaced, and a line saying which run each part is from.

/// `earlier` with its history section, its history target rows and its notes (the analysis,
/// `benches/NOTES.md`) replaced by `fresh`'s, and a line under the title saying which run each
/// part is from. Both are reports this crate wrote.
pub fn splice(earlier: &str, fresh: &str, rev: &str) -> Result<String, String> {
    const TARGET_ROW: &str = "| History at any size on ";
    let mut out = replace_section(
        earlier,
        fresh,
        "\n## 5. History at any size",
        // The next section, whichever it is (files, or the targets).
        "\n## ",
    )?;
    out = replace_section(&out, fresh, "\n## What the numbers say", "\n## Reproduce")?;
    let fresh_rows: Vec<&str> = fresh
        .lines()
        .filter(|l| l.starts_with(TARGET_ROW))
        .collect();
    let mut spliced = String::with_capacity(out.len());
    let mut placed = false;
    for line in out.split_inclusive('\n') {
        if line.starts_with("Section 5 (history at any size)") {
            // An earlier splice's note: the new one replaces it.
        } else if !line.starts_with(TARGET_ROW) {
            spliced.push_str(line);
        } else if !placed {
            for row in &fresh_rows {
                spliced.push_str(row);
                spliced.push('\n');
            }
            placed = true;
        }
    }
    let note = format!(
        "\nSection 5 (history at any size), its two target rows and the notes are from a later \
         history-only run (`BENCH_ONLY=history BENCH_SPLICE=1 bash scripts/bench.sh`, full sizes) \
         on {} UTC at {rev}, spliced in by the script; where the line above names an earlier \
         history run, this one replaces it.\n",
        chrono::Utc::now().format("%Y-%m-%d %H:%M")
    );
    let title_end = spliced.find("\n## Machine").ok_or("no machine section")?;
    spliced.insert_str(title_end, &note);
    Ok(spliced)
}

/// `into` with the text from `start` up to `end` taken from `from` instead.
fn replace_section(into: &str, from: &str, start: &str, end: &str) -> Result<String, String> {
    let find = |text: &str| -> Result<(usize, usize), String> {
        let s = text.find(start).ok_or(format!("no {start:?} section"))?;
        let e = s
            + 1
            + text[s + 1..]
                .find(end)
                .ok_or(format!("no {end:?} after {start:?}"))?;
        Ok((s, e))
    };
    let ((is, ie), (fs, fe)) = (find(into)?, find(from)?);
    Ok(format!("{}{}{}", &into[..is], &from[fs..fe], &into[ie..]))
}
