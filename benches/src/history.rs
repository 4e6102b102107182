//! Scenario 5, history at any size (Confab only): a viewer in many small rooms and one big room
//! whose history is grown step by step (1,000 → 100,000 → 1M → 10M messages) by bulk SQL straight
//! into the server's database; at each size the same reads and writes are timed through the API,
//! one request at a time, so every figure is the cost of one request at that history size. The big
//! room has six members, so a send can name five; one in 25 of its messages names the viewer,
//! whose mention feed is read at its newest page and at a page deep in it. Threads: once the
//! room has its first 1,000 messages, the API sends 200 replies only in the thread under its first
//! message (its newest page and a page in its middle are read) and three replies under each of the
//! viewer's 50 next messages, which the viewer follows as their author (the viewer's threads list
//! is read); the growth makes one message in 1,000 a root with three replies only in the thread,
//! and the run's thread replies go to the newest of those.

use std::future::Future;
use std::time::Instant;

use reqwest::Method;
use serde_json::{Value, json};

use crate::api::{Api, rooms_with_a_message};
use crate::common::*;
use crate::history_db::{
    LoadRun, Room, THREAD_REPLIES, connect, decorate, load, message_at, newest_root, place_reader,
    table_mib,
};

/// Members of the big room besides the viewer and the other member: with them a send can name
/// five people (the viewer and these).
const EXTRA_MEMBERS: usize = 4;
/// Mentions per page of the feed as read here (the API's default).
const FEED_LIMIT: usize = 20;
/// Replies in the big thread, all only in the thread.
const BIG_THREAD: usize = 200;
/// Threads the viewer follows, each with [`THREAD_REPLIES`] replies by others: those under the
/// viewer's bulk messages 2, 4, …, 100.
const FOLLOWED: usize = 50;
/// The big thread's root: the room's first message (the other member's, naming nobody).
const BIG_ROOT_SEQ: u64 = 1;
/// Replies per page of a thread, and threads per page of the list, as read here (the API's
/// default).
const THREAD_LIMIT: usize = 20;

#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// Confab's REST API base URL.
    #[arg(long)]
    pub api: String,
    /// The database that server uses (sqlite://…/confab.db?mode=rw or postgres://…).
    #[arg(long)]
    pub database_url: String,
    #[arg(long, default_value = "sqlite")]
    pub backend: String,
    /// History sizes (messages in the big room), measured in increasing order.
    #[arg(long, default_value = "1000,100000,1000000,10000000", value_parser = parse_list)]
    pub sizes: std::vec::Vec<usize>,
    /// Measured requests per operation and size (after the warm-up).
    #[arg(long, default_value_t = 200)]
    pub requests: u64,
    #[arg(long, default_value_t = 5)]
    pub warmup: u64,
    /// Small rooms the viewer is in besides the big one (each with one message from the other user).
    #[arg(long, default_value_t = 200)]
    pub rooms: usize,
    /// Rows per bulk-insert transaction.
    #[arg(long, default_value_t = 1_000_000)]
    pub batch: u64,
    #[arg(long)]
    pub pid: Option<u32>,
    #[arg(long, default_value = "confab")]
    pub server: String,
}

/// The timed operations: (key in the results, label, read?), in the order they are measured.
pub const OPS: [(&str, &str, bool); 17] = [
    (
        "first_page",
        "first page (page=1, per_page=50; each with 2 reactions and a reply preview)",
        true,
    ),
    ("last_page", "last page (page=last_page, per_page=50)", true),
    ("before_mid", "before a middle message (limit=50)", true),
    ("after_mid", "after a middle message (limit=50)", true),
    ("get_conversation", "GET the big conversation", true),
    ("list_conversations", "list conversations", true),
    (
        "search_room",
        "search the big room for one message (q = a word of one message)",
        true,
    ),
    (
        "search_all",
        "search all the viewer's rooms for it (GET /messages/search)",
        true,
    ),
    (
        "mentions_first",
        "mention feed, newest page (GET /user/mentions?limit=20)",
        true,
    ),
    (
        "mentions_deep",
        "mention feed, a page deep in it (before = a mention after the middle, limit=20)",
        true,
    ),
    (
        "thread_first",
        "thread, newest page (GET …/messages/{root}/thread?limit=20; 200 replies only in it)",
        true,
    ),
    (
        "thread_mid",
        "thread, a page in its middle (before = its 101st reply, limit=20)",
        true,
    ),
    (
        "threads_list",
        "the viewer's threads (GET /user/threads?limit=20; 50 followed)",
        true,
    ),
    ("send", "send a message (POST, with a client_id)", false),
    ("mark_read", "mark read (POST …/read)", false),
    (
        "send_mentions",
        "send a message naming 5 members (POST, with a client_id and `mentions`)",
        false,
    ),
    (
        "send_thread",
        "send a thread reply (POST, with a client_id and `thread_id`; 3 followers)",
        false,
    ),
];

pub async fn run(args: HistoryArgs) -> Result<(), String> {
    let api = Api::new(&args.api)?;
    let probe = ProcProbe::new(args.pid);
    let db = connect(&args.database_url).await?;
    let tag = now_ns() % 1_000_000_000;
    let (viewer_id, viewer) = api.register(&format!("hist{tag}viewer")).await?;
    let (other_id, other) = api.register(&format!("hist{tag}other")).await?;
    eprintln!(
        "history ({}): creating {} small rooms",
        args.backend, args.rooms
    );
    rooms_with_a_message(&api, &viewer, (other_id, &other), args.rooms, "small room").await?;
    let mut members = vec![other_id];
    // Who a send with mentions names: the viewer and the extra members.
    let mut named = vec![viewer_id];
    let mut tokens = Vec::new();
    for i in 0..EXTRA_MEMBERS {
        let (id, token) = api.register(&format!("hist{tag}member{i}")).await?;
        members.push(id);
        named.push(id);
        tokens.push(token);
    }
    let mut room = Room {
        id: api.group(&viewer, "history room", &members).await?,
        viewer: viewer_id,
        other: other_id,
        repliers: named[1..=THREAD_REPLIES].to_vec(),
        bulk: Vec::new(),
        base: chrono::Utc::now().timestamp() - 30 * 86_400,
    };
    // The viewer's settings for the big room as a list shows them once someone has set them: only
    // mentions, and a mute that has run out (so mentions of the viewer still alert).
    let muted_until = chrono::DateTime::from_timestamp(room.base, 0)
        .ok_or("time base")?
        .to_rfc3339();
    let settings = json!({ "level": "mentions", "muted_until": muted_until });
    let path = format!("/api/v1/conversations/{}/notifications", room.id);
    expect(
        api.call(Method::PUT, &path, Some(&viewer), Some(&settings))
            .await,
        200,
    )
    .map_err(|e| format!("PUT {path}: {e}"))?;
    let mut sizes = args.sizes.clone();
    sizes.sort_unstable();
    sizes.dedup();
    if sizes.first().is_some_and(|&smallest| smallest < 1000) {
        return Err(
            "history sizes start at 1000: the threads' roots, the first grown thread \
                    and a full deep page of the mention feed lie in the first 1,000 messages"
                .into(),
        );
    }
    let mut rows = Vec::new();
    let mut started = None;
    for &size in &sizes {
        let size = size as u64;
        let run = LoadRun {
            batch: args.batch,
            backend: &args.backend,
            server: &args.server,
        };
        let last = load(&db, &mut room, size, &run).await?;
        if started.is_none() {
            eprintln!(
                "history ({}): sending {BIG_THREAD} replies in one thread and {} in the \
                 {FOLLOWED} threads the viewer follows",
                args.backend,
                FOLLOWED * THREAD_REPLIES
            );
            started = Some(start_threads(&api, &db, &room, &other, &tokens).await?);
        }
        let threads = started.as_ref().ok_or("no threads")?;
        let placed = place_reader(&db, &room, last).await?;
        let mid_id = placed.mid_id;
        decorate(&db, &room, last, 50).await?;
        // Bulk rows read `message {seq}`: the middle one's number is a word of that message only.
        let needle = (last / 2).max(1);
        let base = format!("/api/v1/conversations/{}", room.id);
        let (_, first) = check(
            &api,
            &format!("{base}/messages?page=1&per_page=50"),
            &viewer,
        )
        .await?;
        let last_page = first["meta"]["last_page"].as_u64().unwrap_or(1);
        let (_, conv) = check(&api, &base, &viewer).await?;
        let (_, list) = check(&api, "/api/v1/conversations", &viewer).await?;
        let listed = list["data"].as_array().map_or(0, Vec::len);
        eprintln!(
            "history ({}): {last} messages, total {}, last_page {last_page}, unread {}, \
             unread mentions {}, listed {listed}",
            args.backend,
            first["meta"]["total"],
            conv["data"]["unread_count"],
            conv["data"]["unread_mentions"]
        );
        check_mentions(&conv["data"], &list, &placed)?;
        let decorated = first["data"][0]["reactions"].as_array().map_or(0, Vec::len) == 2
            && first["data"][0]["reply_to"].is_object();
        if listed != args.rooms + 1
            || first["data"].as_array().map_or(0, Vec::len) != 50
            || !decorated
        {
            return Err(format!(
                "unexpected answers: listed {listed}, first page {first}"
            ));
        }
        let feed = [
            format!("/api/v1/user/mentions?limit={FEED_LIMIT}"),
            format!(
                "/api/v1/user/mentions?before={}&limit={FEED_LIMIT}",
                placed.feed_cursor
            ),
        ];
        for path in &feed {
            let (_, page) = check(&api, path, &viewer).await?;
            check_feed(path, &page, viewer_id)?;
        }
        let thread = format!("{base}/messages/{}/thread", threads.root);
        let thread_reads = [
            format!("{thread}?limit={THREAD_LIMIT}"),
            format!(
                "{thread}?before={}&limit={THREAD_LIMIT}",
                threads.replies[BIG_THREAD / 2]
            ),
            format!("/api/v1/user/threads?limit={THREAD_LIMIT}"),
        ];
        // The newest 20 replies, and the 20 before the 101st, newest first.
        let newest = threads.replies.iter().rev().take(THREAD_LIMIT);
        let middle = threads.replies[..BIG_THREAD / 2].iter().rev();
        let pages: [Vec<i64>; 2] = [
            newest.copied().collect(),
            middle.take(THREAD_LIMIT).copied().collect(),
        ];
        for (path, want) in thread_reads.iter().zip(pages) {
            let (_, page) = check(&api, path, &viewer).await?;
            check_thread(path, &page, threads.root, BIG_THREAD, &want)?;
        }
        let (_, listed_threads) = check(&api, &thread_reads[2], &viewer).await?;
        check_threads(&thread_reads[2], &listed_threads, &threads.followed)?;
        // The thread replies' target, the newest bulk root: as the server reads it back.
        let target = newest_root(&db, &room)
            .await?
            .ok_or("no bulk thread root: the smallest size must reach seq 251")?;
        let path = format!("{base}/messages/{target}/thread?limit={THREAD_LIMIT}");
        let (_, bulk_thread) = check(&api, &path, &viewer).await?;
        check_bulk_thread(&path, &bulk_thread, target, &room.repliers)?;
        let search = gets_search(&base, needle);
        for path in &search {
            let (_, found) = check(&api, path, &viewer).await?;
            if found["meta"]["total"] != 1 {
                return Err(format!("GET {path}: {found}"));
            }
        }
        let gets = [
            format!("{base}/messages?page=1&per_page=50"),
            format!("{base}/messages?page={last_page}&per_page=50"),
            format!("{base}/messages?before={mid_id}&limit=50"),
            format!("{base}/messages?after={mid_id}&limit=50"),
            base.clone(),
            "/api/v1/conversations".to_owned(),
            search[0].clone(),
            search[1].clone(),
            feed[0].clone(),
            feed[1].clone(),
            thread_reads[0].clone(),
            thread_reads[1].clone(),
            thread_reads[2].clone(),
        ];
        // Every message read answers rows, and the cursors 50 of them with more beyond.
        for path in &gets[1..4] {
            let (_, body) = check(&api, path, &viewer).await?;
            let n = body["data"].as_array().map_or(0, Vec::len);
            if n == 0 || (path.contains("limit=") && (n != 50 || body["meta"]["has_more"] != true))
            {
                return Err(format!("GET {path}: {n} messages, meta {}", body["meta"]));
            }
        }
        let mut measured = Vec::new();
        for path in &gets {
            let (api, viewer) = (&api, &viewer);
            measured.push(
                time_op(&probe, args.warmup, args.requests, move |_| async move {
                    expect(api.call(Method::GET, path, Some(viewer), None).await, 200)
                })
                .await,
            );
        }
        // Sends by the other member interleaved with the viewer marking read, so every mark-read
        // moves the read position (a mark-read with nothing new would be a no-op).
        let (sends, reads) = sends_and_reads(&api, &probe, &args, &base, &other, &viewer).await;
        measured.push(sends);
        measured.push(reads);
        measured.push(sends_naming(&api, &probe, &args, &base, &other, &named).await);
        measured.push(sends_in_thread(&api, &probe, &args, &base, &other, target).await);
        assert_eq!(measured.len(), OPS.len(), "one measurement per operation");
        let db_mib = table_mib(&db).await;
        let mut row = vec![args.backend.clone(), size.to_string()];
        for ((key, label, read), m) in OPS.iter().zip(&measured) {
            let result = json!({
                "scenario": "history",
                "server": args.server,
                "backend": args.backend,
                "size": size,
                "messages": last,
                "op": key,
                "label": label,
                "read": read,
                "requests": m.lat.len(),
                "warmup": args.warmup,
                "errors": m.errors,
                "first_error": m.first_error,
                "lat_p50_ms": opt_round(m.lat.pct_ms(50.0), 3),
                "lat_p99_ms": opt_round(m.lat.pct_ms(99.0), 3),
                "lat_max_ms": opt_round(m.lat.max_ms(), 3),
                "server_ms_cpu_per_request": opt_round(m.cpu_ms, 3),
                "messages_table_mib": opt_round(db_mib, 1),
            });
            emit(&result);
            row.push(format!(
                "{}/{}",
                cell(m.lat.pct_ms(50.0), 2),
                cell(m.lat.pct_ms(99.0), 2)
            ));
        }
        rows.push(row);
    }
    let mut headers = vec!["db", "size"];
    headers.extend(OPS.iter().map(|(key, _, _)| *key));
    print_table(
        "history at any size: p50/p99 ms per request, one at a time",
        &headers,
        &rows,
    );
    Ok(())
}

struct Measured {
    lat: Latencies,
    errors: u64,
    first_error: Option<String>,
    cpu_ms: Option<f64>,
}

/// `warmup` untimed calls, then `requests` timed ones, one at a time.
async fn time_op<F, Fut>(probe: &ProcProbe, warmup: u64, requests: u64, mut call: F) -> Measured
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

async fn sends_and_reads(
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
async fn sends_naming(
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
async fn sends_in_thread(
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

/// The threads the run reads, under messages of the first bulk load, their replies sent through
/// the API (the server writes every row of them; replies only in their threads take no place in
/// the timeline, so the bulk rows keep their numbers): the same threads are read at every size.
struct Threads {
    /// The root of the big thread (the other member's), and its replies, oldest first.
    root: i64,
    replies: Vec<i64>,
    /// The roots the viewer follows, oldest first (each thread's last reply after the previous').
    followed: Vec<i64>,
}

/// [`BIG_THREAD`] replies under the room's first message, by the five members but the viewer in
/// turn; then [`THREAD_REPLIES`] replies by the extra members under each of the viewer's messages
/// 2, 4, …, 100, which the viewer follows as their author from the first reply (nothing read:
/// each is unread by 3 in the viewer's list). None of these messages names anyone; the two oldest
/// pages hold them at every size (the `last_page` read, seq 1..=50, shows 26 thread summaries).
async fn start_threads(
    api: &Api,
    db: &sea_orm::DatabaseConnection,
    room: &Room,
    other: &str,
    members: &[String],
) -> Result<Threads, String> {
    let root = message_at(db, room.id, BIG_ROOT_SEQ).await?;
    let mut followed = Vec::with_capacity(FOLLOWED);
    for i in 1..=FOLLOWED as u64 {
        followed.push(message_at(db, room.id, 2 * i).await?);
    }
    for &followed_root in &followed {
        for token in &members[..THREAD_REPLIES] {
            let body = "a reply in a followed thread";
            reply(api, room.id, token, followed_root, body).await?;
        }
    }
    let repliers: Vec<&str> = std::iter::once(other)
        .chain(members.iter().map(String::as_str))
        .collect();
    let mut replies = Vec::with_capacity(BIG_THREAD);
    for i in 0..BIG_THREAD {
        let token = repliers[i % repliers.len()];
        replies.push(reply(api, room.id, token, root, "a reply in the big thread").await?);
    }
    Ok(Threads {
        root,
        replies,
        followed,
    })
}

/// A reply only in the thread under `root`; returns its id.
async fn reply(api: &Api, room: i64, token: &str, root: i64, body: &str) -> Result<i64, String> {
    let path = format!("/api/v1/conversations/{room}/messages");
    let body = json!({ "body": body, "thread_id": root });
    match api
        .call(Method::POST, &path, Some(token), Some(&body))
        .await?
    {
        (201, sent) if sent["data"]["thread_id"] == root => sent["data"]["id"]
            .as_i64()
            .ok_or_else(|| format!("201 without data.id: {sent}")),
        (status, sent) => Err(format!("POST {path} in thread {root}: {status} {sent}")),
    }
}

/// A thread page: the root with `count` replies in its summary, and exactly the replies `want`
/// (newest first), all in that thread, with more beyond.
fn check_thread(
    path: &str,
    page: &Value,
    root: i64,
    count: usize,
    want: &[i64],
) -> Result<(), String> {
    let items = page["data"].as_array().map_or(&[][..], Vec::as_slice);
    let ids: Vec<i64> = items.iter().filter_map(|m| m["id"].as_i64()).collect();
    let in_thread = items.iter().all(|m| m["thread_id"] == root);
    let reply_count = &page["root"]["thread"]["reply_count"];
    if page["root"]["id"] != root
        || reply_count.as_u64() != Some(count as u64)
        || ids != want
        || !in_thread
        || page["meta"]["has_more"] != true
    {
        return Err(format!(
            "GET {path}: root {} with reply_count {reply_count} (want {root}, {count}), ids \
             {ids:?} (want {want:?}), all in the thread: {in_thread}, meta {}",
            page["root"]["id"], page["meta"]
        ));
    }
    Ok(())
}

/// The viewer's threads list: the newest 20 of the followed threads, most recently active first,
/// each with its 3 replies unread, and more beyond.
fn check_threads(path: &str, list: &Value, followed: &[i64]) -> Result<(), String> {
    let items = list["data"].as_array().map_or(&[][..], Vec::as_slice);
    let ids: Vec<i64> = items
        .iter()
        .filter_map(|t| t["root"]["id"].as_i64())
        .collect();
    let want: Vec<i64> = followed.iter().rev().take(THREAD_LIMIT).copied().collect();
    let replies = Some(THREAD_REPLIES as u64);
    let counted = items.iter().all(|t| {
        t["unread_count"].as_u64() == replies
            && t["root"]["thread"]["reply_count"].as_u64() == replies
    });
    if ids != want || !counted || list["meta"]["has_more"] != true {
        return Err(format!(
            "GET {path}: roots {ids:?} (want {want:?}), each with {THREAD_REPLIES} replies \
             unread: {counted}, meta {}",
            list["meta"]
        ));
    }
    Ok(())
}

/// The newest bulk thread as the server reads it: its root's summary as the load wrote it (3
/// replies, the newest one's id, the repliers latest first) and the 3 replies, newest first.
fn check_bulk_thread(path: &str, page: &Value, root: i64, repliers: &[i64]) -> Result<(), String> {
    let items = page["data"].as_array().map_or(&[][..], Vec::as_slice);
    let summary = &page["root"]["thread"];
    let latest_first: Vec<i64> = repliers[..THREAD_REPLIES].iter().rev().copied().collect();
    let participants: Vec<i64> = summary["participants"]
        .as_array()
        .map_or(&[][..], Vec::as_slice)
        .iter()
        .filter_map(|u| u["id"].as_i64())
        .collect();
    let authors: Vec<i64> = items.iter().filter_map(|m| m["user_id"].as_i64()).collect();
    if page["root"]["id"] != root
        || summary["reply_count"].as_u64() != Some(THREAD_REPLIES as u64)
        || items.first().map(|m| &m["id"]) != Some(&summary["last_reply_id"])
        || participants != latest_first
        || authors != latest_first
        || !items.iter().all(|m| m["thread_id"] == root)
        || page["meta"]["has_more"] != false
    {
        return Err(format!("GET {path}: {page}"));
    }
    Ok(())
}

/// The big conversation, alone and in the list, carries the viewer's unread mentions as the load
/// set them and the settings the run gave it.
fn check_mentions(
    conv: &Value,
    list: &Value,
    placed: &crate::history_db::Placed,
) -> Result<(), String> {
    let listed = list["data"]
        .as_array()
        .and_then(|rooms| rooms.iter().find(|r| r["id"] == conv["id"]))
        .ok_or("the big room is not in the list")?;
    for (what, c) in [("GET", conv), ("list", listed)] {
        if c["unread_mentions"].as_i64() != Some(placed.unread_mentions)
            || c["notifications"]["level"] != "mentions"
            || !c["notifications"]["muted_until"].is_string()
        {
            return Err(format!(
                "{what}: unread_mentions {} (want {}), notifications {}",
                c["unread_mentions"], placed.unread_mentions, c["notifications"]
            ));
        }
    }
    Ok(())
}

/// A feed page: full, newest first, every message naming the viewer.
fn check_feed(path: &str, page: &Value, viewer: i64) -> Result<(), String> {
    let items = page["data"].as_array().map_or(&[][..], Vec::as_slice);
    let ids: Vec<i64> = items.iter().filter_map(|m| m["id"].as_i64()).collect();
    let names_viewer = items.iter().all(|m| {
        m["mentions"]
            .as_array()
            .is_some_and(|named| named.iter().any(|u| u["id"] == viewer))
    });
    if ids.len() != FEED_LIMIT || !ids.is_sorted_by(|a, b| a > b) || !names_viewer {
        return Err(format!(
            "GET {path}: {} mentions, ids {ids:?}, all naming the viewer: {names_viewer}",
            ids.len()
        ));
    }
    Ok(())
}

fn expect(outcome: Result<(u16, Value), String>, want: u16) -> Result<(), String> {
    match outcome? {
        (status, _) if status == want => Ok(()),
        (status, body) => Err(format!("{status} {body}")),
    }
}

fn gets_search(base: &str, needle: u64) -> [String; 2] {
    [
        format!("{base}/messages/search?q={needle}"),
        format!("/api/v1/messages/search?q={needle}"),
    ]
}

async fn check(api: &Api, path: &str, token: &str) -> Result<(u16, Value), String> {
    match api.call(Method::GET, path, Some(token), None).await? {
        (200, body) => Ok((200, body)),
        (status, body) => Err(format!("GET {path}: {status} {body}")),
    }
}
