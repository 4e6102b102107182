//! Subscribing and unsubscribing; signatures; cache channels.

use std::time::Duration;

use confab_domain::{Channel, ConversationId};
use serde_json::json;

use crate::helpers::{TestServer, data, http, spawn, user};

const QUIET: Duration = Duration::from_millis(200);

#[tokio::test]
async fn subscribing_to_a_public_channel_succeeds_with_empty_data() {
    let server = spawn().await;
    let mut client = server.connect().await;
    client.subscribe("news", None, None).await;
    let reply = client.next_event().await;
    assert_eq!(reply["event"], "pusher_internal:subscription_succeeded");
    assert_eq!(reply["channel"], "news");
    assert_eq!(reply["data"], "{}");
}

#[tokio::test]
async fn subscribe_data_may_arrive_as_a_json_string() {
    let server = spawn().await;
    let mut client = server.connect().await;
    let (auth, _) = server.grant(
        &client,
        Channel::Conversation(ConversationId(1)),
        &user(1, "Ann"),
    );
    let data = json!({"channel": "private-conversation.1", "auth": auth}).to_string();
    client
        .send(json!({"event": "pusher:subscribe", "data": data}))
        .await;
    let reply = client.next_event().await;
    assert_eq!(reply["event"], "pusher_internal:subscription_succeeded");
}

#[tokio::test]
async fn a_private_channel_refuses_a_bad_signature_with_4009_and_keeps_the_socket() {
    let server = spawn().await;
    let mut client = server.connect().await;
    let forged = format!("confab-key:{}", "ab".repeat(32));
    client
        .subscribe("private-conversation.1", Some(&forged), None)
        .await;
    assert_eq!(client.expect_error().await.0, 4009);
    client.subscribe("private-conversation.1", None, None).await;
    assert_eq!(client.expect_error().await.0, 4009);
    client.assert_alive().await;
    server
        .join(
            &mut client,
            Channel::Conversation(ConversationId(1)),
            &user(1, "Ann"),
        )
        .await;
}

#[tokio::test]
async fn a_signature_made_for_another_socket_is_refused() {
    let server = spawn().await;
    let owner = server.connect().await;
    let mut thief = server.connect().await;
    let (auth, _) = server.grant(
        &owner,
        Channel::Conversation(ConversationId(1)),
        &user(1, "Ann"),
    );
    thief
        .subscribe("private-conversation.1", Some(&auth), None)
        .await;
    assert_eq!(thief.expect_error().await.0, 4009);
}

#[tokio::test]
async fn an_unsubscribed_socket_receives_nothing_more() {
    let server = spawn().await;
    let mut client = server.connect().await;
    client.subscribe("news", None, None).await;
    client.next_event().await;
    client
        .send(json!({"event": "pusher:unsubscribe", "data": {"channel": "news"}}))
        .await;
    client.assert_alive().await; // the unsubscribe has been handled
    let body = json!({"name": "headline", "data": "{}", "channel": "news"}).to_string();
    let url = server.signed("POST", "/apps/confab/events", &[], &body);
    let response = http().post(url).body(body).send().await.unwrap();
    assert_eq!(response.status(), 200);
    client.expect_silence(QUIET).await;
}

/// `GET /apps/confab/channels/{channel}?info=cache,subscription_count`, signed.
async fn channel_info(server: &TestServer, channel: &str) -> serde_json::Value {
    let url = server.signed(
        "GET",
        &format!("/apps/confab/channels/{channel}"),
        &[("info", "cache,subscription_count")],
        "",
    );
    http().get(url).send().await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn a_cache_channel_reports_a_miss_then_replays_the_last_event() {
    let server = spawn().await;
    let mut early = server.connect().await;
    early.subscribe("cache-scores", None, None).await;
    assert_eq!(
        early.next_event().await["event"],
        "pusher_internal:subscription_succeeded"
    );
    let miss = early.next_event().await;
    assert_eq!(miss["event"], "pusher:cache_miss");
    assert_eq!(miss["channel"], "cache-scores");

    for score in ["1-0", "2-0"] {
        let body = json!({"name": "score", "data": json!({"score": score}).to_string(), "channel": "cache-scores"}).to_string();
        let url = server.signed("POST", "/apps/confab/events", &[], &body);
        assert_eq!(
            http().post(url).body(body).send().await.unwrap().status(),
            200
        );
    }
    let mut late = server.connect().await;
    late.subscribe("cache-scores", None, None).await;
    late.next_event().await;
    let replay = late.next_event().await;
    assert_eq!(replay["event"], "score");
    assert_eq!(data(&replay), json!({"score": "2-0"}));

    // `info=cache`: what an app server reads to serve the same initial state itself.
    let shown = channel_info(&server, "cache-scores").await;
    assert_eq!(shown["cache"]["data"], json!({"score": "2-0"}).to_string());
    let ttl = shown["cache"]["ttl"].as_u64().unwrap();
    assert!((1790..=1800).contains(&ttl), "{shown}");
    assert_eq!(shown["subscription_count"], 2);
    let empty = channel_info(&server, "cache-nothing").await;
    assert_eq!(empty, json!({"occupied": false, "subscription_count": 0}));
}
