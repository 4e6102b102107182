//! Blocks and reports over HTTP: what a block refuses and hides, and a report from a member to
//! the moderators, resolved once by carrying the act out.

use confab_tests::webhooks::{WebhookReceiver, named};
use confab_tests::{Backend, TestServer, on_both_backends};
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    someone_blocked_cannot_message_or_invite_and_is_folded_away,
    a_report_reaches_the_moderators_once_and_is_resolved_once,
);

async fn someone_blocked_cannot_message_or_invite_and_is_folded_away(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (ann, ann_token) = server.register("Ann Lee").await;
    let (bob, bob_token) = server.register("Bob Stone").await;
    let (cy, _) = server.register("Cy Twombly").await;
    let (_, chat) = server
        .post(
            "/api/v1/conversations",
            &bob_token,
            json!({"user_ids": [ann]}),
        )
        .await;
    let chat = chat["data"]["id"].as_i64().unwrap();
    let room = server.group(&ann_token, "Shared", &[bob, cy]).await;

    let (status, blocked) = server
        .put(&format!("/api/v1/user/blocks/{bob}"), &ann_token, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{blocked}");
    assert_eq!(blocked, json!({"status": true, "message": "User blocked."}));
    let (status, _) = server
        .put(&format!("/api/v1/user/blocks/{ann}"), &ann_token, json!({}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "not oneself");
    let (status, _) = server
        .put("/api/v1/user/blocks/999999", &ann_token, json!({}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = server.get("/api/v1/user/blocks", &ann_token).await;
    assert_eq!(list["data"][0]["id"], bob);
    assert_eq!(list["data"][0]["name"], "Bob Stone");

    let cannot = json!({"status": false, "message": "You cannot message this user."});
    let (status, refused) = server
        .post(
            &format!("/api/v1/conversations/{chat}/messages"),
            &bob_token,
            json!({"body": "hello?"}),
        )
        .await;
    assert_eq!(
        (status, refused),
        (StatusCode::UNPROCESSABLE_ENTITY, cannot.clone())
    );
    let (status, refused) = server
        .post(
            "/api/v1/conversations",
            &bob_token,
            json!({"user_ids": [ann]}),
        )
        .await;
    assert_eq!(
        (status, refused),
        (StatusCode::UNPROCESSABLE_ENTITY, cannot)
    );
    let bobs_room = server.group(&bob_token, "Bob's", &[]).await;
    let (status, refused) = server
        .post(
            &format!("/api/v1/conversations/{bobs_room}/invite"),
            &bob_token,
            json!({"user_ids": [ann]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused["errors"]["user_ids"].is_array(), "{refused}");

    // In the room they share, Bob still writes; Ann reads him folded away and not as unread.
    server.send(&bob_token, room, "noise").await;
    let (_, page) = server
        .get(
            &format!("/api/v1/conversations/{room}/messages"),
            &ann_token,
        )
        .await;
    assert_eq!(page["data"][0]["author_blocked"], true);
    let (_, seen) = server
        .get(&format!("/api/v1/conversations/{room}"), &ann_token)
        .await;
    assert_eq!(seen["data"]["unread_count"], 0);
    let (_, as_bob) = server
        .get(
            &format!("/api/v1/conversations/{room}/messages"),
            &bob_token,
        )
        .await;
    assert_eq!(
        as_bob["data"][0]["author_blocked"], false,
        "nothing tells Bob"
    );

    let (status, _) = server
        .delete(&format!("/api/v1/user/blocks/{bob}"), &ann_token)
        .await;
    assert_eq!(status, StatusCode::OK);
    server.send(&bob_token, chat, "hello again").await;
}

async fn a_report_reaches_the_moderators_once_and_is_resolved_once(backend: &Backend) {
    let receiver = WebhookReceiver::start().await;
    let url = receiver.as_ref().map(WebhookReceiver::url);
    let env: Vec<(&str, &str)> = url
        .as_deref()
        .map(|url| vec![("CONFAB_WEBHOOK_URLS", url)])
        .unwrap_or_default();
    let server = TestServer::start_with(backend, &env).await;
    let (_, owner) = server.register("Ann Lee").await;
    let (bob, bob_token) = server.register("Bob Stone").await;
    let (cy, cy_token) = server.register("Cy Twombly").await;
    let room = server.group(&owner, "Team", &[bob, cy]).await;
    let spam = server.send(&bob_token, room, "buy now").await;
    let report_path = format!(
        "/api/v1/conversations/{room}/messages/{}/report",
        spam["id"]
    );

    let (status, reported) = server
        .post(
            &report_path,
            &cy_token,
            json!({"reason": "spam", "details": "ads"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{reported}");
    assert_eq!(reported["message"], "Message reported.");
    let report = &reported["data"];
    assert_eq!(report["status"], "open");
    assert_eq!(report["reason"], "spam");
    assert_eq!(report["details"], "ads");
    assert_eq!(report["message"]["id"], spam["id"]);
    assert_eq!(
        report["reporter"],
        json!({"id": cy, "name": "Cy Twombly", "avatar_url": null})
    );
    let (status, again) = server
        .post(&report_path, &cy_token, json!({"reason": "abuse"}))
        .await;
    assert_eq!(status, StatusCode::OK, "a repeat answers the first report");
    assert_eq!(again["data"]["id"], report["id"]);
    let (status, refused) = server
        .post(&report_path, &bob_token, json!({"reason": "spam"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let (status, refused) = server
        .post(&report_path, &cy_token, json!({"reason": "boring"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");

    let reports = format!("/api/v1/conversations/{room}/reports");
    let (status, _) = server.get(&reports, &cy_token).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, listed) = server.get(&reports, &owner).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    assert_eq!(listed["data"][0]["id"], report["id"]);

    let resolve = format!("{reports}/{}/resolve", report["id"]);
    let (status, resolved) = server
        .post(&resolve, &owner, json!({"action": "user_banned"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{resolved}");
    assert_eq!(resolved["data"]["status"], "resolved");
    assert_eq!(resolved["data"]["resolution"], "user_banned");
    assert_eq!(resolved["data"]["resolved_by"]["name"], "Ann Lee");
    let (status, _) = server
        .get(&format!("/api/v1/conversations/{room}"), &bob_token)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the author was banned");
    let (status, _) = server
        .post(&resolve, &owner, json!({"action": "dismissed"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "resolved once");
    let (status, _) = server
        .post(
            &format!("{reports}/999999/resolve"),
            &owner,
            json!({"action": "dismissed"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (_, log) = server
        .get(&format!("/api/v1/conversations/{room}/audit"), &owner)
        .await;
    let actions: Vec<&Value> = log["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["action"])
        .collect();
    assert_eq!(actions, ["report_resolved", "participant_banned"]);

    if let Some(receiver) = receiver {
        let events = receiver
            .wait_for("message.reported", |events| {
                !named(events, "message.reported").is_empty()
            })
            .await;
        let told = named(&events, "message.reported");
        assert_eq!(told.len(), 1, "once, for the new report");
        assert_eq!(told[0]["channel"], format!("private-conversation.{room}"));
        assert_eq!(told[0]["data"]["report"]["id"], report["id"]);
    }
}
