//! Avatars end to end, on both databases and on both stores: a picture becomes a public,
//! cacheable 256 px and 64 px square without its metadata, every user object names it, the
//! rooms are told live, a replaced or removed picture's URL is gone, and what is no picture is
//! refused.

use confab_tests::pusher::PusherClient;
use confab_tests::s3::S3Server;
use confab_tests::{Backend, TestServer, on_both_backends};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::attachments::{BOUNDARY, multipart};

on_both_backends!(
    an_avatar_is_public_cached_and_shown_everywhere,
    an_avatar_lives_on_s3_too,
);

/// A 1×1 PNG with a half-transparent pixel (so its avatar is a PNG) and a text chunk standing
/// for the metadata a picture may carry, written out chunk by chunk.
fn pixel_with_metadata() -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut typed = kind.to_vec();
        typed.extend_from_slice(data);
        png.extend_from_slice(&typed);
        png.extend_from_slice(&crc32(&typed).to_be_bytes());
    };
    // 1×1, 8 bits, RGBA.
    chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]);
    chunk(b"tEXt", b"Comment\0GPS-SECRET 52.52 N");
    // One scanline (filter 0, then the pixel) in a stored zlib block.
    let raw = [0u8, 200, 30, 30, 128];
    let mut zlib = vec![0x78, 0x01, 0x01, 5, 0, 0xFA, 0xFF];
    zlib.extend_from_slice(&raw);
    zlib.extend_from_slice(&adler32(&raw).to_be_bytes());
    chunk(b"IDAT", &zlib);
    chunk(b"IEND", &[]);
    png
}

fn adler32(bytes: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for byte in bytes {
        a = (a + u32::from(*byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

async fn set_avatar(server: &TestServer, token: &str, bytes: &[u8]) -> (StatusCode, Value) {
    let response = server
        .client
        .put(server.url("/api/v1/user/avatar"))
        .bearer_auth(token)
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(multipart("me.png", bytes))
        .send()
        .await
        .expect("sent");
    let status = response.status();
    (status, response.json().await.expect("JSON"))
}

/// The picture at `url` (relative to the server without `CONFAB_PUBLIC_URL`) without any
/// credentials, with its headers.
async fn picture(
    server: &TestServer,
    url: &str,
) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let url = if url.starts_with('/') {
        server.url(url)
    } else {
        url.to_owned()
    };
    let response = reqwest::get(url).await.expect("fetched");
    let status = response.status();
    let headers = response.headers().clone();
    (
        status,
        headers,
        response.bytes().await.expect("body").to_vec(),
    )
}

fn png_width(bytes: &[u8]) -> u32 {
    assert!(bytes.starts_with(b"\x89PNG"), "not a PNG");
    u32::from_be_bytes(bytes[16..20].try_into().unwrap())
}

async fn an_avatar_is_public_cached_and_shown_everywhere(backend: &Backend) {
    let server = TestServer::start(backend).await;
    avatars_work(&server).await;
}

async fn an_avatar_lives_on_s3_too(backend: &Backend) {
    let Some(s3) = S3Server::start().await else {
        return;
    };
    let env = s3.confab_env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server = TestServer::start_with(backend, &env).await;
    avatars_work(&server).await;
}

async fn avatars_work(server: &TestServer) {
    let (ann, ann_token) = server.register("Ann Lee").await;
    let (bob, bob_token) = server.register("Bob Stone").await;
    let room = server.group(&ann_token, "Team", &[bob]).await;
    let (_, me) = server.get("/api/v1/user/me", &ann_token).await;
    assert_eq!(me["data"]["avatar_url"], Value::Null, "none until set");

    let mut bob_hears = PusherClient::connect(server).await;
    let channel = format!("private-conversation.{room}");
    assert_eq!(bob_hears.subscribe(server, &bob_token, &channel).await, 200);

    let (status, set) = set_avatar(server, &ann_token, &pixel_with_metadata()).await;
    assert_eq!(status, StatusCode::OK, "{set}");
    let url = set["data"]["avatar_url"]
        .as_str()
        .expect("a URL")
        .to_owned();
    assert!(
        url.contains(&format!("/api/v1/avatars/{ann}-")) && url.ends_with(".png"),
        "{url}"
    );
    let told = bob_hears.next_named("user.updated").await;
    assert_eq!(
        told,
        json!({"user": {"id": ann, "name": "Ann Lee", "avatar_url": url}})
    );

    // Public, cached for good, re-encoded without the metadata, at both sizes.
    let (status, headers, large) = picture(server, &url).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(
        headers["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(png_width(&large), 256);
    assert!(
        !large.windows(10).any(|w| w == b"GPS-SECRET"),
        "metadata survived"
    );
    let (_, _, small) = picture(server, &format!("{url}?size=64")).await;
    assert_eq!(png_width(&small), 64);
    let (status, _, _) = picture(server, &format!("{url}?size=100")).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "only 256 and 64 are kept"
    );

    // Every user object names it: message authors, participants, the room's creator.
    let sent = server.send(&ann_token, room, "hello").await;
    assert_eq!(sent["user"]["avatar_url"], url.as_str());
    let (_, seen) = server
        .get(&format!("/api/v1/conversations/{room}"), &bob_token)
        .await;
    assert_eq!(seen["data"]["created_by"]["avatar_url"], url.as_str());
    let participant = seen["data"]["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == ann)
        .cloned()
        .unwrap();
    assert_eq!(participant["avatar_url"], url.as_str());
    let (_, page) = server
        .get(
            &format!("/api/v1/conversations/{room}/messages"),
            &bob_token,
        )
        .await;
    assert_eq!(page["data"][0]["user"]["avatar_url"], url.as_str());

    // What is no picture is refused, and the avatar stays.
    let (status, refused) = set_avatar(server, &ann_token, b"<svg onload=alert(1)>").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(
        refused["errors"]["file"],
        json!(["The file must be a JPEG, PNG, GIF or WebP image."])
    );
    let (_, me) = server.get("/api/v1/user/me", &ann_token).await;
    assert_eq!(me["data"]["avatar_url"], url.as_str());

    // Removed: null everywhere, the room told, the old URL gone.
    let (status, removed) = server.delete("/api/v1/user/avatar", &ann_token).await;
    assert_eq!(status, StatusCode::OK, "{removed}");
    assert_eq!(removed["data"]["avatar_url"], Value::Null);
    let told = bob_hears.next_named("user.updated").await;
    assert_eq!(told["user"]["avatar_url"], Value::Null);
    let (status, _, _) = picture(server, &url).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = picture(server, "/api/v1/avatars/..%2F..%2Fetc.png").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
