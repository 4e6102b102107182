//! What the bulk load of the history scenario (`history_db.rs`) adds to the big room's messages:
//! the mention rows of the viewer's mentions and the threads scattered through the history, both
//! written as the server's sends leave them.

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, Statement,
    Value as DbValue,
};

/// What the run knows about the big room's rows: seq ranges written by bulk SQL, where even
/// sequence numbers are the viewer's and odd ones the other user's (API sends are the other's),
/// of those odd ones the messages with `seq % 50` in [`MENTION_RESIDUES`] name the viewer, and
/// those with `seq % THREAD_EVERY == THREAD_RESIDUE` hold a thread.
pub struct Room {
    pub id: i64,
    pub viewer: i64,
    pub other: i64,
    /// Who replies in the bulk threads, in order: reply k (1, 2, …) is by `repliers[k - 1]`.
    pub repliers: Vec<i64>,
    pub bulk: Vec<(u64, u64)>,
    /// Bulk rows' time base (Unix seconds): row g is `base + g × 100 ms + 123 µs`.
    pub base: i64,
}

/// Bulk rows whose `seq % 50` is one of these name the viewer (both odd, so the other member
/// sends them): two in every 50 messages, one in 25 on average. Denser than the one in 50 a quiet
/// member sees, so that even at 1k the feed holds more than a page below the middle of the
/// history and the deep page is a full 20 rows at every size (a shorter page at 1k would make
/// the 10M/1k ratio look worse than it is).
pub const MENTION_RESIDUES: (u64, u64) = (13, 37);

/// One bulk message in `THREAD_EVERY`, the one with `seq % THREAD_EVERY == THREAD_RESIDUE`, is the
/// root of a thread of [`THREAD_REPLIES`] replies only in the thread (10,000 threads and 30,000
/// replies at 10M). The residue is odd (the other member's message, so the viewer, who is in none
/// of these threads, follows none of them), names nobody (251 % 50 = 1) and keeps the roots off
/// every page the run reads at round sizes (the newest and oldest 50, the 50 either side of the
/// middle): no read page holds a grown root (the oldest pages hold the run's own threads, the
/// same at every size).
pub const THREAD_EVERY: u64 = 1000;
pub const THREAD_RESIDUE: u64 = 251;
/// Replies in each bulk thread, one by each of [`Room::repliers`].
pub const THREAD_REPLIES: usize = 3;

/// The `message_mentions` rows of the bulk messages `from..=to` that name the viewer, in one
/// set-based statement (the messages' own `(conversation_id, seq)` index gives their ids), as
/// the server writes one per person named; returns how many.
///
/// `participants.unread_mentions` is kept by the triggers on `message_mentions`, which still fire
/// here, once per row. They are made to count nothing (the viewer's read position is first put
/// at `to`, so no row lies after it) and [`place_reader`] sets the count once, with one UPDATE,
/// when it moves the position to the middle — which it has to do anyway, as moving a read position
/// back is not something the server's counters follow. Which is faster was measured on this
/// machine, on a scratch copy of the tables involved (`message_mentions` with the migration's key,
/// indexes and triggers; `participants`; `messages` with its `(conversation_id, seq)` index):
/// - PostgreSQL 15, 40k rows (a 1M-message room): 0.53 s with the triggers counting nothing,
///   12.0 s with them counting every row — each row updates the same `participants` row again in
///   one transaction, and each update walks the chain of versions the earlier ones left, so it
///   grows quadratically (some 20 min at 10M by that curve) — and 0.26 s with the triggers off
///   (`session_replication_role = replica`, which needs a superuser);
/// - SQLite, 400k rows (10M): 1.00 s counting nothing, 1.05 s counting every row (one page in
///   cache), 0.85 s without the trigger.
///
/// The one recount after is an index range of the key: under 10 ms at 10M on both.
pub(crate) async fn insert_mentions(
    txn: &DatabaseTransaction,
    room: &Room,
    from: u64,
    to: u64,
) -> Result<u64, String> {
    let backend = txn.get_database_backend();
    txn.execute_raw(Statement::from_sql_and_values(
        backend,
        "UPDATE participants SET read_seq = $1 WHERE conversation_id = $2 AND user_id = $3",
        vec![to_i64(to), room.id.into(), room.viewer.into()],
    ))
    .await
    .map_err(|e| format!("viewer's position before the mentions: {e}"))?;
    let (r1, r2) = MENTION_RESIDUES;
    txn.execute_raw(Statement::from_sql_and_values(
        backend,
        "INSERT INTO message_mentions (user_id, conversation_id, seq, message_id) \
         SELECT $1, conversation_id, seq, id FROM messages \
         WHERE conversation_id = $2 AND seq >= $3 AND seq <= $4 AND seq % 50 IN ($5, $6)",
        vec![
            room.viewer.into(),
            room.id.into(),
            to_i64(from),
            to_i64(to),
            to_i64(r1),
            to_i64(r2),
        ],
    ))
    .await
    .map(|done| done.rows_affected())
    .map_err(|e| format!("mentions {from}..={to}: {e}"))
}

/// The threads of the bulk messages `from..=to`, set-based, in the transaction that wrote them,
/// written as the server's sends with `thread_id` (and not `also_in_room`) write them: every
/// message with `seq % THREAD_EVERY == THREAD_RESIDUE` is a root and gets [`THREAD_REPLIES`]
/// replies, reply k by `room.repliers[k - 1]`, 10 ms × k after it (before the next message).
///
/// Each reply row carries what a send's does: `thread_id` = the root, `thread_seq` = k, a negative
/// `seq` continuing the room's `thread_only_seq` (`aside`, the last one given: the i-th root of the
/// range takes `aside - 3i - 1 … aside - 3i - 3`, so the unique `(conversation_id, seq)` index
/// holds and the timeline, `seq` ≥ 1, never sees them; the caller moves `thread_only_seq` by the
/// replies written and leaves `last_seq` / `message_count` alone), and in its own
/// `thread_participant_ids` the repliers its root shows after it, latest first (`r1`, `r2,r1`,
/// `r3,r2,r1`, as the batch's `participants_after` has it). Migration 13's `thread_reply` trigger
/// then does for each row what it does for a send: moves the summary onto the root
/// (`thread_reply_count`, `thread_last_reply_at`, `thread_last_reply_id`,
/// `thread_participant_ids`) and writes the follows (each replier, read up to their reply; the
/// root's author from the first reply, read up to 0). Three trigger runs per root, each on rows of
/// its own, so nothing piles up on one row as the mention counters would (see
/// [`insert_mentions`]). Two counts over the range's roots then check that every root holds the
/// summary and the four follows expected; returns (roots, replies).
pub(crate) async fn scatter_threads(
    txn: &DatabaseTransaction,
    room: &Room,
    (from, to): (u64, u64),
    aside: i64,
) -> Result<(u64, u64), String> {
    let first = from + (THREAD_RESIDUE + THREAD_EVERY - from % THREAD_EVERY) % THREAD_EVERY;
    if room.repliers.len() < THREAD_REPLIES {
        return Err(format!(
            "{THREAD_REPLIES} repliers needed for the grown threads"
        ));
    }
    if first > to {
        return Ok((0, 0));
    }
    let roots = (to - first) / THREAD_EVERY + 1;
    let replies = roots * THREAD_REPLIES as u64;
    let backend = txn.get_database_backend();
    let (every, residue, n) = (THREAD_EVERY, THREAD_RESIDUE, THREAD_REPLIES);
    // The root rows of the range, by the `(conversation_id, seq)` index.
    let roots_of = |m: &str| {
        format!(
            "{m}conversation_id = $1 AND {m}seq >= $2 AND {m}seq <= $3 \
             AND {m}seq % {every} = {residue}"
        )
    };
    // The repliers latest first after reply k (`k` of them: fewer than the five a summary keeps).
    let after = |k: usize| -> String {
        let ids: Vec<String> = room.repliers[..k]
            .iter()
            .rev()
            .map(i64::to_string)
            .collect();
        ids.join(",")
    };
    // (k, replier, repliers after), for k = 1..=n; the repliers bound from $6 on.
    let numbered: Vec<String> = (1..=n)
        .map(|k| match k {
            1 => format!("SELECT 1 AS k, $6 AS u, '{}' AS p", after(1)),
            k => format!("SELECT {k}, ${}, '{}'", 5 + k, after(k)),
        })
        .collect();
    let at = if backend == DbBackend::Sqlite {
        "strftime('%Y-%m-%dT%H:%M:%S', $5 + m.seq / 10, 'unixepoch') \
         || printf('.%06d+00:00', (m.seq % 10) * 100000 + 123 + t.k * 10000)"
    } else {
        "to_timestamp($5::double precision) + m.seq * interval '100 milliseconds' \
         + interval '123 microseconds' + t.k * interval '10 milliseconds'"
    };
    let insert = format!(
        "INSERT INTO messages (conversation_id, seq, user_id, body, created_at, thread_id, \
                               thread_seq, thread_participant_ids) \
         SELECT m.conversation_id, $4 - (m.seq - $2) / {every} * {n} - t.k, t.u, \
                'thread reply ' || t.k, {at}, m.id, t.k, t.p \
         FROM messages m, ({}) AS t WHERE {} ORDER BY m.seq, t.k",
        numbered.join(" UNION ALL "),
        roots_of("m.")
    );
    let mut values = vec![
        room.id.into(),
        to_i64(first),
        to_i64(to),
        aside.into(),
        room.base.into(),
    ];
    values.extend(room.repliers[..n].iter().map(|&u| DbValue::from(u)));
    let written = txn
        .execute_raw(Statement::from_sql_and_values(backend, &insert, values))
        .await
        .map_err(|e| format!("thread replies {first}..={to}: {e}"))?
        .rows_affected();
    let range = || vec![room.id.into(), to_i64(first), to_i64(to)];
    let summed = scalar(
        txn,
        &format!(
            "SELECT COUNT(*) FROM messages m WHERE {} AND m.thread_reply_count = {n} \
               AND m.thread_participant_ids = '{}' \
               AND m.thread_last_reply_id = (SELECT MAX(r.id) FROM messages r \
                                             WHERE r.thread_id = m.id) \
               AND m.thread_last_reply_at = (SELECT r.created_at FROM messages r \
                                             WHERE r.id = m.thread_last_reply_id)",
            roots_of("m."),
            after(n)
        ),
        range(),
    )
    .await?;
    let follows = scalar(
        txn,
        &format!(
            "SELECT COUNT(*) FROM thread_follows f JOIN messages m ON m.id = f.root_id \
             WHERE {} AND f.following AND f.read_seq = (CASE WHEN f.user_id = m.user_id \
                 THEN 0 ELSE (SELECT MAX(r.thread_seq) FROM messages r \
                              WHERE r.thread_id = m.id AND r.user_id = f.user_id) END)",
            roots_of("m.")
        ),
        range(),
    )
    .await?;
    let want = (replies, roots, roots * (n as u64 + 1));
    if (written, summed as u64, follows as u64) != want {
        return Err(format!(
            "threads of {first}..={to}: {written} replies, {summed} roots with their summary, \
             {follows} follows (want {want:?}: does migration 13's `thread_reply` trigger \
             still keep the roots and the follows?)"
        ));
    }
    Ok((roots, replies))
}

/// The id of the big room's message number `seq`.
pub async fn message_at(db: &DatabaseConnection, room: i64, seq: u64) -> Result<i64, String> {
    scalar(
        db,
        "SELECT id FROM messages WHERE conversation_id = $1 AND seq = $2",
        vec![room.into(), to_i64(seq)],
    )
    .await
}

/// The id of the newest bulk thread root (the target of the run's thread replies), if the bulk
/// rows hold one.
pub async fn newest_root(db: &DatabaseConnection, room: &Room) -> Result<Option<i64>, String> {
    // The largest seq of a bulk range that is a root: `hi` less its distance to the residue.
    let seq = room.bulk.iter().rev().find_map(|&(lo, hi)| {
        let g = hi.checked_sub((hi + THREAD_EVERY - THREAD_RESIDUE) % THREAD_EVERY)?;
        (g >= lo).then_some(g)
    });
    match seq {
        Some(seq) => message_at(db, room.id, seq).await.map(Some),
        None => Ok(None),
    }
}

pub(crate) async fn exec(
    db: &impl ConnectionTrait,
    sql: &str,
    values: Vec<DbValue>,
) -> Result<(), String> {
    db.execute_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        sql,
        values,
    ))
    .await
    .map(drop)
    .map_err(|e| format!("{sql}: {e}"))
}

pub(crate) async fn scalar(
    db: &impl ConnectionTrait,
    sql: &str,
    values: Vec<DbValue>,
) -> Result<i64, String> {
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            sql,
            values,
        ))
        .await
        .map_err(|e| format!("{sql}: {e}"))?
        .ok_or_else(|| format!("{sql}: no row"))?;
    row.try_get_by_index::<i64>(0).map_err(|e| e.to_string())
}

/// Even numbers in `lo..=hi` (the viewer's bulk rows).
pub(crate) fn evens(lo: u64, hi: u64) -> u64 {
    if lo > hi { 0 } else { hi / 2 - (lo - 1) / 2 }
}

pub(crate) fn to_i64(v: u64) -> DbValue {
    i64::try_from(v).unwrap_or(i64::MAX).into()
}

/// Now, cut to the microsecond like the server's clock, so it is stored in the server's format.
pub(crate) fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound;
    chrono::Utc::now().trunc_subsecs(6)
}
