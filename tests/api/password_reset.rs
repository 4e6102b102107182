//! Forgotten passwords, with a real SMTP server (aiosmtpd): a reset code works once, for an hour,
//! with its email, and ends every session; "forgot password" tells nothing about which emails
//! have accounts, and cannot be used to flood an inbox or scan.

use std::time::{Duration, Instant};

use confab_tests::pusher::PusherClient;
use confab_tests::smtp::{SmtpServer, token_in};
use confab_tests::{Backend, SharedDatabase, TestServer, on_both_backends};
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use sha2::Digest;

use crate::mail_support::{MAIL_WAIT, anonymous, email_of, source_client, with_mail};

on_both_backends!(
    a_reset_code_works_once_for_an_hour_and_ends_every_session,
    forgot_password_tells_nothing_about_which_emails_exist,
);

async fn forgot(server: &TestServer, email: &str) -> (StatusCode, Value) {
    anonymous(
        server,
        "/api/v1/user/password/forgot",
        json!({"email": email}),
    )
    .await
}

async fn reset(
    server: &TestServer,
    email: &str,
    code: &str,
    password: &str,
) -> (StatusCode, Value) {
    anonymous(
        server,
        "/api/v1/user/password/reset",
        json!({"email": email, "token": code, "password": password}),
    )
    .await
}

async fn a_reset_code_works_once_for_an_hour_and_ends_every_session(backend: &Backend) {
    let Some(smtp) = SmtpServer::start().await else {
        return;
    };
    let database = SharedDatabase::create(backend).await;
    let server = with_mail(&database, &smtp).await;
    let (ann, first) = server.register("Ann Lee").await;
    let email = email_of("Ann Lee");
    let (_, second) = anonymous(
        &server,
        "/api/v1/user/login",
        json!({"email": email, "password": "secret-password"}),
    )
    .await;
    let second = second["data"]["token"].as_str().unwrap().to_owned();
    smtp.wait_for(&email, 1, MAIL_WAIT).await; // the verification mail

    let (status, _) = forgot(&server, "ANN.LEE@example.com").await;
    assert_eq!(status, StatusCode::OK);
    let mail = smtp.wait_for(&email, 2, MAIL_WAIT).await;
    assert!(mail.contains("Subject: Reset your password"), "{mail}");
    assert!(
        mail.contains(
            "https://chat.example.com/#reset-password?email=ann.lee%40example.com&token="
        ),
        "{mail}"
    );
    let code = token_in(&mail);
    // Only the code's SHA-256 is stored: a copy of the database holds no usable code.
    let db = sea_orm::Database::connect(&database.url).await.unwrap();
    let stored: Vec<String> = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT token_hash FROM account_tokens",
        ))
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get::<String>("", "token_hash").unwrap())
        .collect();
    assert!(!stored.contains(&code), "{stored:?}");
    assert!(stored.contains(&hex::encode(sha2::Sha256::digest(code.as_bytes()))));

    let (status, body) = reset(&server, &email, &"0".repeat(64), "brand new secret").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["errors"]["token"][0],
        "This password reset token is invalid."
    );
    let (status, _) = reset(&server, "bob@example.com", &code, "brand new secret").await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the code goes with its email"
    );
    // A socket her first session signed for is closed by the reset, as by a logout.
    let mut socket = PusherClient::connect(&server).await;
    let channel = format!("private-user.{ann}");
    assert_eq!(socket.subscribe(&server, &first, &channel).await, 200);
    let (status, body) = reset(&server, &email, &code, "brand new secret").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let told = socket.next_event().await.expect("told why");
    assert_eq!(
        (told.event.as_str(), &told.data["code"]),
        ("pusher:error", &json!(4009))
    );
    assert!(socket.next_event().await.is_none(), "then closed");
    assert_eq!(
        body,
        json!({"status": true, "message": "Your password has been reset."})
    );
    for token in [&first, &second] {
        assert_eq!(
            server.get("/api/v1/user/me", token).await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    let (status, _) = anonymous(
        &server,
        "/api/v1/user/login",
        json!({"email": email, "password": "secret-password"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the old password is gone");
    let (status, _) = anonymous(
        &server,
        "/api/v1/user/login",
        json!({"email": email, "password": "brand new secret"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = reset(&server, &email, &code, "another secret").await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a code works once"
    );

    // A code past its hour is refused (the hour is moved back in the database).
    server.register("Cy Late").await;
    let late = email_of("Cy Late");
    let (status, _) = forgot_from(&source_client(2), &server, &late).await;
    assert_eq!(status, StatusCode::OK);
    let expired = smtp.wait_for(&late, 2, MAIL_WAIT).await;
    db.execute_unprepared("UPDATE account_tokens SET expires_at = created_at")
        .await
        .unwrap();
    // From another address: this one has made its five reset requests of the minute.
    let refused = source_client(3)
        .post(server.url("/api/v1/user/password/reset"))
        .json(&json!({"email": late, "token": token_in(&expired), "password": "late secret"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        refused.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "an expired code"
    );
}

async fn forgot_from(
    client: &reqwest::Client,
    server: &TestServer,
    email: &str,
) -> (StatusCode, Value) {
    let response = client
        .post(server.url("/api/v1/user/password/forgot"))
        .json(&json!({"email": email}))
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

async fn forgot_password_tells_nothing_about_which_emails_exist(backend: &Backend) {
    let Some(smtp) = SmtpServer::start().await else {
        return;
    };
    let database = SharedDatabase::create(backend).await;
    let server = with_mail(&database, &smtp).await;
    const ROUNDS: u8 = 9;
    for n in 0..ROUNDS {
        server.register(&format!("Known {n}")).await;
    }
    // Known and unknown emails in turn, each from its own address (one address may ask five
    // times a minute): the same status and body, in the same time.
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    let mut answers = Vec::new();
    for n in 0..ROUNDS {
        for (exists, times) in [(true, &mut known), (false, &mut unknown)] {
            let email = if exists {
                email_of(&format!("Known {n}"))
            } else {
                format!("nobody{n}@example.com")
            };
            let client = source_client(10 + n * 2 + u8::from(exists));
            let started = Instant::now();
            let answer = forgot_from(&client, &server, &email).await;
            times.push(started.elapsed());
            answers.push(answer);
        }
    }
    let first = answers[0].clone();
    assert_eq!(first.0, StatusCode::OK);
    assert_eq!(
        first.1["message"],
        "If an account with that email exists, we have sent it a password reset link."
    );
    assert!(answers.iter().all(|answer| *answer == first), "{answers:?}");
    let (known, unknown) = (median(known), median(unknown));
    let ratio = known.as_secs_f64() / unknown.as_secs_f64();
    assert!(
        (0.5..2.0).contains(&ratio),
        "known {known:?} against unknown {unknown:?}"
    );
    // Only the known got mail (each a verification mail and a reset mail).
    for n in 0..ROUNDS {
        smtp.wait_for(&email_of(&format!("Known {n}")), 2, MAIL_WAIT)
            .await;
    }
    assert!(smtp.mails_to("nobody0@example.com").is_empty());

    // One email asked for again: the same answer, and no second mail within the minute.
    let client = source_client(200);
    let again = forgot_from(&client, &server, &email_of("Known 0")).await;
    assert_eq!(again, first);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(smtp.mails_to(&email_of("Known 0")).len(), 2, "no flood");
    // One address asking for many emails: the sixth within a minute is 429.
    let client = source_client(201);
    for n in 0..5 {
        assert_eq!(
            forgot_from(&client, &server, &format!("scan{n}@example.com")).await,
            first
        );
    }
    let response = client
        .post(server.url("/api/v1/user/password/forgot"))
        .json(&json!({"email": "scan5@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers().contains_key("retry-after"));
}
