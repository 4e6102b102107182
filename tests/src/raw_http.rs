//! Requests no client library would send (a 2 MiB `Content-Length` with a few bytes, a 70 KB URL,
//! a NUL in a header), written byte for byte on a connection of their own.

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::TestServer;

impl TestServer {
    /// Sends `request` as is and reads the answer until the server closes the connection:
    /// `(status, head, body)`.
    pub async fn raw(&self, request: &[u8]) -> (u16, String, String) {
        let address = self.base_url.trim_start_matches("http://");
        let mut stream = tokio::net::TcpStream::connect(address)
            .await
            .expect("connect");
        stream.write_all(request).await.expect("request written");
        let mut answer = Vec::new();
        let read = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            stream.read_to_end(&mut answer),
        );
        read.await.expect("answer in time").expect("answer read");
        let answer = String::from_utf8_lossy(&answer).into_owned();
        let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .expect("a status line");
        (status, head.to_owned(), body.to_owned())
    }
}
