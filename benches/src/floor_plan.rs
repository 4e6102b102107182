//! What the floors share (`floor.rs` runs them, `floor_sqlite.rs` drives SQLite's C API): the
//! rows a floor inserts, the `INSERT` it prepares, and the figures it reports.

use std::sync::atomic::{AtomicI64, Ordering};

use sea_orm::DbBackend;

/// What every floor inserts: which (conversation, user) pairs, the next seq, the limits.
pub struct Plan {
    pub pairs: Vec<(i64, i64)>,
    /// The next (negative) seq; taken with `fetch_sub`.
    pub seq: AtomicI64,
    pub count: u64,
    pub max_secs: f64,
    pub body_bytes: usize,
}

impl Plan {
    /// Row `i`'s conversation and user (the rows spread over every pair).
    pub fn pair(&self, i: u64) -> (i64, i64) {
        self.pairs[(i % self.pairs.len() as u64) as usize]
    }

    /// `n` fresh seqs: the first of `first, first − 1, …, first − n + 1`.
    pub fn seqs(&self, n: usize) -> i64 {
        self.seq.fetch_sub(n as i64, Ordering::SeqCst)
    }
}

/// One floor's figures, per transaction.
#[derive(Default)]
pub struct Outcome {
    pub rows: u64,
    pub txns: u64,
    pub errors: u64,
    pub first_error: Option<String>,
    pub wall_s: f64,
    pub txn_us: Vec<u32>,
}

/// `INSERT INTO messages (…) VALUES (…),(…)…` of `rows` rows, in the backend's placeholders.
pub fn insert_sql(backend: DbBackend, rows: usize) -> String {
    let mut sql = String::from(
        "INSERT INTO messages (conversation_id, seq, user_id, body, created_at) VALUES ",
    );
    for row in 0..rows {
        let marks: Vec<String> = (1..=5)
            .map(|col| match backend {
                DbBackend::Sqlite => "?".to_owned(),
                _ => format!("${}", row * 5 + col),
            })
            .collect();
        if row > 0 {
            sql.push(',');
        }
        sql.push_str(&format!("({})", marks.join(",")));
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_row_inserts_number_their_placeholders() {
        assert_eq!(
            insert_sql(DbBackend::Postgres, 2),
            "INSERT INTO messages (conversation_id, seq, user_id, body, created_at) VALUES \
             ($1,$2,$3,$4,$5),($6,$7,$8,$9,$10)"
        );
        assert!(insert_sql(DbBackend::Sqlite, 1).ends_with("VALUES (?,?,?,?,?)"));
    }
}
