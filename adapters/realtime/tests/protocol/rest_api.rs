//! The Pusher HTTP API: signature checks first, then every endpoint.

use std::time::Duration;

use confab_domain::{Channel, ConversationId, UserId};
use serde_json::{Value, json};

use crate::helpers::{Ending, TestServer, data, eventually, http, signed_url, spawn, user};

const QUIET: Duration = Duration::from_millis(200);

async fn post(server: &TestServer, path: &str, body: &Value) -> (u16, Value) {
    let body = body.to_string();
    let url = server.signed("POST", path, &[], &body);
    let response = http().post(url).body(body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn get(server: &TestServer, path: &str, query: &[(&str, &str)]) -> (u16, Value) {
    let url = server.signed("GET", path, query, "");
    let response = http().get(url).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_signed_event_reaches_every_channel_named() {
    let server = spawn().await;
    let mut one = server.connect().await;
    let mut two = server.connect().await;
    one.subscribe("alpha", None, None).await;
    one.next_event().await;
    two.subscribe("beta", None, None).await;
    two.next_event().await;
    let (status, body) = post(
        &server,
        "/apps/confab/events",
        &json!({"name": "news", "data": "{\"n\":1}", "channels": ["alpha", "beta"]}),
    )
    .await;
    assert_eq!((status, body), (200, json!({})));
    for (client, channel) in [(&mut one, "alpha"), (&mut two, "beta")] {
        let frame = client.next_event().await;
        assert_eq!(frame["event"], "news");
        assert_eq!(frame["channel"], channel);
        assert_eq!(data(&frame), json!({"n": 1}));
    }
}

#[tokio::test]
async fn the_socket_id_of_an_event_is_left_out() {
    let server = spawn().await;
    let mut sender = server.connect().await;
    let mut reader = server.connect().await;
    for client in [&mut sender, &mut reader] {
        client.subscribe("alpha", None, None).await;
        client.next_event().await;
    }
    let event =
        json!({"name": "news", "data": "{}", "channel": "alpha", "socket_id": sender.socket_id});
    assert_eq!(post(&server, "/apps/confab/events", &event).await.0, 200);
    assert_eq!(reader.next_event().await["event"], "news");
    sender.expect_silence(QUIET).await;
}

#[tokio::test]
async fn a_request_with_a_bad_signature_is_rejected_with_401() {
    let server = spawn().await;
    let body = json!({"name": "x", "data": "{}", "channel": "alpha"}).to_string();
    let now = chrono::Utc::now().timestamp();
    let url = signed_url(
        &server,
        "POST",
        "/apps/confab/events",
        &[],
        &body,
        "wrong-secret",
        now,
    );
    let response = http().post(url).body(body).send().await.unwrap();
    assert_eq!(response.status(), 401);
    let error: Value = response.json().await.unwrap();
    assert!(error["error"].is_string());
}

#[tokio::test]
async fn a_request_with_a_stale_timestamp_is_rejected_with_401() {
    let server = spawn().await;
    let stale = chrono::Utc::now().timestamp() - 601;
    let url = signed_url(
        &server,
        "GET",
        "/apps/confab/connections",
        &[],
        "",
        "confab-secret",
        stale,
    );
    assert_eq!(http().get(url).send().await.unwrap().status(), 401);
    // Timestamps at the ends of i64 are stale too (and must not overflow the check).
    for extreme in [i64::MIN, i64::MAX] {
        let url = signed_url(
            &server,
            "GET",
            "/apps/confab/connections",
            &[],
            "",
            "confab-secret",
            extreme,
        );
        assert_eq!(
            http().get(url).send().await.unwrap().status(),
            401,
            "{extreme}"
        );
    }
    let fresh = chrono::Utc::now().timestamp() - 590;
    let url = signed_url(
        &server,
        "GET",
        "/apps/confab/connections",
        &[],
        "",
        "confab-secret",
        fresh,
    );
    assert_eq!(http().get(url).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn a_request_whose_body_does_not_match_body_md5_is_rejected_with_401() {
    let server = spawn().await;
    let signed_for = json!({"name": "x", "data": "{}", "channel": "alpha"}).to_string();
    let url = server.signed("POST", "/apps/confab/events", &[], &signed_for);
    let tampered = json!({"name": "y", "data": "{}", "channel": "alpha"}).to_string();
    let response = http().post(url).body(tampered).send().await.unwrap();
    assert_eq!(response.status(), 401);

    // A body without any body_md5 is refused too.
    let url = server.signed("POST", "/apps/confab/events", &[], "");
    let response = http().post(url).body(signed_for).send().await.unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn a_wrong_auth_key_is_rejected_and_an_unknown_app_is_404() {
    let server = spawn().await;
    let url = server.signed("GET", "/apps/confab/connections", &[], "");
    let url = url.replace("auth_key=confab-key", "auth_key=other");
    assert_eq!(http().get(url).send().await.unwrap().status(), 401);
    let (status, _) = get(&server, "/apps/other/connections", &[]).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn an_event_without_string_data_is_refused() {
    let server = spawn().await;
    let (status, body) = post(
        &server,
        "/apps/confab/events",
        &json!({"name": "x", "data": {"not": "a string"}, "channel": "alpha"}),
    )
    .await;
    assert_eq!(status, 422);
    assert!(body["error"].is_string());
    let channels: Vec<String> = (0..101).map(|i| format!("c{i}")).collect();
    let (status, _) = post(
        &server,
        "/apps/confab/events",
        &json!({"name": "x", "data": "{}", "channels": channels}),
    )
    .await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn batch_events_publishes_every_event_in_order() {
    let server = spawn().await;
    let mut client = server.connect().await;
    client.subscribe("alpha", None, None).await;
    client.next_event().await;
    let batch = json!({"batch": [
        {"name": "first", "data": "{}", "channel": "alpha"},
        {"name": "second", "data": "{}", "channel": "alpha"},
    ]});
    let (status, body) = post(&server, "/apps/confab/batch_events", &batch).await;
    assert_eq!((status, body), (200, json!({})));
    assert_eq!(client.next_event().await["event"], "first");
    assert_eq!(client.next_event().await["event"], "second");
}

#[tokio::test]
async fn channel_queries_report_occupancy_and_counts() {
    let server = spawn().await;
    let room = Channel::ConversationPresence(ConversationId(8));
    let mut ann = server.connect().await;
    let mut ann_again = server.connect().await;
    let mut bo = server.connect().await;
    server.join(&mut ann, room, &user(1, "Ann")).await;
    server.join(&mut ann_again, room, &user(1, "Ann")).await;
    server.join(&mut bo, room, &user(2, "Bo")).await;
    bo.subscribe("lobby", None, None).await;
    bo.next_event().await;

    let (status, body) = get(
        &server,
        "/apps/confab/channels",
        &[("filter_by_prefix", "presence-"), ("info", "user_count")],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"channels": {room.name(): {"user_count": 2}}}));

    let (_, all) = get(&server, "/apps/confab/channels", &[]).await;
    assert_eq!(all, json!({"channels": {room.name(): {}, "lobby": {}}}));

    let path = format!("/apps/confab/channels/{}", room.name());
    let (_, one) = get(&server, &path, &[("info", "user_count,subscription_count")]).await;
    assert_eq!(
        one,
        json!({"occupied": true, "user_count": 2, "subscription_count": 3})
    );

    let (_, empty) = get(&server, "/apps/confab/channels/nobody-here", &[]).await;
    assert_eq!(empty, json!({"occupied": false}));

    let (_, users) = get(&server, &format!("{path}/users"), &[]).await;
    assert_eq!(users, json!({"users": [{"id": 1}, {"id": 2}]}));

    let (status, _) = get(&server, "/apps/confab/channels/lobby/users", &[]).await;
    assert_eq!(status, 400);

    let (_, connections) = get(&server, "/apps/confab/connections", &[]).await;
    assert_eq!(connections, json!({"connections": 3}));
}

#[tokio::test]
async fn terminate_connections_closes_every_socket_of_that_user() {
    let server = spawn().await;
    let cy = user(3, "Cy");
    let mut tab1 = server.connect().await;
    let mut tab2 = server.connect().await;
    let mut other = server.connect().await;
    server.join(&mut tab1, Channel::User(UserId(3)), &cy).await;
    server
        .join(
            &mut tab2,
            Channel::ConversationPresence(ConversationId(1)),
            &cy,
        )
        .await;
    server
        .join(&mut other, Channel::User(UserId(1)), &user(1, "Ann"))
        .await;

    let (status, body) = post(
        &server,
        "/apps/confab/users/3/terminate_connections",
        &json!({}),
    )
    .await;
    assert_eq!((status, body), (200, json!({})));
    for client in [&mut tab1, &mut tab2] {
        assert_eq!(client.expect_error().await.0, 4009);
        assert_eq!(client.expect_end().await, Ending::Closed(Some(4009)));
    }
    other.assert_alive().await;
    eventually(|| server.realtime.connection_count() == 1).await;
}
