//! The learning README's HTTP endpoints: `POST /api/login` and envelopes at `POST /api/messages`.

use confab_tests::{Backend, TestServer, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::json;

on_both_backends!(
    the_readme_login_and_ping_curls_get_documented_answers,
    an_envelope_message_is_stored_under_the_api_rules,
);

async fn the_readme_login_and_ping_curls_get_documented_answers(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (me, _) = server.register("You There").await;
    let (status, login) = server
        .call(
            Method::POST,
            "/api/login",
            None,
            Some(json!({"email": "you.there@example.com", "password": "secret-password"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{login}");
    let token = login["token"]
        .as_str()
        .expect("the response contains `token`");
    assert_eq!(login["token_type"], "Bearer");
    assert_eq!(login["user"]["id"], me);

    // The README's curl, verbatim body.
    let (status, ack) = server
        .post(
            "/api/messages",
            token,
            json!({"type":"ping","to":"channel:global","payload":{}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    assert_eq!(ack["type"], "ack");
    assert_eq!(ack["from"], "server");
    assert_eq!(ack["to"], format!("user:{me}"));
    assert!(ack["ts"].as_i64().unwrap() > 1_700_000_000);
    let id = ack["id"]
        .as_str()
        .expect("an id is assigned when the client sends none");
    assert_eq!(ack["payload"]["ack"], id);

    let (_, echoed) = server
        .post(
            "/api/messages",
            token,
            json!({"id": "abc", "type": "ping", "from": "user:999", "payload": {}}),
        )
        .await;
    assert_eq!(echoed["id"], "abc", "the id is echoed");
    assert_eq!(echoed["payload"]["ack"], "abc");

    let (status, wrong) = server
        .call(
            Method::POST,
            "/api/login",
            None,
            Some(json!({"email": "you.there@example.com", "password": "nope-nope"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong["status"], false);
}

async fn an_envelope_message_is_stored_under_the_api_rules(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (_, ann) = server.register("Ann Lee").await;
    let (bob, bob_token) = server.register("Bob Stone").await;
    let room = server.group(&ann, "Team Chat", &[bob]).await;

    let (status, stored) = server
        .post(
            "/api/messages",
            &ann,
            json!({"id": "m1", "type": "message", "to": format!("conversation:{room}"), "payload": {"text": "hello"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{stored}");
    assert_eq!(stored["payload"]["ack"], "m1");
    let message = &stored["payload"]["message"];
    assert_eq!(message["body"], "hello");
    assert_eq!(message["conversation_id"], room);
    let (_, history) = server
        .get(
            &format!("/api/v1/conversations/{room}/messages"),
            &bob_token,
        )
        .await;
    assert_eq!(
        history["data"][0], *message,
        "the same object the API lists"
    );

    // To a user: the direct chat, made on first use.
    let (status, direct) = server
        .post(
            "/api/messages",
            &ann,
            json!({"type": "message", "to": format!("user:{bob}"), "payload": {"text": "psst"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{direct}");
    let (_, list) = server.get("/api/v1/conversations", &bob_token).await;
    assert!(
        list["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["type"] == "direct" && c["last_message"]["body"] == "psst")
    );

    for (body, expected) in [
        (
            json!({"type": "message", "to": "conversation:999999", "payload": {"text": "x"}}),
            StatusCode::NOT_FOUND,
        ),
        (
            json!({"type": "message", "to": format!("conversation:{room}"), "payload": {"text": "  "}}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"type": "message", "payload": {"text": "x"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"type": "message", "to": "channel:global", "payload": {"text": "x"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"type": "join", "to": "channel:global"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (json!({"type": "ack"}), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({"type": "shout"}), StatusCode::UNPROCESSABLE_ENTITY),
        (
            json!({"type": "ping", "to": "room:1"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"type": "ping", "payload": "text"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let (status, refused) = server.post("/api/messages", &ann, body.clone()).await;
        assert_eq!(status, expected, "{body}: {refused}");
        assert_eq!(refused["status"], false, "{body}");
    }

    let schema: serde_json::Value = server
        .client
        .get(server.url("/schemas/envelope.schema.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let committed: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../schemas/envelope.schema.json"
        ))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(schema, committed);
}
