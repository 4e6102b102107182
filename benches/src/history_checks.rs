//! What the history scenario (`history.rs`) checks before it times anything, and the threads it
//! sets up through the API: each read must give the right answer at every size, or the run stops.

use reqwest::Method;
use serde_json::{Value, json};

use crate::api::Api;
use crate::history_args::{BIG_ROOT_SEQ, BIG_THREAD, FEED_LIMIT, FOLLOWED, THREAD_LIMIT};
use crate::history_db::{Room, THREAD_REPLIES};
use crate::history_db_growth::message_at;

/// The threads the run reads, under messages of the first bulk load, their replies sent through
/// the API (the server writes every row of them; replies only in their threads take no place in
/// the timeline, so the bulk rows keep their numbers): the same threads are read at every size.
pub(crate) struct Threads {
    /// The root of the big thread (the other member's), and its replies, oldest first.
    pub(crate) root: i64,
    pub(crate) replies: Vec<i64>,
    /// The roots the viewer follows, oldest first (each thread's last reply after the previous').
    pub(crate) followed: Vec<i64>,
}

/// [`BIG_THREAD`] replies under the room's first message, by the five members but the viewer in
/// turn; then [`THREAD_REPLIES`] replies by the extra members under each of the viewer's messages
/// 2, 4, …, 100, which the viewer follows as their author from the first reply (nothing read:
/// each is unread by 3 in the viewer's list). None of these messages names anyone; the two oldest
/// pages hold them at every size (the `last_page` read, seq 1..=50, shows 26 thread summaries).
pub(crate) async fn start_threads(
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
pub(crate) async fn reply(
    api: &Api,
    room: i64,
    token: &str,
    root: i64,
    body: &str,
) -> Result<i64, String> {
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
pub(crate) fn check_thread(
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
pub(crate) fn check_threads(path: &str, list: &Value, followed: &[i64]) -> Result<(), String> {
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
pub(crate) fn check_bulk_thread(
    path: &str,
    page: &Value,
    root: i64,
    repliers: &[i64],
) -> Result<(), String> {
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
pub(crate) fn check_mentions(
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
pub(crate) fn check_feed(path: &str, page: &Value, viewer: i64) -> Result<(), String> {
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

pub(crate) fn expect(outcome: Result<(u16, Value), String>, want: u16) -> Result<(), String> {
    match outcome? {
        (status, _) if status == want => Ok(()),
        (status, body) => Err(format!("{status} {body}")),
    }
}

pub(crate) fn gets_search(base: &str, needle: u64) -> [String; 2] {
    [
        format!("{base}/messages/search?q={needle}"),
        format!("/api/v1/messages/search?q={needle}"),
    ]
}

pub(crate) async fn check(api: &Api, path: &str, token: &str) -> Result<(u16, Value), String> {
    match api.call(Method::GET, path, Some(token), None).await? {
        (200, body) => Ok((200, body)),
        (status, body) => Err(format!("GET {path}: {status} {body}")),
    }
}
