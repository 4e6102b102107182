//! Moderation under contention: many managers' requests on one room at once are serialized, so
//! none gets a 409 for an operation that would succeed alone, and the room ends in the state the
//! rules give.

use confab_tests::{Backend, TestServer, on_both_backends};
use futures_util::future::join_all;
use reqwest::{Method, StatusCode};

on_both_backends!(fifty_invites_and_eight_bans_on_one_room_at_once_never_conflict,);

async fn fifty_invites_and_eight_bans_on_one_room_at_once_never_conflict(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (_, ann) = server.register("Ann Lee").await;
    let mut people = Vec::new();
    for i in 0..50 {
        people.push(server.register(&format!("Person {i}")).await.0);
    }
    for round in 0..2 {
        let room = server.group(&ann, &format!("Room {round}"), &[]).await;
        let (invite_path, ann, server) = (
            format!("/api/v1/conversations/{room}/invite"),
            ann.as_str(),
            &server,
        );
        let invites = people.iter().map(|&user| {
            let body = serde_json::json!({"user_ids": [user]});
            let path = invite_path.clone();
            async move {
                server
                    .call(Method::POST, &path, Some(ann), Some(body))
                    .await
            }
        });
        let bans = people[..8].iter().map(|&user| {
            let path = format!("/api/v1/conversations/{room}/ban/{user}");
            async move { server.call(Method::POST, &path, Some(ann), None).await }
        });
        let (invited, banned) = tokio::join!(join_all(invites), join_all(bans));
        for (status, body) in &banned {
            assert_eq!(
                *status,
                StatusCode::OK,
                "round {round}: a ban failed: {body}"
            );
        }
        for (i, (status, body)) in invited.iter().enumerate() {
            // An invite that came after the ban of the same user is refused by the rule (422).
            let refused_as_banned = i < 8 && *status == StatusCode::UNPROCESSABLE_ENTITY;
            assert!(
                *status == StatusCode::OK || refused_as_banned,
                "round {round}, invite {i}: {status} {body}"
            );
        }
        let (_, stored) = server
            .get(&format!("/api/v1/conversations/{room}"), ann)
            .await;
        let mut members: Vec<i64> = stored["data"]["participants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_i64().unwrap())
            .collect();
        members.sort();
        let mut expected: Vec<i64> = people[8..].to_vec();
        expected.push(stored["data"]["created_by"]["id"].as_i64().unwrap());
        expected.sort();
        assert_eq!(members, expected, "round {round}: everyone but the banned");
    }
}
