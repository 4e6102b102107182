//! Uploads that must be refused — over the limit, cut short, without a file, naming someone
//! else's or too many files — and the race two sends run for one file, on both databases.

use confab_tests::{Backend, TestServer, on_both_backends};
use reqwest::StatusCode;
use serde_json::json;

use crate::attachments::{BOUNDARY, multipart, stored_files, upload, upload_raw};

on_both_backends!(
    bad_uploads_are_refused_in_the_error_shape_and_leave_nothing,
    an_upload_is_taken_by_one_message_only,
);

async fn bad_uploads_are_refused_in_the_error_shape_and_leave_nothing(backend: &Backend) {
    let server = TestServer::start_with(backend, &[("CONFAB_UPLOAD_MAX_BYTES", "1000000")]).await;
    let (_, ann) = server.register("Ann Lee").await;
    let room = server.group(&ann, "Limits", &[]).await;

    // Over the limit, counted on the stream (no Content-Length trusted): 413, nothing stored —
    // just over it, and three times over (the server reads the rest of a refused body, up to a
    // bound, so that the answer reaches the client rather than a reset connection).
    for size in [1_000_050, 3_000_000] {
        let (status, refused) = upload(&server, &ann, room, "big.bin", &vec![7u8; size]).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{size}: {refused}");
        assert_eq!(refused["status"], false);
        let message = refused["message"].as_str().unwrap();
        assert!(message.contains("1000000 bytes"), "{message}");
    }
    assert_eq!(stored_files(&server), 0);

    // A body cut before its closing boundary: 422 on `file`, nothing stored.
    let mut cut = multipart("cut.bin", &[1u8; 50_000]);
    cut.truncate(30_000);
    let (status, refused) = upload_raw(&server, &ann, room, cut).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(refused["errors"]["file"].is_array(), "{refused}");
    assert_eq!(stored_files(&server), 0);

    // No `file` part at all.
    let body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--{BOUNDARY}--\r\n"
    );
    let (status, refused) = upload_raw(&server, &ann, room, body.into_bytes()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");

    // A 10,000-byte name is cut to 255 bytes.
    let (status, long) = upload(&server, &ann, room, &"n".repeat(10_000), b"text").await;
    assert_eq!(status, StatusCode::CREATED, "{long}");
    assert_eq!(long["data"]["name"].as_str().unwrap().len(), 255);

    // Someone else's upload, an unknown id, too many: 422 naming `attachment_ids`.
    let (bob_id, bob) = server.register("Bob Stone").await;
    let shared = server.group(&ann, "Shared", &[bob_id]).await;
    let (_, mine) = upload(&server, &ann, shared, "a.txt", b"mine").await;
    let messages = format!("/api/v1/conversations/{shared}/messages");
    for ids in [
        json!([mine["data"]["id"]]),
        json!([987654]),
        json!((1..=11).collect::<Vec<_>>()),
    ] {
        let (status, refused) = server
            .post(&messages, &bob, json!({"body": "x", "attachment_ids": ids}))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{ids}: {refused}");
        assert!(refused["errors"]["attachment_ids"].is_array(), "{refused}");
    }
    // Another room's upload cannot be sent here either.
    let (status, _) = server
        .post(
            &format!("/api/v1/conversations/{room}/messages"),
            &ann,
            json!({"body": "x", "attachment_ids": [mine["data"]["id"]]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn an_upload_is_taken_by_one_message_only(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (_, ann) = server.register("Ann Lee").await;
    let room = server.group(&ann, "Race", &[]).await;
    let (_, file) = upload(&server, &ann, room, "a.txt", b"one file").await;
    let id = file["data"]["id"].clone();
    let messages = format!("/api/v1/conversations/{room}/messages");
    let sends = (0..8).map(|i| {
        let server = &server;
        let ann = &ann;
        let messages = &messages;
        let id = id.clone();
        async move {
            server
                .post(
                    messages,
                    ann,
                    json!({"body": format!("take {i}"), "attachment_ids": [id]}),
                )
                .await
        }
    });
    let outcomes = futures_util::future::join_all(sends).await;
    let taken = outcomes
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .count();
    assert_eq!(taken, 1, "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .filter(|(s, _)| *s != StatusCode::CREATED)
            .all(|(s, body)| *s == StatusCode::UNPROCESSABLE_ENTITY
                && body["errors"]["attachment_ids"].is_array())
    );
}
