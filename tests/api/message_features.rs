//! Edit, delete, reactions, replies, idempotent sends, read receipts and search, over HTTP on
//! both databases.

use confab_tests::{Backend, TestServer, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

on_both_backends!(
    only_the_author_edits_and_the_edit_is_stamped,
    a_deletion_leaves_a_tombstone_in_place_for_the_author_or_the_creator,
    reactions_are_counted_per_emoji_with_me_and_limited_to_twenty,
    a_reply_quotes_its_parent_from_the_same_conversation,
    a_repeated_client_id_or_idempotency_key_stores_once,
    participants_carry_read_receipts,
    search_finds_words_in_your_rooms_newest_first,
);

fn messages(room: i64) -> String {
    format!("/api/v1/conversations/{room}/messages")
}

async fn patch(server: &TestServer, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
    server
        .call(Method::PATCH, path, Some(token), Some(body))
        .await
}

async fn put(server: &TestServer, path: &str, token: &str) -> (StatusCode, Value) {
    server.call(Method::PUT, path, Some(token), None).await
}

async fn only_the_author_edits_and_the_edit_is_stamped(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (_, ann) = server.register("Ann Lee").await;
    let (bob_id, bob) = server.register("Bob Stone").await;
    let (_, eve) = server.register("Eve Out").await;
    let room = server.group(&ann, "Room", &[bob_id]).await;
    let sent = server.send(&bob, room, "helo").await;
    assert_eq!(sent["edited_at"], Value::Null);
    let path = format!("{}/{}", messages(room), sent["id"]);

    let (status, edited) = patch(&server, &path, &bob, json!({"body": "hello"})).await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(edited["message"], "Message updated.");
    assert_eq!(edited["data"]["body"], "hello");
    assert_eq!(edited["data"]["id"], sent["id"]);
    assert!(edited["data"]["edited_at"].is_string());
    let (status, refused) = patch(&server, &path, &ann, json!({"body": "mine now"})).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "the creator does not edit others' words"
    );
    assert_eq!(refused["message"], "Only the author can edit this message.");
    let (status, _) = patch(&server, &path, &eve, json!({"body": "x"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, blank) = patch(&server, &path, &bob, json!({"body": "  "})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(blank["errors"]["body"].is_array());
    let missing = format!("{}/999999", messages(room));
    let (status, _) = patch(&server, &missing, &bob, json!({"body": "x"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    server
        .post(
            &format!("/api/v1/conversations/{room}/close"),
            &ann,
            json!({}),
        )
        .await;
    let (status, closed) = patch(&server, &path, &bob, json!({"body": "late"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{closed}");
    let (_, page) = server.get(&messages(room), &ann).await;
    assert_eq!(page["data"][0]["body"], "hello", "nothing else changed it");
}

async fn a_deletion_leaves_a_tombstone_in_place_for_the_author_or_the_creator(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (_, ann) = server.register("Ann Lee").await;
    let (bob_id, bob) = server.register("Bob Stone").await;
    let (cid_id, cid) = server.register("Cid Moss").await;
    let room = server.group(&ann, "Room", &[bob_id, cid_id]).await;
    let first = server.send(&bob, room, "first").await;
    let second = server.send(&bob, room, "second").await;
    let path = |m: &Value| format!("{}/{}", messages(room), m["id"]);
    put(&server, &format!("{}/reactions/👍", path(&second)), &cid).await;

    let (status, _) = server.delete(&path(&second), &cid).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "another member may not");
    let (status, deleted) = server.delete(&path(&second), &ann).await;
    assert_eq!(status, StatusCode::OK, "the room's creator moderates");
    assert_eq!(
        deleted,
        json!({"status": true, "message": "Message deleted."})
    );
    let (status, _) = server.delete(&path(&second), &bob).await;
    assert_eq!(status, StatusCode::OK, "deleting again changes nothing");
    let (status, _) = server.delete(&path(&first), &bob).await;
    assert_eq!(status, StatusCode::OK, "the author");

    let (_, page) = server.get(&messages(room), &cid).await;
    assert_eq!(page["meta"]["total"], 2, "tombstones keep their place");
    let tombstone = &page["data"][0];
    assert_eq!(tombstone["id"], second["id"]);
    assert_eq!(tombstone["body"], "");
    assert!(tombstone["deleted_at"].is_string());
    assert_eq!(tombstone["reactions"], json!([]));
    let (_, list) = server.get("/api/v1/conversations", &cid).await;
    assert_eq!(list["data"][0]["last_message"]["id"], second["id"]);
    assert_eq!(list["data"][0]["last_message"]["body"], "");
    assert_eq!(
        list["data"][0]["unread_count"], 2,
        "unread counts do not move"
    );
    let (status, _) = patch(&server, &path(&second), &bob, json!({"body": "back"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = put(&server, &format!("{}/reactions/👍", path(&second)), &cid).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn reactions_are_counted_per_emoji_with_me_and_limited_to_twenty(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (_, ann) = server.register("Ann Lee").await;
    let (bob_id, bob) = server.register("Bob Stone").await;
    let room = server.group(&ann, "Room", &[bob_id]).await;
    let sent = server.send(&ann, room, "lunch?").await;
    let reactions = format!("{}/{}/reactions", messages(room), sent["id"]);

    let (status, added) = put(&server, &format!("{reactions}/👍"), &bob).await;
    assert_eq!(status, StatusCode::OK, "{added}");
    assert_eq!(
        added["data"]["reactions"],
        json!([{"emoji": "👍", "count": 1, "me": true}])
    );
    put(&server, &format!("{reactions}/👍"), &bob).await;
    put(&server, &format!("{reactions}/%F0%9F%91%8D"), &ann).await;
    let (_, again) = put(&server, &format!("{reactions}/🇫🇷"), &ann).await;
    assert_eq!(
        again["data"]["reactions"],
        json!([{"emoji": "👍", "count": 2, "me": true}, {"emoji": "🇫🇷", "count": 1, "me": true}])
    );
    let (status, removed) = server.delete(&format!("{reactions}/👍"), &bob).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        removed["data"]["reactions"][0],
        json!({"emoji": "👍", "count": 1, "me": false})
    );
    let (_, page) = server.get(&messages(room), &bob).await;
    assert_eq!(page["data"][0]["reactions"][0]["me"], false);

    let (status, bad) = put(&server, &format!("{reactions}/ok"), &bob).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad["errors"]["emoji"].is_array(), "{bad}");
    for n in 0..18 {
        let emoji = char::from_u32(0x1F600 + n).unwrap();
        let (status, _) = put(&server, &format!("{reactions}/{emoji}"), &bob).await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, full) = put(&server, &format!("{reactions}/🚀"), &bob).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        full["message"],
        "A message can have at most 20 different reactions."
    );
}

async fn a_reply_quotes_its_parent_from_the_same_conversation(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (ann_id, ann) = server.register("Ann Lee").await;
    let (bob_id, bob) = server.register("Bob Stone").await;
    let room = server.group(&ann, "Room", &[bob_id]).await;
    let other = server.group(&ann, "Other", &[]).await;
    let question = server.send(&ann, room, "tea or coffee?").await;
    let foreign = server.send(&ann, other, "elsewhere").await;

    let (status, reply) = server
        .post(
            &messages(room),
            &bob,
            json!({"body": "tea", "reply_to": question["id"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{reply}");
    assert_eq!(
        reply["data"]["reply_to"],
        json!({"id": question["id"], "body": "tea or coffee?", "user": {"id": ann_id, "name": "Ann Lee", "avatar_url": null}})
    );
    let (status, refused) = server
        .post(
            &messages(room),
            &bob,
            json!({"body": "x", "reply_to": foreign["id"]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused["errors"]["reply_to"].is_array(), "{refused}");
    server
        .delete(&format!("{}/{}", messages(room), question["id"]), &ann)
        .await;
    let (_, page) = server.get(&messages(room), &bob).await;
    assert_eq!(
        page["data"][0]["reply_to"]["body"], "",
        "the parent's tombstone"
    );
    assert_eq!(page["data"][1]["reply_to"], Value::Null);
}

async fn a_repeated_client_id_or_idempotency_key_stores_once(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (_, ann) = server.register("Ann Lee").await;
    let room = server.group(&ann, "Room", &[]).await;
    let body = json!({"body": "once", "client_id": "tab-1:42"});
    let (status, first) = server.post(&messages(room), &ann, body.clone()).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(first["data"]["client_id"], "tab-1:42");
    let (status, repeat) = server.post(&messages(room), &ann, body).await;
    assert_eq!(status, StatusCode::OK, "a repeat is not created");
    assert_eq!(repeat["data"]["id"], first["data"]["id"]);

    let client = reqwest::Client::new();
    let keyed = |key: &str, body: Value| {
        client
            .post(server.url(&messages(room)))
            .bearer_auth(&ann)
            .header("Idempotency-Key", key)
            .json(&body)
    };
    let answers = futures_util::future::join_all(
        (0..8).map(|_| keyed("race-7", json!({"body": "raced"})).send()),
    )
    .await;
    let mut created = 0;
    let mut ids = Vec::new();
    for answer in answers {
        let answer = answer.unwrap();
        created += usize::from(answer.status() == StatusCode::CREATED);
        let json: Value = answer.json().await.unwrap();
        ids.push(json["data"]["id"].clone());
    }
    assert_eq!(created, 1, "stored once");
    assert!(ids.iter().all(|id| *id == ids[0]));
    let mismatch = keyed("a", json!({"body": "x", "client_id": "b"}))
        .send()
        .await
        .unwrap();
    assert_eq!(mismatch.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let long = keyed(&"k".repeat(65), json!({"body": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(long.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Header bytes beyond ASCII are read as UTF-8, and held to the client_id rules.
    let raw = |bytes: &[u8]| {
        client
            .post(server.url(&messages(room)))
            .bearer_auth(&ann)
            .header(
                "Idempotency-Key",
                reqwest::header::HeaderValue::from_bytes(bytes).unwrap(),
            )
            .json(&json!({"body": "bytes"}))
            .send()
    };
    let control = raw("k\u{85}".as_bytes()).await.unwrap();
    assert_eq!(control.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let accented = raw("clé".as_bytes()).await.unwrap();
    assert_eq!(accented.status(), StatusCode::CREATED);
    let accented: Value = accented.json().await.unwrap();
    assert_eq!(accented["data"]["client_id"], "clé");
    let (_, page) = server.get(&messages(room), &ann).await;
    assert_eq!(page["meta"]["total"], 3);
}

async fn participants_carry_read_receipts(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (ann_id, ann) = server.register("Ann Lee").await;
    let (bob_id, bob) = server.register("Bob Stone").await;
    let room = server.group(&ann, "Room", &[bob_id]).await;
    let sent = server.send(&ann, room, "hi").await;
    let detail = format!("/api/v1/conversations/{room}");
    let (_, before) = server.get(&detail, &ann).await;
    assert_eq!(
        before["data"]["participants"],
        json!([
            {"id": ann_id, "name": "Ann Lee", "avatar_url": null, "role": "owner", "timed_out_until": null,
             "last_read_message_id": sent["id"]},
            {"id": bob_id, "name": "Bob Stone", "avatar_url": null, "role": "member", "timed_out_until": null,
             "last_read_message_id": null}
        ])
    );
    server
        .post(&format!("{detail}/read"), &bob, json!({}))
        .await;
    let (_, after) = server.get(&detail, &ann).await;
    assert_eq!(
        after["data"]["participants"][1]["last_read_message_id"],
        sent["id"]
    );
}

async fn search_finds_words_in_your_rooms_newest_first(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (_, ann) = server.register("Ann Lee").await;
    let (bob_id, bob) = server.register("Bob Stone").await;
    let shared = server.group(&ann, "Shared", &[bob_id]).await;
    let private = server.group(&ann, "Ann only", &[]).await;
    let a = server.send(&ann, shared, "Release notes are ready").await;
    let b = server.send(&bob, shared, "release blocked by CI").await;
    let c = server.send(&ann, private, "release party").await;
    let gone = server.send(&bob, shared, "secret release key").await;
    server
        .delete(&format!("{}/{}", messages(shared), gone["id"]), &bob)
        .await;

    let ids = |page: &Value| -> Vec<Value> {
        page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].clone())
            .collect()
    };
    let (status, found) = server
        .get(&format!("{}/search?q=RELEASE", messages(shared)), &bob)
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(ids(&found), [b["id"].clone(), a["id"].clone()]);
    assert_eq!(
        found["meta"],
        json!({"current_page": 1, "last_page": 1, "per_page": 20, "total": 2})
    );
    let (_, everywhere) = server
        .get("/api/v1/messages/search?q=release&per_page=2", &ann)
        .await;
    assert_eq!(ids(&everywhere), [c["id"].clone(), b["id"].clone()]);
    assert_eq!(everywhere["meta"]["total"], 3);
    assert_eq!(everywhere["data"][0]["conversation_id"], private);
    let (_, bobs) = server.get("/api/v1/messages/search?q=release", &bob).await;
    assert_eq!(bobs["meta"]["total"], 2, "only rooms Bob is in");
    let (_, none) = server.get("/api/v1/messages/search?q=secret", &bob).await;
    assert_eq!(none["meta"]["total"], 0, "tombstones never match");

    let (status, missing) = server.get("/api/v1/messages/search", &ann).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{missing}");
    let long = "a".repeat(201);
    let (status, too_long) = server
        .get(&format!("/api/v1/messages/search?q={long}"), &ann)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(too_long["errors"]["q"].is_array(), "{too_long}");
    let (_, eve) = server.register("Eve Out").await;
    let (status, _) = server
        .get(&format!("{}/search?q=release", messages(shared)), &eve)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
