//! Cursor pagination: `before` / `after` a message id with `limit`, `meta {limit, has_more}`, and
//! every way of asking wrongly answered with a 422 naming the parameter.

use confab_tests::{Backend, TestServer, on_both_backends};
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_backends!(
    before_reads_older_messages_newest_first_and_after_newer_ones_oldest_first,
    cursor_parameters_are_validated_and_never_mix,
    a_cursor_from_another_conversation_is_refused,
);

fn bodies(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap().to_owned())
        .collect()
}

fn names(range: impl Iterator<Item = usize>) -> Vec<String> {
    range.map(|n| format!("message {n}")).collect()
}

async fn before_reads_older_messages_newest_first_and_after_newer_ones_oldest_first(
    backend: &Backend,
) {
    let server = TestServer::start(backend).await;
    let (_, ann) = server.register("Ann Lee").await;
    let (bob, bob_token) = server.register("Bob Stone").await;
    let room = server.group(&ann, "Team Chat", &[bob]).await;
    let mut ids = vec![0];
    for n in 1..=30 {
        let token = if n % 2 == 0 { &ann } else { &bob_token };
        ids.push(
            server.send(token, room, &format!("message {n}")).await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    let path = |query: &str| format!("/api/v1/conversations/{room}/messages?{query}");

    let (status, older) = server
        .get(&path(&format!("before={}&limit=5", ids[20])), &ann)
        .await;
    assert_eq!(status, StatusCode::OK, "{older}");
    assert_eq!(bodies(&older), names((15..=19).rev()));
    assert_eq!(older["meta"], json!({"limit": 5, "has_more": true}));
    assert_eq!(
        older["data"][0]["user"]["name"], "Bob Stone",
        "the message object as ever"
    );
    let (_, oldest) = server
        .get(&path(&format!("before={}&limit=5", ids[3])), &ann)
        .await;
    assert_eq!(bodies(&oldest), names((1..=2).rev()));
    assert_eq!(oldest["meta"], json!({"limit": 5, "has_more": false}));

    let (_, newer) = server
        .get(&path(&format!("after={}&limit=4", ids[20])), &bob_token)
        .await;
    assert_eq!(bodies(&newer), names(21..=24));
    assert_eq!(newer["meta"], json!({"limit": 4, "has_more": true}));
    let (_, rest) = server
        .get(&path(&format!("after={}", ids[24])), &bob_token)
        .await;
    assert_eq!(bodies(&rest), names(25..=30));
    assert_eq!(
        rest["meta"],
        json!({"limit": 20, "has_more": false}),
        "limit defaults to 20"
    );
    let (_, none) = server
        .get(&path(&format!("after={}&limit=100", ids[30])), &ann)
        .await;
    assert_eq!(
        (none["data"].clone(), none["meta"]["has_more"].clone()),
        (json!([]), json!(false))
    );

    // Without a cursor the page API is what it was.
    let (_, page) = server.get(&path("per_page=7&page=2"), &ann).await;
    assert_eq!(bodies(&page), names((17..=23).rev()));
    assert_eq!(
        page["meta"],
        json!({"current_page": 2, "last_page": 5, "per_page": 7, "total": 30})
    );
}

async fn cursor_parameters_are_validated_and_never_mix(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (_, ann) = server.register("Ann Lee").await;
    let room = server.group(&ann, "Team Chat", &[]).await;
    let id = server.send(&ann, room, "hello").await["id"]
        .as_i64()
        .unwrap();
    for (query, fields) in [
        (format!("before={id}&after={id}"), vec!["after", "before"]),
        (format!("after={id}&page=1"), vec!["page"]),
        (format!("before={id}&per_page=10"), vec!["per_page"]),
        (format!("after={id}&limit=0"), vec!["limit"]),
        (format!("after={id}&limit=101"), vec!["limit"]),
        ("limit=10".to_owned(), vec!["limit"]),
        ("after=0".to_owned(), vec!["after"]),
        ("before=abc".to_owned(), vec!["before"]),
    ] {
        let (status, refused) = server
            .get(
                &format!("/api/v1/conversations/{room}/messages?{query}"),
                &ann,
            )
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query}: {refused}"
        );
        assert_eq!(refused["status"], false);
        for field in fields {
            assert!(
                refused["errors"][field][0].is_string(),
                "{query}: {refused}"
            );
        }
    }
}

async fn a_cursor_from_another_conversation_is_refused(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (_, ann) = server.register("Ann Lee").await;
    let (_, stranger) = server.register("Cy Stranger").await;
    let room = server.group(&ann, "Team Chat", &[]).await;
    let other = server.group(&ann, "Elsewhere", &[]).await;
    server.send(&ann, room, "here").await;
    let foreign = server.send(&ann, other, "there").await["id"]
        .as_i64()
        .unwrap();
    for cursor in ["before", "after"] {
        let query = format!("/api/v1/conversations/{room}/messages?{cursor}={foreign}");
        let (status, refused) = server.get(&query, &ann).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert!(refused["errors"][cursor][0].is_string(), "{refused}");
        let (status, _) = server.get(&query, &stranger).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "outsiders learn nothing");
    }
    let (status, _) = server
        .get(
            &format!("/api/v1/conversations/{room}/messages?after=99999999"),
            &ann,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}
