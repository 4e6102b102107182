//! What the mail suites share: a server pointed at the test SMTP server, and requests without a
//! token or from another client address.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use confab_tests::smtp::SmtpServer;
use confab_tests::{SharedDatabase, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// Mail leaves within a second of its change; a generous bound for a loaded machine.
pub const MAIL_WAIT: Duration = Duration::from_secs(15);

pub fn email_of(name: &str) -> String {
    format!("{}@example.com", name.to_lowercase().replace(' ', "."))
}

pub async fn with_mail(database: &SharedDatabase, smtp: &SmtpServer) -> TestServer {
    TestServer::start_on(
        database,
        &[
            ("CONFAB_SMTP_URL", smtp.url().as_str()),
            ("CONFAB_MAIL_FROM", "Confab Tests <confab@example.com>"),
            ("CONFAB_PUBLIC_URL", "https://chat.example.com"),
        ],
    )
    .await
}

pub async fn anonymous(server: &TestServer, path: &str, body: Value) -> (StatusCode, Value) {
    server.call(Method::POST, path, None, Some(body)).await
}

/// A client whose requests come from `127.0.0.{n}` (the throttles count per client address).
pub fn source_client(n: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, n)))
        .build()
        .unwrap()
}
