//! Mentions and notifications end to end: a send that names people, `unread_mentions`, the
//! mention feed, notification settings with the `?muted=` filter, the `notification` event on
//! the recipient's own channel and the `notification.created` webhook.

use confab_tests::pusher::PusherClient;
use confab_tests::webhooks::{WebhookReceiver, named};
use confab_tests::{Backend, TestServer, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

on_both_backends!(
    a_mention_is_shown_counted_listed_and_read,
    mentions_and_settings_refuse_bad_input_in_the_error_shape,
    settings_decide_the_notifications_on_the_users_channel_and_webhook,
);

async fn conversation(
    server: &TestServer,
    token: &str,
    room: i64,
    muted: Option<bool>,
) -> Option<Value> {
    let query = muted.map_or(String::new(), |m| format!("?muted={m}"));
    let (status, list) = server
        .get(&format!("/api/v1/conversations{query}"), token)
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == room)
        .cloned()
}

async fn send(server: &TestServer, token: &str, room: i64, body: Value) -> (StatusCode, Value) {
    server
        .post(
            &format!("/api/v1/conversations/{room}/messages"),
            token,
            body,
        )
        .await
}

async fn a_mention_is_shown_counted_listed_and_read(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (ann, ann_token) = server.register("Ann Lee").await;
    let (bob, bob_token) = server.register("Bob Stone").await;
    let (cy, cy_token) = server.register("Cy Hale").await;
    let room = server.group(&ann_token, "Plans", &[bob, cy]).await;

    let (status, sent) = send(
        &server,
        &ann_token,
        room,
        json!({"body": "@Bob Stone, a look?", "mentions": [bob, bob]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    assert_eq!(
        sent["data"]["mentions"],
        json!([{"id": bob, "name": "Bob Stone", "avatar_url": null}])
    );
    assert_eq!(sent["data"]["mention_room"], false);
    let (_, called) = send(
        &server,
        &cy_token,
        room,
        json!({"body": "all hands", "mention_room": true}),
    )
    .await;
    assert_eq!(called["data"]["mention_room"], true);
    assert_eq!(called["data"]["mentions"], json!([]));

    let bobs = conversation(&server, &bob_token, room, None).await.unwrap();
    assert_eq!(
        (
            bobs["unread_count"].clone(),
            bobs["unread_mentions"].clone()
        ),
        (json!(2), json!(2))
    );
    assert_eq!(
        bobs["notifications"],
        json!({"level": "all", "muted_until": null})
    );
    assert_eq!(bobs["last_message"]["mention_room"], true);
    let anns = conversation(&server, &ann_token, room, None).await.unwrap();
    assert_eq!(anns["unread_mentions"], 1, "the room call");

    let (status, feed) = server
        .get("/api/v1/user/mentions?limit=1", &bob_token)
        .await;
    assert_eq!(status, StatusCode::OK, "{feed}");
    assert_eq!(feed["data"][0]["id"], called["data"]["id"]);
    assert_eq!(feed["meta"], json!({"limit": 1, "has_more": true}));
    let (_, older) = server
        .get(
            &format!("/api/v1/user/mentions?before={}", called["data"]["id"]),
            &bob_token,
        )
        .await;
    assert_eq!(older["data"][0]["id"], sent["data"]["id"]);
    assert_eq!(older["data"][0]["mentions"][0]["name"], "Bob Stone");
    assert_eq!(older["meta"]["has_more"], false);

    // An edit moves the mention from Bob to Cy; reading clears what is left.
    let path = format!(
        "/api/v1/conversations/{room}/messages/{}",
        sent["data"]["id"]
    );
    let (status, edited) = server
        .call(
            Method::PATCH,
            &path,
            Some(&ann_token),
            Some(json!({"body": "@Cy Hale?", "mentions": [cy]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(
        edited["data"]["mentions"],
        json!([{"id": cy, "name": "Cy Hale", "avatar_url": null}])
    );
    let bobs = conversation(&server, &bob_token, room, None).await.unwrap();
    assert_eq!(bobs["unread_mentions"], 1);
    let (status, _) = server
        .post(
            &format!("/api/v1/conversations/{room}/read"),
            &bob_token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let bobs = conversation(&server, &bob_token, room, None).await.unwrap();
    assert_eq!(bobs["unread_mentions"], 0);
    let (_, page) = server
        .get(&format!("/api/v1/conversations/{room}/messages"), &cy_token)
        .await;
    let oldest = page["data"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        oldest["mentions"],
        json!([{"id": cy, "name": "Cy Hale", "avatar_url": null}])
    );
    assert_eq!(oldest["user"]["id"], ann);
}

async fn mentions_and_settings_refuse_bad_input_in_the_error_shape(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (_, ann_token) = server.register("Ann Lee").await;
    let (bob, _) = server.register("Bob Stone").await;
    let (dan, dan_token) = server.register("Dan Roe").await;
    let room = server.group(&ann_token, "Plans", &[bob]).await;

    let (status, body) = send(
        &server,
        &ann_token,
        room,
        json!({"body": "@Dan", "mentions": [dan]}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["errors"]["mentions"][0]
            .as_str()
            .unwrap()
            .contains(&dan.to_string()),
        "{body}"
    );
    let many: Vec<i64> = (1..=51).collect();
    let (status, body) = send(
        &server,
        &ann_token,
        room,
        json!({"body": "hi", "mentions": many}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["errors"]["mentions"].is_array(), "{body}");
    let (_, page) = server
        .get(
            &format!("/api/v1/conversations/{room}/messages"),
            &ann_token,
        )
        .await;
    assert_eq!(page["meta"]["total"], 0, "nothing was stored");

    let path = format!("/api/v1/conversations/{room}/notifications");
    let put = |token: &str, body: Value| {
        let token = token.to_owned();
        let path = path.clone();
        let server = &server;
        async move {
            server
                .call(Method::PUT, &path, Some(&token), Some(body))
                .await
        }
    };
    let (status, body) = put(&ann_token, json!({"level": "loud"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["errors"]["level"].is_array(), "{body}");
    let (status, body) = put(
        &ann_token,
        json!({"level": "none", "muted_until": "tomorrow"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["errors"]["muted_until"].is_array(), "{body}");
    let (status, body) = put(&dan_token, json!({"level": "none"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "an outsider: {body}");
    let anns = conversation(&server, &ann_token, room, None).await.unwrap();
    assert_eq!(anns["notifications"]["level"], "all", "nothing was changed");

    let (status, body) = put(
        &ann_token,
        json!({"level": "mentions", "muted_until": "2999-01-01T00:00:00Z"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["message"], "Notification settings saved.");
    assert_eq!(
        body["data"],
        json!({"level": "mentions", "muted_until": "2999-01-01T00:00:00.000000Z"})
    );
    assert!(
        conversation(&server, &ann_token, room, Some(true))
            .await
            .is_some()
    );
    assert!(
        conversation(&server, &ann_token, room, Some(false))
            .await
            .is_none()
    );
    let (_, body) = put(&ann_token, json!({"level": "all", "muted_until": null})).await;
    assert_eq!(body["data"]["muted_until"], Value::Null);
    assert!(
        conversation(&server, &ann_token, room, Some(false))
            .await
            .is_some()
    );
}

async fn settings_decide_the_notifications_on_the_users_channel_and_webhook(backend: &Backend) {
    let receiver = WebhookReceiver::start().await;
    let url = receiver
        .as_ref()
        .map(WebhookReceiver::url)
        .unwrap_or_default();
    let env: Vec<(&str, &str)> = if receiver.is_some() {
        vec![
            ("CONFAB_WEBHOOK_URLS", url.as_str()),
            ("CONFAB_WEBHOOK_EVENTS", "notification.created"),
        ]
    } else {
        Vec::new()
    };
    let server = TestServer::start_with(backend, &env).await;
    let (ann, ann_token) = server.register("Ann Lee").await;
    let (bob, bob_token) = server.register("Bob Stone").await;
    let (cy, cy_token) = server.register("Cy Hale").await;
    let mut bob_hears = PusherClient::connect(&server).await;
    let bobs_channel = format!("private-user.{bob}");
    assert_eq!(
        bob_hears
            .subscribe(&server, &bob_token, &bobs_channel)
            .await,
        200
    );
    let mut cy_hears = PusherClient::connect(&server).await;
    assert_eq!(
        cy_hears
            .subscribe(&server, &cy_token, &format!("private-user.{cy}"))
            .await,
        200
    );

    let (_, direct) = server
        .post(
            "/api/v1/conversations",
            &ann_token,
            json!({"type": "direct", "user_ids": [bob]}),
        )
        .await;
    let direct = direct["data"]["id"].as_i64().unwrap();
    let (_, hello) = send(&server, &ann_token, direct, json!({"body": "hello"})).await;
    let note = loop {
        let event = bob_hears.next_event().await.expect("a notification");
        if event.event == "notification" {
            break event;
        }
    };
    assert_eq!(note.channel.as_deref(), Some(bobs_channel.as_str()));
    assert_eq!(note.data["type"], "direct");
    assert_eq!(note.data["conversation_id"], direct);
    assert_eq!(note.data["user_id"], bob);
    assert_eq!(note.data["message"]["id"], hello["data"]["id"]);
    assert_eq!(note.data["message"]["body"], "hello");

    // Bob mutes the direct chat; Cy hears mentions only in the room.
    let (status, _) = server
        .call(
            Method::PUT,
            &format!("/api/v1/conversations/{direct}/notifications"),
            Some(&bob_token),
            Some(json!({"level": "all", "muted_until": "2999-01-01T00:00:00Z"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let room = server.group(&ann_token, "Plans", &[bob, cy]).await;
    server
        .call(
            Method::PUT,
            &format!("/api/v1/conversations/{room}/notifications"),
            Some(&cy_token),
            Some(json!({"level": "mentions"})),
        )
        .await;
    send(
        &server,
        &ann_token,
        direct,
        json!({"body": "muted for Bob"}),
    )
    .await;
    send(
        &server,
        &ann_token,
        room,
        json!({"body": "plain: nobody is alerted"}),
    )
    .await;
    let (_, named_cy) = send(
        &server,
        &ann_token,
        room,
        json!({"body": "@Cy", "mentions": [cy]}),
    )
    .await;
    let (_, called) = send(
        &server,
        &cy_token,
        room,
        json!({"body": "@room", "mention_room": true}),
    )
    .await;

    let note = cy_hears.next_named("notification").await;
    assert_eq!(note["type"], "mention");
    assert_eq!(note["message"]["id"], named_cy["data"]["id"]);
    let note = bob_hears.next_named("notification").await;
    assert_eq!(
        note["type"], "room_mention",
        "the muted direct message sent nothing first"
    );
    assert_eq!(note["message"]["id"], called["data"]["id"]);
    assert_eq!(note["message"]["mention_room"], true);
    let more = cy_hears
        .next_event_within(std::time::Duration::from_millis(300))
        .await;
    assert!(
        more.is_none(),
        "not her own room call: {:?}",
        more.map(|e| e.event)
    );

    let Some(receiver) = receiver else { return };
    let events = receiver
        .wait_for("the room mention's webhook", |events| {
            named(events, "notification.created").len() >= 4
        })
        .await;
    let told: Vec<(String, String)> = named(&events, "notification.created")
        .iter()
        .map(|e| {
            (
                e["channel"].as_str().unwrap().to_owned(),
                e["data"]["type"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        told,
        [
            (format!("private-user.{bob}"), "direct".to_owned()),
            (format!("private-user.{cy}"), "mention".to_owned()),
            (format!("private-user.{ann}"), "room_mention".to_owned()),
            (format!("private-user.{bob}"), "room_mention".to_owned()),
        ],
        "one per recipient, only this event, as asked"
    );
    assert!(events.iter().all(|e| e["name"] == "notification.created"));
}
