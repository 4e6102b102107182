//! Inputs that used to break things answer with a documented 422 (or an empty page), the same on
//! SQLite and PostgreSQL: NUL characters in stored or searched text, oversized `user_ids`, and a
//! page number past any possible offset, a number or boolean where the document says string.

use confab_tests::{Backend, TestServer, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

on_both_backends!(
    nul_characters_are_refused_naming_the_field,
    more_than_a_thousand_user_ids_are_refused_before_any_lookup,
    a_page_past_any_offset_is_an_empty_page,
    a_text_field_takes_only_a_json_string,
);

fn assert_refused(status: StatusCode, body: &Value, field: &str) {
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["status"], false, "{body}");
    let reasons = body["errors"][field].as_array();
    assert!(
        reasons.is_some_and(|r| r
            .iter()
            .any(|m| m.as_str().unwrap_or("").contains("NUL") || field == "user_ids")),
        "{field}: {body}"
    );
}

async fn nul_characters_are_refused_naming_the_field(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (_, token) = server.register("Ann Lee").await;
    let room = server.group(&token, "Team", &[]).await;
    let (status, body) = server
        .post(
            &format!("/api/v1/conversations/{room}/messages"),
            &token,
            json!({"body": "a\u{0}b"}),
        )
        .await;
    assert_refused(status, &body, "body");
    let (status, body) = server
        .post(
            "/api/v1/conversations",
            &token,
            json!({"type": "group", "name": "x\u{0}y", "user_ids": []}),
        )
        .await;
    assert_refused(status, &body, "name");
    for (field, name, email) in [
        ("name", "Nul\u{0}Name", "nul.name@example.com"),
        ("email", "Nul Email", "nul\u{0}@example.com"),
    ] {
        let (status, body) = server
            .call(
                Method::POST,
                "/api/v1/user/register",
                None,
                Some(json!({"name": name, "email": email, "password": "secret-password"})),
            )
            .await;
        assert_refused(status, &body, field);
    }
    let (status, body) = server.get("/api/v1/users?search=a%00b", &token).await;
    assert_refused(status, &body, "search");
    // Nothing was stored by the refusals.
    let (_, history) = server
        .get(&format!("/api/v1/conversations/{room}/messages"), &token)
        .await;
    assert_eq!(history["meta"]["total"], 0);
}

async fn more_than_a_thousand_user_ids_are_refused_before_any_lookup(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (_, token) = server.register("Ann Lee").await;
    let room = server.group(&token, "Team", &[]).await;
    let many: Vec<i64> = (1_000_000..1_001_001).collect();
    for (path, body) in [
        (
            "/api/v1/conversations".to_owned(),
            json!({"type": "group", "name": "Big", "user_ids": many}),
        ),
        (
            format!("/api/v1/conversations/{room}/invite"),
            json!({"user_ids": many}),
        ),
    ] {
        let (status, body) = server.post(&path, &token, body).await;
        assert_refused(status, &body, "user_ids");
        assert!(
            body["errors"]["user_ids"][0]
                .as_str()
                .unwrap()
                .contains("1000"),
            "{body}"
        );
    }
}

async fn a_page_past_any_offset_is_an_empty_page(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (_, token) = server.register("Ann Lee").await;
    server.register("Bob Stone").await;
    let (status, body) = server
        .get(
            "/api/v1/users?page=9223372036854775807&per_page=100",
            &token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"], json!([]));
    assert_eq!(body["meta"]["total"], 1);
}

/// The document says `body`, `name` and `password` are strings: `false` or `7` is refused, not
/// stored as the text "false" (schemathesis found a message stored that way).
async fn a_text_field_takes_only_a_json_string(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (_, token) = server.register("Ann Lee").await;
    let room = server.group(&token, "Team", &[]).await;
    for body in [json!({"body": false}), json!({"body": 7})] {
        let (status, answer) = server
            .post(
                &format!("/api/v1/conversations/{room}/messages"),
                &token,
                body,
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert_eq!(answer["status"], false, "{answer}");
    }
    let (status, answer) = server
        .post(
            "/api/v1/conversations",
            &token,
            json!({"type": "group", "name": false}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    let (status, answer) = server
        .call(
            Method::POST,
            "/api/v1/user/login",
            None,
            Some(json!({"email": "ann@example.com", "password": 12345678})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    let (_, history) = server
        .get(&format!("/api/v1/conversations/{room}/messages"), &token)
        .await;
    assert_eq!(history["meta"]["total"], 0);
}
