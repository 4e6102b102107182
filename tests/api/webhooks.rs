//! Webhooks end to end: a real receiver (Node and the `pusher` SDK's signature check) gets the
//! chat events signed, each once and in order — also after being down and after Confab was
//! killed and started again on the same database — only the events asked for, and `/metrics`
//! counts the failures and the deliveries.

use confab_tests::webhooks::{WebhookReceiver, named};
use confab_tests::{Backend, SharedDatabase, TestServer, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::metrics::{TOKEN, scrape, value};

on_both_backends!(
    chat_events_survive_a_receiver_outage_and_a_restart_in_order_and_once,
    only_the_events_asked_for_are_sent,
);

/// Drops `reactions[].me` (the reader's own): what a live event carries of a response.
fn without_me(mut message: Value) -> Value {
    for reaction in message["reactions"].as_array_mut().into_iter().flatten() {
        reaction.as_object_mut().unwrap().remove("me");
    }
    message
}

async fn chat_events_survive_a_receiver_outage_and_a_restart_in_order_and_once(backend: &Backend) {
    let Some(mut receiver) = WebhookReceiver::start().await else {
        return;
    };
    // The receiver checks: a POST with a forged signature is refused.
    let forged = reqwest::Client::new()
        .post(receiver.url())
        .header("Content-Type", "application/json")
        .header("X-Pusher-Key", confab_tests::APP_KEY)
        .header("X-Pusher-Signature", "00".repeat(32))
        .body(r#"{"time_ms":1,"events":[]}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(receiver.refused(), 1);
    receiver.stop().await;

    let database = SharedDatabase::create(backend).await;
    let url = receiver.url();
    let env = [
        ("CONFAB_WEBHOOK_URLS", url.as_str()),
        ("CONFAB_METRICS_TOKEN", TOKEN),
        // Retries back off from 1 s to at most 2 s here (5 min by default), and a node killed
        // holding the receiver is taken over after 3 s (30 s with the default 10 s timeout).
        ("CONFAB_WEBHOOK_RETRY_MAX", "2"),
        ("CONFAB_WEBHOOK_TIMEOUT", "1"),
    ];
    let mut first = TestServer::start_on(&database, &env).await;
    let (ann, ann_token) = first.register("Ann").await;
    let (bob, _) = first.register("Bob").await;
    let (cy, _) = first.register("Cy").await;
    let room = first.group(&ann_token, "Room", &[bob]).await;
    let mut sent = Vec::new();
    for n in 0..5 {
        sent.push(first.send(&ann_token, room, &format!("down {n}")).await);
    }
    let path = format!("/api/v1/conversations/{room}");
    first
        .post(
            &format!("{path}/invite"),
            &ann_token,
            json!({"user_ids": [cy]}),
        )
        .await;
    first
        .delete(&format!("{path}/participants/{cy}"), &ann_token)
        .await;
    // The receiver is down: the events wait, and the failures are counted.
    let failures = wait_for_metric(&first, "confab_webhook_failures_total", 1.0).await;
    assert!(failures >= 1.0);
    wait_for_metric(&first, "confab_webhook_queue_depth", 1.0).await;

    // Killed outright, started again on the same database: nothing stored is lost.
    first.kill().await;
    drop(first);
    let second = TestServer::start_on(&database, &env).await;
    sent.push(second.send(&ann_token, room, "after the restart").await);
    let (status, edited) = second
        .call(
            Method::PATCH,
            &format!("{path}/messages/{}", sent[0]["id"]),
            Some(&ann_token),
            Some(json!({"body": "down 0, edited"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    second
        .post(&format!("{path}/ban/{bob}"), &ann_token, json!({}))
        .await;
    second
        .post(&format!("{path}/close"), &ann_token, json!({}))
        .await;

    receiver.resume().await;
    let events = receiver
        .wait_for("every chat event", |events| {
            named(events, "conversation.closed").len() == 1
        })
        .await;
    let names: Vec<&str> = events.iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "message.sent",
            "message.sent",
            "message.sent",
            "message.sent",
            "message.sent",
            "participant.added",
            "participant.removed",
            "message.sent",
            "message.updated",
            "participant.banned",
            "conversation.closed",
        ],
        "each once, in the order they happened: {events:#?}"
    );
    let channel = format!("private-conversation.{room}");
    assert!(events.iter().all(|e| e["channel"] == channel.as_str()));
    let sent_data: Vec<Value> = named(&events, "message.sent")
        .iter()
        .map(|e| e["data"]["message"].clone())
        .collect();
    let sent: Vec<Value> = sent.into_iter().map(without_me).collect();
    assert_eq!(
        sent_data, sent,
        "message.sent carries the message as POST answered it"
    );
    assert_eq!(
        named(&events, "message.updated")[0]["data"]["message"],
        without_me(edited["data"].clone())
    );
    assert_eq!(
        named(&events, "participant.added")[0]["data"],
        json!({"conversation_id": room, "users": [{"id": cy, "name": "Cy", "avatar_url": null}]})
    );
    assert_eq!(
        named(&events, "participant.banned")[0]["data"],
        json!({"conversation_id": room, "user": {"id": bob, "name": "Bob", "avatar_url": null}})
    );
    let closed = &named(&events, "conversation.closed")[0]["data"]["conversation"];
    assert_eq!(closed["is_closed"], true);
    assert_eq!(
        closed["participants"],
        json!([{"id": ann, "name": "Ann", "avatar_url": null, "role": "owner", "timed_out_until": null}])
    );
    let batches = receiver.batches();
    assert!(
        batches
            .iter()
            .all(|b| b["time_ms"].as_i64().unwrap() > 1_700_000_000_000)
    );
    assert_eq!(
        receiver.refused(),
        1,
        "every POST from Confab was correctly signed"
    );
    // Nothing is sent twice: the queue is empty once taken.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(receiver.events().len(), names.len());
    let delivered = wait_for_metric(&second, "confab_webhook_events_delivered_total", 1.0).await;
    assert!(delivered >= names.len() as f64 - 5.0);
    drop(second);
    drop(database);
}

/// Waits until `series` reaches `at_least` on `server`'s `/metrics`; returns its value.
async fn wait_for_metric(server: &TestServer, series: &str, at_least: f64) -> f64 {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let now = value(&scrape(server).await, series);
        if now >= at_least {
            return now;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{series} stayed at {now}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
}

async fn only_the_events_asked_for_are_sent(backend: &Backend) {
    let Some(receiver) = WebhookReceiver::start().await else {
        return;
    };
    let url = receiver.url();
    let server = TestServer::start_with(
        backend,
        &[
            ("CONFAB_WEBHOOK_URLS", url.as_str()),
            ("CONFAB_WEBHOOK_EVENTS", "message.deleted, message.reacted"),
        ],
    )
    .await;
    let (_, ann_token) = server.register("Ann").await;
    let (bob, bob_token) = server.register("Bob").await;
    let room = server.group(&ann_token, "Room", &[bob]).await;
    let message = server.send(&ann_token, room, "hello").await;
    let path = format!("/api/v1/conversations/{room}/messages/{}", message["id"]);
    let (status, _) = server
        .call(
            Method::PUT,
            &format!("{path}/reactions/👍"),
            Some(&bob_token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, answer) = server.delete(&path, &ann_token).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let events = receiver
        .wait_for("the deletion", |events| {
            !named(events, "message.deleted").is_empty()
        })
        .await;
    let names: Vec<&str> = events.iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["message.reacted", "message.deleted"]);
    assert_eq!(
        events[0]["data"],
        json!({
            "message_id": message["id"],
            "emoji": "👍",
            "user_id": bob,
            "action": "added",
            "reactions": [{"emoji": "👍", "count": 1}],
        })
    );
    assert_eq!(events[1]["data"]["message_id"], message["id"]);
    assert_eq!(events[1]["data"]["conversation_id"], room);
    assert!(crate::is_document_timestamp(
        &events[1]["data"]["deleted_at"]
    ));
}
