//! Files in messages, end to end: upload (multipart, streamed), send with `attachment_ids`,
//! download with its safety headers, ranges and signed links, who may read a file and when, and
//! what a deletion or a limit leaves behind — on both databases, on the local store and on a real
//! S3-compatible server (`s3s-fs`, signatures checked).

use confab_tests::s3::{S3Server, count_files};
use confab_tests::{Backend, TestServer, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

on_both_backends!(
    files_travel_with_their_messages_on_the_local_store,
    files_travel_with_their_messages_on_s3,
);

/// A 1×1 PNG (a real image: its size and thumbnail are read from it).
const PIXEL_PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0,
    0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

pub(crate) const BOUNDARY: &str = "confab-e2e-boundary-7d3f";

/// A `multipart/form-data` body with one `file` part, written out by hand so that tests can also
/// send what a broken client would.
pub(crate) fn multipart(name: &str, bytes: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
         Content-Type: text/html\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// The answer to an upload; `None` when the server answered and closed before taking the whole
/// body (a refusal part-way through a stream may reach the client that way).
pub(crate) async fn try_upload_raw(
    server: &TestServer,
    token: &str,
    room: i64,
    body: Vec<u8>,
) -> Option<(StatusCode, Value)> {
    let response = server
        .client
        .post(server.url(&format!("/api/v1/conversations/{room}/attachments")))
        .bearer_auth(token)
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body)
        .send()
        .await;
    let response = match response {
        Ok(response) => response,
        Err(error) if error.is_request() => return None,
        Err(error) => panic!("upload not sent: {error}"),
    };
    let status = response.status();
    let text = response.text().await.expect("body");
    Some((
        status,
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("{status}: {text}")),
    ))
}

pub(crate) async fn upload_raw(
    server: &TestServer,
    token: &str,
    room: i64,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    try_upload_raw(server, token, room, body)
        .await
        .expect("the server answers an upload it takes whole")
}

pub(crate) async fn upload(
    server: &TestServer,
    token: &str,
    room: i64,
    name: &str,
    bytes: &[u8],
) -> (StatusCode, Value) {
    upload_raw(server, token, room, multipart(name, bytes)).await
}

/// A GET as a browser or client would make it: with a token or none, maybe a range.
async fn fetch(
    server: &TestServer,
    path_or_url: &str,
    token: Option<&str>,
    range: Option<&str>,
) -> reqwest::Response {
    let url = if path_or_url.starts_with("http") {
        path_or_url.to_owned()
    } else {
        server.url(path_or_url)
    };
    let mut request = server.client.get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(range) = range {
        request = request.header("Range", range);
    }
    request.send().await.expect("download sent")
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

fn pdf(size: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    bytes.extend((0..size).map(|i| (i * 7 % 251) as u8));
    bytes
}

/// Where the server keeps files on the local store.
pub(crate) fn stored_files(server: &TestServer) -> usize {
    count_files(&server.data_dir().join("attachments"))
}

async fn files_travel_with_their_messages_on_the_local_store(backend: &Backend) {
    let server = TestServer::start(backend).await;
    files_travel_with_their_messages(&server, &|| stored_files(&server), false).await;
}

async fn files_travel_with_their_messages_on_s3(backend: &Backend) {
    let Some(s3) = S3Server::start().await else {
        return;
    };
    let env = s3.confab_env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server = TestServer::start_with(backend, &env).await;
    let (_, health) = server.call(Method::GET, "/health", None, None).await;
    assert!(
        health["storage"]
            .as_str()
            .unwrap_or_default()
            .starts_with("s3://attachments"),
        "{health}"
    );
    files_travel_with_their_messages(&server, &|| s3.objects(), true).await;
}

/// Headers a download must carry, read off the response that serves the bytes: this server's
/// own, or (S3) its redirect to a presigned link whose signature covers the type and disposition.
async fn check_safety_headers(
    server: &TestServer,
    path: &str,
    token: &str,
    sha256: &str,
    s3: bool,
) {
    if s3 {
        let direct = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let response = direct
            .get(server.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FOUND);
        let location = header(&response, "location");
        assert!(location.contains("X-Amz-Signature="), "{location}");
        assert!(
            location.contains("response-content-disposition=attachment"),
            "{location}"
        );
        assert!(
            location.contains("response-content-type=application%2Fpdf"),
            "{location}"
        );
        return;
    }
    let response = fetch(server, path, Some(token), None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "content-type"), "application/pdf");
    assert_eq!(header(&response, "x-content-type-options"), "nosniff");
    assert_eq!(header(&response, "content-security-policy"), "sandbox");
    assert!(header(&response, "cache-control").starts_with("private"));
    assert!(header(&response, "content-disposition").starts_with("attachment;"));
    assert!(header(&response, "content-disposition").contains("filename*=UTF-8''report.pdf"));
    assert_eq!(header(&response, "etag"), format!("\"{sha256}\""));
}

async fn files_travel_with_their_messages(
    server: &TestServer,
    stored: &dyn Fn() -> usize,
    s3: bool,
) {
    let (_, ann) = server.register("Ann Lee").await;
    let (bob_id, bob) = server.register("Bob Stone").await;
    let (_, eve) = server.register("Eve Out").await;
    let room = server.group(&ann, "Files", &[bob_id]).await;
    let before = stored();

    // Upload: the name made safe, the type from the bytes, the hash of what is stored.
    let bytes = pdf(300_000);
    let (status, uploaded) = upload(server, &ann, room, "../../report.pdf", &bytes).await;
    assert_eq!(status, StatusCode::CREATED, "{uploaded}");
    assert_eq!(uploaded["message"], "Attachment uploaded.");
    let file = &uploaded["data"];
    assert_eq!(file["name"], "report.pdf");
    assert_eq!(
        file["content_type"], "application/pdf",
        "not the client's text/html"
    );
    assert_eq!(file["size"], bytes.len());
    assert_eq!(file["sha256"], hex::encode(Sha256::digest(&bytes)));
    assert_eq!(
        (file["width"].clone(), file["thumbnail_url"].clone()),
        (Value::Null, Value::Null)
    );
    let id = file["id"].as_i64().expect("id");
    assert_eq!(stored(), before + 1);
    let (status, _) = upload(server, &eve, room, "x.txt", b"hello").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "outsiders cannot upload");

    // Until it is sent, only its uploader sees it.
    let path = format!("/api/v1/attachments/{id}");
    assert_eq!(
        fetch(server, &path, Some(&bob), None).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        fetch(server, &path, Some(&ann), None).await.status(),
        StatusCode::OK
    );

    // Sent alone, with an empty body; everyone who reads the message sees the file.
    let (status, sent) = server
        .post(
            &format!("/api/v1/conversations/{room}/messages"),
            &ann,
            json!({"body": "", "attachment_ids": [id]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    assert_eq!(sent["data"]["attachments"][0]["id"], id);
    let (_, page) = server
        .get(&format!("/api/v1/conversations/{room}/messages"), &bob)
        .await;
    assert_eq!(page["data"][0]["attachments"][0]["name"], "report.pdf");
    let (_, rooms) = server.get("/api/v1/conversations", &bob).await;
    assert_eq!(rooms["data"][0]["last_message"]["attachments"][0]["id"], id);

    // A download is the file, with headers that keep a browser from running it as us.
    check_safety_headers(server, &path, &bob, file["sha256"].as_str().unwrap(), s3).await;
    let response = fetch(server, &path, Some(&bob), None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.bytes().await.unwrap().as_ref(), bytes.as_slice());

    // Ranges: a part, and one past the end in the error shape.
    let response = fetch(server, &path, Some(&bob), Some("bytes=10-19")).await;
    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        header(&response, "content-range"),
        format!("bytes 10-19/{}", bytes.len())
    );
    assert_eq!(response.bytes().await.unwrap().as_ref(), &bytes[10..20]);
    let response = fetch(server, &path, Some(&bob), Some("bytes=99999999-")).await;
    assert_eq!(response.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(
        header(&response, "content-range"),
        format!("bytes */{}", bytes.len())
    );
    let refused: Value = response.json().await.unwrap();
    assert_eq!(refused["status"], false);

    // The signed link works with no header at all (an `<img src>`); a forged one does not. On
    // S3 the server answers with a presigned redirect, which the client follows.
    let url = sent["data"]["attachments"][0]["url"]
        .as_str()
        .expect("url")
        .to_owned();
    let response = fetch(server, &url, None, None).await;
    assert_eq!(response.status(), StatusCode::OK, "{url}");
    assert_eq!(response.bytes().await.unwrap().as_ref(), bytes.as_slice());
    let forged = url.replace("signature=", "signature=00");
    assert_eq!(
        fetch(server, &forged, None, None).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        fetch(server, &path, None, None).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // An image gets its size and a thumbnail; SVG is never shown inline.
    let (status, image) = upload(server, &bob, room, "dot.png", PIXEL_PNG).await;
    assert_eq!(status, StatusCode::CREATED, "{image}");
    assert_eq!(
        (
            image["data"]["width"].clone(),
            image["data"]["height"].clone()
        ),
        (json!(1), json!(1))
    );
    let thumbnail = image["data"]["thumbnail_url"]
        .as_str()
        .expect("a thumbnail")
        .to_owned();
    let response = fetch(server, &thumbnail, None, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(!response.bytes().await.unwrap().is_empty());
    let svg = b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>";
    let (_, svg) = upload(server, &bob, room, "logo.svg", svg).await;
    assert_eq!(svg["data"]["content_type"], "image/svg+xml");
    if !s3 {
        let path = format!("/api/v1/attachments/{}", svg["data"]["id"]);
        let response = fetch(server, &path, Some(&bob), None).await;
        assert!(header(&response, "content-disposition").starts_with("attachment;"));
    }

    // Removed: 404 from that moment, with a token.
    let (status, _) = server
        .delete(
            &format!("/api/v1/conversations/{room}/participants/{bob_id}"),
            &ann,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        fetch(server, &path, Some(&bob), None).await.status(),
        StatusCode::NOT_FOUND
    );

    // Deleting the message deletes its file, bytes included.
    let files_before_delete = stored();
    let message = sent["data"]["id"].as_i64().unwrap();
    let (status, _) = server
        .delete(
            &format!("/api/v1/conversations/{room}/messages/{message}"),
            &ann,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        fetch(server, &path, Some(&ann), None).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        stored(),
        files_before_delete - 1,
        "the bytes are gone from the store"
    );
}
