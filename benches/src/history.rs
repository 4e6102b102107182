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

use reqwest::Method;
use serde_json::json;

use crate::api::{Api, rooms_with_a_message};
use crate::common::*;
use crate::history_args::*;
use crate::history_checks::*;
use crate::history_db::{
    LoadRun, Room, THREAD_REPLIES, connect, decorate, load, place_reader, table_mib,
};
use crate::history_db_growth::newest_root;
use crate::history_timing::*;

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
