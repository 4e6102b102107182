//! Splicing a history-only or a chat-only run into an earlier full report (`BENCH_SPLICE=1`): its
//! section and its target rows replaced (a history run also replaces the notes), and a line saying
//! which run each part is from. (A files-only run is spliced by `report_files`.)

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
    let mut spliced = replace_rows(&out, fresh, TARGET_ROW, "Section 5 (history at any size)");
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

/// `earlier` with its chat-path section (3) and its chat target rows replaced by `fresh`'s, and a
/// line under the title saying which run they are from (`mode`: full or quick).
pub fn splice_chat(earlier: &str, fresh: &str, rev: &str, mode: &str) -> Result<String, String> {
    const TARGET_ROW: &str = "| Chat path";
    const NOTE: &str = "Section 3 (chat path)";
    let out = replace_section(earlier, fresh, "\n## 3. Chat path", "\n## ")?;
    let mut spliced = replace_rows(&out, fresh, TARGET_ROW, NOTE);
    let note = format!(
        "\n{NOTE} and its target rows are from a later chat-only run (`BENCH_ONLY=chat \
         BENCH_SPLICE=1 bash scripts/bench.sh`, {mode} mode) on {} UTC at {rev}, spliced in by the \
         script.\n",
        chrono::Utc::now().format("%Y-%m-%d %H:%M")
    );
    let title_end = spliced.find("\n## Machine").ok_or("no machine section")?;
    spliced.insert_str(title_end, &note);
    Ok(spliced)
}

/// `out` with its lines starting with `row` replaced, where the first of them stood, by
/// `fresh`'s, and an earlier splice's note (a line starting with `note`) dropped.
fn replace_rows(out: &str, fresh: &str, row: &str, note: &str) -> String {
    let fresh_rows: Vec<&str> = fresh.lines().filter(|l| l.starts_with(row)).collect();
    let mut spliced = String::with_capacity(out.len());
    let mut placed = false;
    for line in out.split_inclusive('\n') {
        if line.starts_with(note) {
            // An earlier splice's note: the new one replaces it.
        } else if !line.starts_with(row) {
            spliced.push_str(line);
        } else if !placed {
            for fresh_row in &fresh_rows {
                spliced.push_str(fresh_row);
                spliced.push('\n');
            }
            placed = true;
        }
    }
    spliced
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

#[cfg(test)]
mod tests {
    use super::*;

    fn report(chat: &str, row: &str) -> String {
        format!(
            "# Benchmarks\n\nWritten by a run.\n\n## Machine\n\nm\n\n## 3. Chat path (Confab only)\n\n\
             {chat}\n\n## 4. List\n\nl\n\n## Targets (from the issue)\n\n| target | measured |\n\
             |---|---|\n| Fan-out x | 1 |\n| Chat path on SQLite {row} |\n| Chat path p99 {row} |\n\
             | History y | 2 |\n\n## What the numbers say\n\nn\n\n## Reproduce\n\nr\n"
        )
    }

    #[test]
    fn a_chat_splice_takes_the_section_and_its_rows_and_keeps_the_rest() {
        let earlier = report("old table", "old");
        let fresh = report("new table", "new");
        let once = splice_chat(&earlier, &fresh, "abc", "full").unwrap();
        assert!(once.contains("new table") && !once.contains("old table"));
        assert!(once.contains("| Chat path on SQLite new |\n| Chat path p99 new |\n| History y"));
        assert!(!once.contains("| Chat path on SQLite old"));
        assert!(once.contains("| Fan-out x | 1 |"));
        let twice = splice_chat(&once, &fresh, "def", "full").unwrap();
        assert_eq!(twice.matches("Section 3 (chat path)").count(), 1);
        assert!(twice.contains("at def, spliced"));
    }
}
