//! Verifying emails, with a real SMTP server (aiosmtpd) receiving what the server sends: the
//! link of registration and of an email change, the resend limit, the setting that makes
//! verification required, and a mail server outage that delays mail and loses none.

use std::time::Duration;

use confab_tests::smtp::{SmtpServer, token_in};
use confab_tests::{Backend, SharedDatabase, TestServer, free_port, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::mail_support::{MAIL_WAIT, anonymous, with_mail};

on_both_backends!(
    registration_mails_a_link_that_verifies_once_and_a_new_email_needs_it_again,
    a_mail_server_outage_delays_mail_and_loses_none,
    unverified_accounts_may_not_send_where_the_server_requires_it,
);

async fn registration_mails_a_link_that_verifies_once_and_a_new_email_needs_it_again(
    backend: &Backend,
) {
    let Some(smtp) = SmtpServer::start().await else {
        return;
    };
    let database = SharedDatabase::create(backend).await;
    let server = with_mail(&database, &smtp).await;
    let (_, token) = server.register("Ann Lee").await;
    let (_, me) = server.get("/api/v1/user/me", &token).await;
    assert_eq!(me["data"]["email_verified_at"], Value::Null);

    let mail = smtp.wait_for("ann.lee@example.com", 1, MAIL_WAIT).await;
    assert!(
        mail.contains("Subject: Verify your email address"),
        "{mail}"
    );
    assert!(
        mail.contains("From: \"Confab Tests\" <confab@example.com>")
            || mail.contains("From: Confab Tests <confab@example.com>"),
        "{mail}"
    );
    assert!(
        mail.contains("https://chat.example.com/#verify-email?token="),
        "the link opens the page: {mail}"
    );
    let code = token_in(&mail);
    assert_eq!(code.len(), 64);

    let (status, body) = anonymous(
        &server,
        "/api/v1/user/email/verify",
        json!({"token": "f".repeat(64)}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        body["errors"]["token"][0],
        "This verification link is invalid or has expired."
    );

    let (status, body) =
        anonymous(&server, "/api/v1/user/email/verify", json!({"token": code})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["message"], "Email verified.");
    assert!(body["data"]["email_verified_at"].is_string(), "{body}");
    let (_, me) = server.get("/api/v1/user/me", &token).await;
    assert_eq!(
        me["data"]["email_verified_at"],
        body["data"]["email_verified_at"]
    );
    let (status, _) = anonymous(&server, "/api/v1/user/email/verify", json!({"token": code})).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a link works once"
    );
    let (status, body) = server
        .post("/api/v1/user/email/resend", &token, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["message"], "Your email address is already verified.");

    // A new email: taken ones are refused; a free one is unverified until its own link.
    server.register("Bob Stone").await;
    let (status, body) = server
        .patch(
            "/api/v1/user/me",
            &token,
            json!({"email": "Bob.Stone@example.com"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        body["errors"]["email"][0],
        "The email has already been taken."
    );
    let (status, body) = server
        .patch(
            "/api/v1/user/me",
            &token,
            json!({"email": "ann@new.example.com", "name": null}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["email"], "ann@new.example.com");
    assert_eq!(body["data"]["name"], "Ann Lee", "null leaves the name");
    assert_eq!(body["data"]["email_verified_at"], Value::Null);
    let second = smtp.wait_for("ann@new.example.com", 1, MAIL_WAIT).await;
    let (status, body) = server
        .post("/api/v1/user/email/resend", &token, json!({}))
        .await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "one a minute: {body}"
    );
    let (status, body) = anonymous(
        &server,
        "/api/v1/user/email/verify",
        json!({"token": token_in(&second)}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["email"], "ann@new.example.com");

    // A link of an address the account has left proves nothing.
    let (status, _) = server
        .patch(
            "/api/v1/user/me",
            &token,
            json!({"email": "ann@third.example.com"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let third = smtp.wait_for("ann@third.example.com", 1, MAIL_WAIT).await;
    server
        .patch(
            "/api/v1/user/me",
            &token,
            json!({"email": "ann@fourth.example.com"}),
        )
        .await;
    let (status, _) = anonymous(
        &server,
        "/api/v1/user/email/verify",
        json!({"token": token_in(&third)}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, login) = anonymous(
        &server,
        "/api/v1/user/login",
        json!({"email": "ann@fourth.example.com", "password": "secret-password"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{login}");
}

async fn a_mail_server_outage_delays_mail_and_loses_none(backend: &Backend) {
    let port = free_port();
    let Some(smtp) = SmtpServer::start_on(port).await else {
        return;
    };
    let database = SharedDatabase::create(backend).await;
    let url = smtp.url();
    let env = [
        ("CONFAB_SMTP_URL", url.as_str()),
        ("CONFAB_METRICS_TOKEN", crate::metrics::TOKEN),
    ];
    let server = TestServer::start_on(&database, &env).await;
    smtp.stop().await;
    // The change commits while the mail server is down.
    let (status, body) = server
        .call(
            Method::POST,
            "/api/v1/user/register",
            None,
            Some(json!({"name": "Ann", "email": "ann@example.com", "password": "secret-password"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let smtp = SmtpServer::start_on(port).await.expect("aiosmtpd again");
    // The first retry comes 10 s after the first failure.
    let mail = smtp
        .wait_for("ann@example.com", 1, Duration::from_secs(40))
        .await;
    let (status, _) = anonymous(
        &server,
        "/api/v1/user/email/verify",
        json!({"token": token_in(&mail)}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(smtp.mails_to("ann@example.com").len(), 1, "sent once");
    // What an operator sees: the failed attempt, then the one mail sent.
    let samples = crate::metrics::scrape(&server).await;
    assert!(crate::metrics::value(&samples, "confab_mail_failures_total") >= 1.0);
    assert_eq!(
        crate::metrics::value(&samples, "confab_mail_sent_total"),
        1.0
    );
}

async fn unverified_accounts_may_not_send_where_the_server_requires_it(backend: &Backend) {
    let Some(smtp) = SmtpServer::start().await else {
        return;
    };
    let database = SharedDatabase::create(backend).await;
    let server = TestServer::start_on(
        &database,
        &[
            ("CONFAB_SMTP_URL", smtp.url().as_str()),
            ("CONFAB_REQUIRE_VERIFIED_EMAIL", "true"),
        ],
    )
    .await;
    let (_, ann) = server.register("Ann Lee").await;
    let (bob, _) = server.register("Bob Stone").await;
    let room = server.group(&ann, "Room", &[bob]).await;
    let path = format!("/api/v1/conversations/{room}/messages");
    let (status, body) = server.post(&path, &ann, json!({"body": "hi"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["message"], "Your email address is not verified.");
    let mail = smtp.wait_for("ann.lee@example.com", 1, MAIL_WAIT).await;
    anonymous(
        &server,
        "/api/v1/user/email/verify",
        json!({"token": token_in(&mail)}),
    )
    .await;
    let (status, body) = server.post(&path, &ann, json!({"body": "hi"})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}
