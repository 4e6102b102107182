//! Large files straight to the store: announce, `PUT` the bytes where told (this server's own
//! signed `PUT` on a local folder, a presigned S3 URL on S3 — the server never carries them),
//! complete; only bytes that match the announcement become an attachment. Both databases, both
//! stores.

use confab_tests::s3::S3Server;
use confab_tests::{Backend, TestServer, on_both_backends};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

on_both_backends!(
    a_large_file_goes_straight_to_the_local_store,
    a_large_file_goes_straight_to_s3,
);

async fn a_large_file_goes_straight_to_the_local_store(backend: &Backend) {
    let server =
        TestServer::start_with(backend, &[("CONFAB_DIRECT_UPLOAD_MAX_BYTES", "3000000")]).await;
    direct_upload_scenario(&server, false).await;
}

async fn a_large_file_goes_straight_to_s3(backend: &Backend) {
    let Some(s3) = S3Server::start().await else {
        return;
    };
    let mut env = s3.confab_env();
    env.push(("CONFAB_DIRECT_UPLOAD_MAX_BYTES", "3000000".into()));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server = TestServer::start_with(backend, &env).await;
    direct_upload_scenario(&server, true).await;
}

/// `PUT`s `bytes` to an announcement's target, as a client with no credentials would. `None` when
/// the server answered and closed before it took the whole body (how a refusal part-way through
/// a stream may reach the client).
async fn try_send_bytes(server: &TestServer, target: &Value, bytes: Vec<u8>) -> Option<StatusCode> {
    let url = target["url"].as_str().expect("url");
    let url = if url.starts_with("http") {
        url.to_owned()
    } else {
        server.url(url)
    };
    assert_eq!(target["method"], "PUT");
    // A connection of its own: after a refusal the server closes the one it answered on, and a
    // pooled connection could be picked up just as it closes.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("client");
    let mut request = client.put(url).body(bytes);
    for (name, value) in target["headers"].as_object().expect("headers") {
        request = request.header(name.as_str(), value.as_str().unwrap());
    }
    match request.send().await {
        Ok(response) => Some(response.status()),
        Err(error) if error.is_request() => None,
        Err(error) => panic!("bytes not sent: {error}"),
    }
}

async fn send_bytes(server: &TestServer, target: &Value, bytes: Vec<u8>) -> StatusCode {
    try_send_bytes(server, target, bytes)
        .await
        .expect("an answer")
}

async fn direct_upload_scenario(server: &TestServer, s3: bool) {
    let (_, ann) = server.register("Ann Lee").await;
    let (bob_id, bob) = server.register("Bob Stone").await;
    let room = server.group(&ann, "Big files", &[bob_id]).await;
    let announce = format!("/api/v1/conversations/{room}/attachments/uploads");
    let mut bytes = b"\0\0\0\x18ftypmp42".to_vec();
    bytes.extend((0..2_000_000u32).map(|i| (i % 253) as u8));
    let sha256 = hex::encode(Sha256::digest(&bytes));

    // Over the limit, or a malformed hash: refused before anything is recorded.
    let (status, _) = server
        .post(
            &announce,
            &ann,
            json!({"name": "x", "size": 3_000_001, "sha256": sha256}),
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let (status, refused) = server
        .post(
            &announce,
            &ann,
            json!({"name": "x", "size": 10, "sha256": "nope"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused["errors"]["sha256"].is_array(), "{refused}");

    let (status, answer) = server
        .post(
            &announce,
            &ann,
            json!({"name": "../clip.mp4", "size": bytes.len(), "sha256": sha256}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let target = &answer["data"];
    let upload_id = target["upload_id"].as_str().unwrap().to_owned();
    let url = target["url"].as_str().unwrap();
    if s3 {
        assert!(
            url.contains("X-Amz-Signature="),
            "a presigned S3 URL: {url}"
        );
    } else {
        assert!(
            url.starts_with(&format!("/api/v1/attachments/uploads/{upload_id}?")),
            "{url}"
        );
    }
    let complete = format!("{announce}/{upload_id}/complete");

    // Completing before any byte arrived names `upload_id`.
    let (status, refused) = server.post(&complete, &ann, json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(refused["errors"]["upload_id"].is_array(), "{refused}");

    // Wrong bytes: the mismatch is named and they are removed; the right ones then complete.
    let mut wrong = bytes.clone();
    wrong[100] ^= 1;
    assert!(send_bytes(server, target, wrong).await.is_success());
    let (status, refused) = server.post(&complete, &ann, json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(refused["errors"]["sha256"].is_array(), "{refused}");
    let (status, refused) = server.post(&complete, &ann, json!({})).await;
    assert!(
        refused["errors"]["upload_id"].is_array(),
        "the wrong bytes were removed: {status} {refused}"
    );

    if !s3 {
        // Through this server, the announced size is a limit on the stream, and the URL is signed.
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(
            send_bytes(server, target, longer).await,
            StatusCode::PAYLOAD_TOO_LARGE
        );
        let mut forged = target.clone();
        forged["url"] = json!(url.replace("signature=", "signature=ff"));
        assert_eq!(
            send_bytes(server, &forged, bytes.clone()).await,
            StatusCode::FORBIDDEN
        );
    }
    assert!(send_bytes(server, target, bytes.clone()).await.is_success());

    // Someone else cannot complete it; its uploader gets the attachment, typed by its bytes.
    let (status, _) = server.post(&complete, &bob, json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, done) = server.post(&complete, &ann, json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{done}");
    let file = &done["data"];
    assert_eq!(file["name"], "clip.mp4");
    assert_eq!(file["content_type"], "video/mp4");
    assert_eq!(file["size"], bytes.len());
    assert_eq!(file["sha256"], sha256);
    let (status, _) = server.post(&complete, &ann, json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "an upload completes once");

    // Sent and downloaded like any other file.
    let (status, sent) = server
        .post(
            &format!("/api/v1/conversations/{room}/messages"),
            &ann,
            json!({"body": "the clip", "attachment_ids": [file["id"]]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    let download = server
        .client
        .get(server.url(&format!("/api/v1/attachments/{}", file["id"])))
        .bearer_auth(&bob)
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), StatusCode::OK);
    assert_eq!(download.bytes().await.unwrap().as_ref(), bytes.as_slice());
}
