//! The database side of the history scenario: growing the big room by bulk SQL straight into the
//! server's database (SQLite or PostgreSQL), in the server's own row format — with the mentions of
//! the viewer its messages carry, in `messages.mention_ids` and `message_mentions` as a send writes
//! them, and the threads scattered through it, as sends with `thread_id` leave them — and putting
//! the viewer's read position in the middle of the history.

use std::time::{Duration, Instant};

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement,
    TransactionTrait, Value as DbValue,
};
use serde_json::json;

use crate::common::{emit, round};
use crate::history_db_growth::*;
pub use crate::history_db_growth::{Room, THREAD_REPLIES};

/// What a bulk load needs to know of the run: rows per transaction, and what to label its
/// figures with.
pub struct LoadRun<'a> {
    pub batch: u64,
    pub backend: &'a str,
    pub server: &'a str,
}

/// Grows the big room to `size` messages (no-op when it already has them); returns its last seq.
pub async fn load(
    db: &DatabaseConnection,
    room: &mut Room,
    size: u64,
    args: &LoadRun<'_>,
) -> Result<u64, String> {
    let id = room.id;
    let last = scalar(
        db,
        "SELECT last_seq FROM conversations WHERE id = $1",
        vec![id.into()],
    )
    .await?;
    let mut last = last.max(0) as u64;
    if last >= size {
        return Ok(last);
    }
    // The last number given to a reply only in its thread (negative; API replies move it too).
    let mut aside = scalar(
        db,
        "SELECT thread_only_seq FROM conversations WHERE id = $1",
        vec![id.into()],
    )
    .await?;
    let (from, started) = (last + 1, Instant::now());
    let sql = if db.get_database_backend() == DbBackend::Sqlite {
        "WITH RECURSIVE s(g) AS (SELECT $1 UNION ALL SELECT g + 1 FROM s WHERE g < $2) \
         INSERT INTO messages (conversation_id, seq, user_id, body, created_at, mention_ids) \
         SELECT $3, g, CASE WHEN g % 2 = 0 THEN $4 ELSE $5 END, 'message ' || g, \
                strftime('%Y-%m-%dT%H:%M:%S', $6 + g / 10, 'unixepoch') \
                || printf('.%06d+00:00', (g % 10) * 100000 + 123), \
                CASE WHEN g % 50 IN ($8, $9) THEN $7 ELSE '' END \
         FROM s"
    } else {
        "INSERT INTO messages (conversation_id, seq, user_id, body, created_at, mention_ids) \
         SELECT $3, g, CASE WHEN g % 2 = 0 THEN $4 ELSE $5 END, 'message ' || g, \
                to_timestamp($6::double precision) + g * interval '100 milliseconds' \
                + interval '123 microseconds', \
                CASE WHEN g % 50 IN ($8, $9) THEN $7::text ELSE '' END \
         FROM generate_series($1::bigint, $2::bigint) AS g"
    };
    let (r1, r2) = MENTION_RESIDUES;
    let mut mention_rows = 0u64;
    let mut mentions_s = 0.0f64;
    let (mut thread_roots, mut thread_replies, mut threads_s) = (0u64, 0u64, 0.0f64);
    while last < size {
        let to = size.min(last + args.batch.max(1));
        let txn = db.begin().await.map_err(|e| e.to_string())?;
        let values = vec![
            to_i64(last + 1),
            to_i64(to),
            id.into(),
            room.viewer.into(),
            room.other.into(),
            room.base.into(),
            room.viewer.to_string().into(),
            to_i64(r1),
            to_i64(r2),
        ];
        txn.execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            sql,
            values,
        ))
        .await
        .map_err(|e| format!("bulk insert {}..={to}: {e}", last + 1))?;
        let t = Instant::now();
        mention_rows += insert_mentions(&txn, room, last + 1, to).await?;
        mentions_s += t.elapsed().as_secs_f64();
        let t = Instant::now();
        let (roots, replies) = scatter_threads(&txn, room, (last + 1, to), aside).await?;
        threads_s += t.elapsed().as_secs_f64();
        thread_roots += roots;
        thread_replies += replies;
        aside -= i64::try_from(replies).unwrap_or(i64::MAX);
        // The replies only in their threads count in neither `last_seq` nor `message_count`.
        txn.execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "UPDATE conversations SET last_seq = $1, message_count = $1, updated_at = $2, \
                    thread_only_seq = $4 WHERE id = $3",
            vec![to_i64(to), now().into(), id.into(), aside.into()],
        ))
        .await
        .map_err(|e| e.to_string())?;
        txn.commit().await.map_err(|e| e.to_string())?;
        room.bulk.push((last + 1, to));
        last = to;
        eprintln!(
            "history ({}): loaded up to {to} ({:.1} s)",
            args.backend,
            started.elapsed().as_secs_f64()
        );
    }
    let insert_s = started.elapsed().as_secs_f64();
    // What autovacuum would do after a bulk load on PostgreSQL (statistics, visibility map), done
    // now so the timings do not depend on when it happens to run; SQLite: fold the WAL back.
    let housekeeping = if db.get_database_backend() == DbBackend::Sqlite {
        "PRAGMA wal_checkpoint(TRUNCATE)"
    } else {
        "VACUUM (ANALYZE) messages, message_mentions, thread_follows"
    };
    db.execute_unprepared(housekeeping)
        .await
        .map_err(|e| format!("{housekeeping}: {e}"))?;
    let load_s = started.elapsed().as_secs_f64();
    let rows = size - from + 1;
    eprintln!(
        "history ({}): loaded {rows} rows in {insert_s:.1} s (+{:.1} s `{housekeeping}`)",
        args.backend,
        load_s - insert_s
    );
    emit(&json!({
        "scenario": "history_load",
        "server": args.server,
        "backend": args.backend,
        "size": size,
        "from_seq": from,
        "rows": rows,
        "insert_s": round(insert_s, 2),
        "load_s": round(load_s, 2),
        "rows_per_s": round(rows as f64 / insert_s.max(1e-9), 0),
        "mention_rows": mention_rows,
        "mentions_s": round(mentions_s, 2),
        "thread_roots": thread_roots,
        "thread_replies": thread_replies,
        "threads_s": round(threads_s, 2),
        "housekeeping": housekeeping,
    }));
    Ok(last)
}

pub async fn connect(url: &str) -> Result<DatabaseConnection, String> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(60))
        .sqlx_logging(false);
    if url.starts_with("sqlite:") {
        options.map_sqlx_sqlite_opts(|opts| {
            opts.busy_timeout(Duration::from_secs(60))
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .pragma("cache_size", "-262144")
        });
    }
    Database::connect(options)
        .await
        .map_err(|e| format!("connect {url}: {e}"))
}

/// Where [`place_reader`] put the viewer.
pub struct Placed {
    /// The middle message's id, the cursor for `before` and `after`.
    pub mid_id: i64,
    /// The viewer's unread mentions in the big room (those after the middle), as set.
    pub unread_mentions: i64,
    /// The id of the first message after the middle that names the viewer: the `before` of a
    /// mention-feed page deep in the feed (with at least 20 mentions below it at every size).
    pub feed_cursor: i64,
}

/// Puts the viewer's read position in the middle of the history (with the own messages after it
/// counted, as the server keeps them, and the mentions after it counted into `unread_mentions` —
/// one UPDATE, an index range of the `message_mentions` key) and the other member's at the end.
pub async fn place_reader(
    db: &DatabaseConnection,
    room: &Room,
    last: u64,
) -> Result<Placed, String> {
    let mid = (last / 2).max(1);
    let own_after: u64 = room
        .bulk
        .iter()
        .map(|&(lo, hi)| evens(lo.max(mid + 1), hi))
        .sum();
    let set = "UPDATE participants SET read_seq = $1, own_after_read = $2, \
                   unread_mentions = (SELECT COUNT(*) FROM message_mentions mm \
                       WHERE mm.user_id = $4 AND mm.conversation_id = $3 AND mm.seq > $1) \
               WHERE conversation_id = $3 AND user_id = $4";
    let viewer = vec![
        to_i64(mid),
        to_i64(own_after),
        room.id.into(),
        room.viewer.into(),
    ];
    exec(db, set, viewer).await?;
    let other = vec![to_i64(last), to_i64(0), room.id.into(), room.other.into()];
    exec(db, set, other).await?;
    let mid_id = scalar(
        db,
        "SELECT id FROM messages WHERE conversation_id = $1 AND seq = $2",
        vec![room.id.into(), to_i64(mid)],
    )
    .await?;
    let unread_mentions = scalar(
        db,
        "SELECT unread_mentions FROM participants WHERE conversation_id = $1 AND user_id = $2",
        vec![room.id.into(), room.viewer.into()],
    )
    .await?;
    let feed_cursor = scalar(
        db,
        "SELECT message_id FROM message_mentions \
         WHERE user_id = $1 AND conversation_id = $2 AND seq > $3 ORDER BY seq LIMIT 1",
        vec![room.viewer.into(), room.id.into(), to_i64(mid)],
    )
    .await?;
    Ok(Placed {
        mid_id,
        unread_mentions,
        feed_cursor,
    })
}

/// The newest `count` messages as a chat's newest page looks once people use it: each with two
/// reactions (one per member) and a reply to the room's first message, so the page read also
/// loads reactions and reply previews. Idempotent: a second call on the same rows changes nothing.
pub async fn decorate(
    db: &DatabaseConnection,
    room: &Room,
    last: u64,
    count: u64,
) -> Result<(), String> {
    let newest = |extra: Vec<DbValue>| {
        let mut values = vec![
            room.id.into(),
            to_i64(last.saturating_sub(count)),
            to_i64(last),
        ];
        values.extend(extra);
        values
    };
    let react = "INSERT INTO message_reactions (message_id, user_id, emoji, created_at) \
                 SELECT id, $4, $5, $6 FROM messages \
                 WHERE conversation_id = $1 AND seq > $2 AND seq <= $3 ON CONFLICT DO NOTHING";
    for (user, emoji) in [(room.viewer, "👍"), (room.other, "🎉")] {
        exec(
            db,
            react,
            newest(vec![user.into(), emoji.into(), now().into()]),
        )
        .await?;
    }
    exec(
        db,
        "UPDATE messages SET reply_to_id = (SELECT p.id FROM messages p \
             WHERE p.conversation_id = $1 AND p.seq = 1) \
         WHERE conversation_id = $1 AND seq > $2 AND seq <= $3",
        newest(Vec::new()),
    )
    .await
}

/// The messages table with its indexes, in MiB (SQLite: the whole file).
pub async fn table_mib(db: &DatabaseConnection) -> Option<f64> {
    let sql = if db.get_database_backend() == DbBackend::Sqlite {
        "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"
    } else {
        "SELECT pg_total_relation_size('messages')"
    };
    scalar(db, sql, Vec::new())
        .await
        .ok()
        .map(|b| b as f64 / 1_048_576.0)
}
