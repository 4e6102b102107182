//! A new name reaches everyone at once: the rooms are told live (`user.updated`), a webhook
//! says it once, and every node shows it on the next message — names are never served from a
//! node's memory.

use confab_tests::pusher::PusherClient;
use confab_tests::webhooks::{WebhookReceiver, named};
use confab_tests::{Backend, SharedDatabase, TestServer, on_both_backends};
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(a_rename_reaches_every_room_every_node_and_the_webhooks_once);

async fn a_rename_reaches_every_room_every_node_and_the_webhooks_once(backend: &Backend) {
    let Some(receiver) = WebhookReceiver::start().await else {
        return;
    };
    let url = receiver.url();
    let database = SharedDatabase::create(backend).await;
    let env = [("CONFAB_WEBHOOK_URLS", url.as_str())];
    let a = TestServer::start_on(&database, &env).await;
    let b = TestServer::start_on(&database, &[]).await;
    let (_, ann_token) = a.register("Ann Lee").await;
    let (bob, bob_token) = a.register("Bob Stone").await;
    let first = a.group(&ann_token, "First", &[bob]).await;
    let second = a.group(&ann_token, "Second", &[bob]).await;
    // Bob has written on node B: a node that remembered names would show the old one.
    let before = b.send(&bob_token, first, "before").await;
    assert_eq!(before["user"]["name"], "Bob Stone");

    let mut ann_hears = PusherClient::connect(&a).await;
    for room in [first, second] {
        let channel = format!("private-conversation.{room}");
        assert_eq!(ann_hears.subscribe(&a, &ann_token, &channel).await, 200);
    }
    let (status, body) = a
        .patch(
            "/api/v1/user/me",
            &bob_token,
            json!({"name": "Robert Stone"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["name"], "Robert Stone");
    assert_eq!(body["data"]["email"], "bob.stone@example.com");
    for _ in [first, second] {
        let told = ann_hears.next_named("user.updated").await;
        assert_eq!(
            told,
            json!({"user": {"id": bob, "name": "Robert Stone", "avatar_url": null}})
        );
    }

    let after = b.send(&bob_token, first, "after").await;
    assert_eq!(
        after["user"]["name"], "Robert Stone",
        "node B shows the new name"
    );
    let (_, page) = b
        .get(
            &format!("/api/v1/conversations/{first}/messages"),
            &ann_token,
        )
        .await;
    let names: Vec<&str> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["user"]["name"].as_str().unwrap())
        .collect();
    assert!(
        names.iter().all(|name| *name == "Robert Stone"),
        "{names:?}"
    );
    let (_, room) = b
        .get(&format!("/api/v1/conversations/{second}"), &ann_token)
        .await;
    assert!(
        room["data"]["participants"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "Robert Stone"),
        "{room}"
    );

    let events = receiver
        .wait_for("user.updated", |events| {
            !named(events, "user.updated").is_empty()
        })
        .await;
    let updated = named(&events, "user.updated");
    assert_eq!(updated.len(), 1, "once, not once per room: {updated:?}");
    assert_eq!(updated[0]["channel"], format!("private-user.{bob}"));
    assert_eq!(updated[0]["data"]["user"]["name"], "Robert Stone");
}
