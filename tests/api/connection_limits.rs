//! What the HTTP layer answers before any handler runs, on both databases: requests hyper cannot
//! parse get the document's JSON error body (414, 431, 400), and connections that send nothing,
//! or a header a byte at a time, are closed after the configured timeouts.

use std::time::{Duration, Instant};

use confab_tests::{Backend, TestServer, on_both_backends};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

on_both_backends!(
    unparsable_requests_are_answered_in_json,
    silent_and_slow_connections_are_closed,
);

async fn connect(server: &TestServer) -> TcpStream {
    TcpStream::connect(server.base_url.trim_start_matches("http://"))
        .await
        .expect("connect")
}

/// Sends `request` as is; the status and the JSON body of the answer, which must say it is JSON.
async fn answer(server: &TestServer, request: &[u8]) -> (u16, serde_json::Value) {
    let (status, head, body) = server.raw(request).await;
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{head}"
    );
    let body = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body:?}"));
    (status, body)
}

async fn unparsable_requests_are_answered_in_json(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let long_url = format!(
        "GET /api/v1/users?search={} HTTP/1.1\r\nHost: x\r\n\r\n",
        "a".repeat(70_000)
    );
    let many_headers: String = (0..200).map(|i| format!("X-Header-{i}: {i}\r\n")).collect();
    let huge_header = format!("X-Big: {}\r\n", "b".repeat(600_000));
    let cases: [(Vec<u8>, u16, &str); 4] = [
        (long_url.into_bytes(), 414, "URL"),
        (
            format!("GET /health HTTP/1.1\r\nHost: x\r\n{many_headers}\r\n").into_bytes(),
            431,
            "headers",
        ),
        (
            format!("GET /health HTTP/1.1\r\nHost: x\r\n{huge_header}\r\n").into_bytes(),
            431,
            "headers",
        ),
        (
            b"GET /health HTTP/1.1\r\nHost: x\r\nX-Nul: a\0b\r\n\r\n".to_vec(),
            400,
            "header",
        ),
    ];
    for (request, status, word) in cases {
        let (answered, body) = answer(&server, &request).await;
        assert_eq!(answered, status, "{body}");
        assert_eq!(body["status"], false, "{body}");
        assert!(body["message"].as_str().unwrap().contains(word), "{body}");
    }
    // The server is still fine.
    let health = server
        .client
        .get(server.url("/health"))
        .send()
        .await
        .unwrap();
    assert!(health.status().is_success());
}

/// Reads until the server closes the connection; how long that took.
async fn closed_after(stream: &mut TcpStream) -> Duration {
    let started = Instant::now();
    let mut sink = Vec::new();
    tokio::time::timeout(Duration::from_secs(15), stream.read_to_end(&mut sink))
        .await
        .expect("the server closes the connection")
        .expect("a clean close");
    started.elapsed()
}

async fn silent_and_slow_connections_are_closed(backend: &Backend) {
    let server = TestServer::start_with(
        backend,
        &[
            ("CONFAB_HEADER_READ_TIMEOUT", "2"),
            ("CONFAB_IDLE_TIMEOUT", "5"),
        ],
    )
    .await;
    // Nothing sent: closed after the idle timeout.
    let mut silent = connect(&server).await;
    let waited = closed_after(&mut silent).await;
    assert!(waited >= Duration::from_millis(4_500), "{waited:?}");

    // A head that never ends, a header line every half second: closed after the header-read
    // timeout, although it never went quiet for anywhere near the idle timeout.
    let (mut reader, mut writer) = connect(&server).await.into_split();
    let drip = tokio::spawn(async move {
        writer.write_all(b"GET /health HTTP/1.1\r\n").await?;
        loop {
            tokio::time::sleep(Duration::from_millis(500)).await;
            writer.write_all(b"X-Slow: y\r\n").await?;
        }
        #[allow(unreachable_code)]
        Ok::<(), std::io::Error>(())
    });
    let started = Instant::now();
    let mut sink = Vec::new();
    tokio::time::timeout(Duration::from_secs(15), reader.read_to_end(&mut sink))
        .await
        .expect("the slow connection is closed")
        .expect("a clean close");
    let waited = started.elapsed();
    assert!(waited < Duration::from_millis(4_500), "{waited:?}");
    drip.abort();

    // A kept-alive connection: a request is answered, then the quiet connection is closed.
    let mut kept = connect(&server).await;
    kept.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut first = [0u8; 12];
    kept.read_exact(&mut first).await.unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    let waited = closed_after(&mut kept).await;
    assert!(waited >= Duration::from_millis(4_000), "{waited:?}");
}
