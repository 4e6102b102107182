//! Sessions end on every node at once: logout, refresh and a password change on one node are a
//! 401 on the other (they share the database, not memory), and the login throttle answers 429.

use std::time::Duration;

use confab_tests::pusher::PusherClient;
use confab_tests::{Backend, SharedDatabase, TestServer, on_both_backends};
use futures_util::StreamExt;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio_tungstenite::connect_async;

on_both_backends!(
    logout_refresh_and_a_password_change_hold_on_every_node,
    five_failed_logins_then_429_with_retry_after_even_for_the_right_password,
    ending_a_session_closes_the_sockets_it_opened_or_signed_for_and_no_others,
    twenty_parallel_guesses_get_five_password_checks,
);

const PASSWORD: &str = "secret-password";

async fn login(node: &TestServer, email: &str, password: &str) -> (StatusCode, Value) {
    node.call(
        Method::POST,
        "/api/v1/user/login",
        None,
        Some(json!({"email": email, "password": password})),
    )
    .await
}

async fn token_of(node: &TestServer, email: &str, password: &str) -> String {
    let (status, body) = login(node, email, password).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["data"]["token"].as_str().unwrap().to_owned()
}

async fn me(node: &TestServer, token: &str) -> StatusCode {
    node.get("/api/v1/user/me", token).await.0
}

async fn logout_refresh_and_a_password_change_hold_on_every_node(backend: &Backend) {
    let database = SharedDatabase::create(backend).await;
    let a = TestServer::start_on(&database, &[]).await;
    let b = TestServer::start_on(&database, &[]).await;
    let (_, first) = a.register("Ann Lee").await;
    let email = "ann.lee@example.com";
    let second = token_of(&b, email, PASSWORD).await;

    // Logout on A: that token is 401 on B; the other session is untouched.
    let (status, body) = a
        .call(Method::POST, "/api/v1/user/logout", Some(&first), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"status": true, "message": "Logged out."}));
    assert_eq!(me(&b, &first).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me(&a, &first).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me(&a, &second).await, StatusCode::OK);
    let (status, _) = b
        .call(Method::POST, "/api/v1/user/logout", Some(&first), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a second logout is a 401");

    // Refresh on B: the login shape with a new token; the old one is 401 on A.
    let (status, refreshed) = b
        .call(Method::POST, "/api/v1/user/refresh", Some(&second), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{refreshed}");
    assert_eq!(refreshed["status"], true);
    assert_eq!(refreshed["data"]["token_type"], "Bearer");
    assert!(refreshed["data"]["expires_in"].as_u64().unwrap() > 0);
    assert_eq!(refreshed["data"]["user"]["email"], email);
    let third = refreshed["data"]["token"].as_str().unwrap().to_owned();
    assert_ne!(third, second);
    assert_eq!(me(&a, &second).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me(&a, &third).await, StatusCode::OK);
    let (status, _) = a
        .call(Method::POST, "/api/v1/user/refresh", Some(&second), None)
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "an old token cannot refresh"
    );

    // Password change on A with the refreshed token: every other session ends, this one stays.
    let phone = token_of(&b, email, PASSWORD).await;
    let change = |current: &str, new: &str| json!({"current_password": current, "password": new});
    let (status, body) = a
        .call(
            Method::PUT,
            "/api/v1/user/password",
            Some(&third),
            Some(change("wrong-password", "new-password-1")),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        body["errors"]["current_password"][0],
        "The password is incorrect."
    );
    assert_eq!(
        me(&b, &phone).await,
        StatusCode::OK,
        "a refused change ends nothing"
    );
    let (status, body) = a
        .call(
            Method::PUT,
            "/api/v1/user/password",
            Some(&third),
            Some(change(PASSWORD, "new-password-1")),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], true);
    assert_eq!(me(&b, &phone).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me(&b, &third).await, StatusCode::OK);
    assert_eq!(login(&b, email, PASSWORD).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(login(&b, email, "new-password-1").await.0, StatusCode::OK);
    drop((a, b));
}

async fn five_failed_logins_then_429_with_retry_after_even_for_the_right_password(
    backend: &Backend,
) {
    let server = TestServer::start(backend).await;
    server.register("Bo Lin").await;
    server.register("Cy Dee").await;
    for attempt in 1..=5 {
        let (status, _) = login(&server, "bo.lin@example.com", "not-the-password").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    let response = server
        .client
        .post(server.url("/api/v1/user/login"))
        .json(&json!({"email": "Bo.Lin@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], false);
    // Another account from the same address is not held up.
    assert_eq!(
        login(&server, "cy.dee@example.com", PASSWORD).await.0,
        StatusCode::OK
    );
}

async fn ending_a_session_closes_the_sockets_it_opened_or_signed_for_and_no_others(
    backend: &Backend,
) {
    let server = TestServer::start(backend).await;
    let (ann, laptop) = server.register("Ann Lee").await;
    let phone = token_of(&server, "ann.lee@example.com", PASSWORD).await;
    let channel = format!("private-user.{ann}");
    let mut laptop_pusher = PusherClient::connect(&server).await;
    assert_eq!(
        laptop_pusher.subscribe(&server, &laptop, &channel).await,
        200
    );
    let mut phone_pusher = PusherClient::connect(&server).await;
    assert_eq!(phone_pusher.subscribe(&server, &phone, &channel).await, 200);
    let url = server
        .url(&format!("/ws?token={laptop}"))
        .replacen("http://", "ws://", 1);
    let (mut laptop_envelopes, _) = connect_async(url).await.expect("envelope socket");

    let (status, _) = server
        .call(Method::POST, "/api/v1/user/logout", Some(&laptop), None)
        .await;
    assert_eq!(status, StatusCode::OK);

    let told = laptop_pusher.next_event().await.expect("told why");
    assert_eq!(told.event, "pusher:error");
    assert_eq!(told.data["code"], 4009, "{:?}", told.data);
    assert!(laptop_pusher.next_event().await.is_none(), "then closed");
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(Ok(frame)) = laptop_envelopes.next().await {
            if frame.is_close() {
                return true;
            }
        }
        true
    })
    .await;
    assert_eq!(closed, Ok(true), "the envelope socket closes");
    // The phone's socket stays and still hears its channel.
    let (_, bob_token) = server.register("Bob Stone").await;
    let (status, _) = server
        .post(
            "/api/v1/conversations",
            &bob_token,
            json!({"type": "direct", "user_ids": [ann]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let heard = phone_pusher
        .next_event()
        .await
        .expect("the phone still listens");
    assert_eq!(heard.event, "conversation.created");
}

/// Attempts are counted before the password is checked: a burst of parallel guesses cannot all
/// pass the limit while none has failed yet.
async fn twenty_parallel_guesses_get_five_password_checks(backend: &Backend) {
    let server = TestServer::start(backend).await;
    server.register("Di Moss").await;
    let guesses = (0..20).map(|n| {
        let server = &server;
        async move {
            login(server, "di.moss@example.com", &format!("guess-{n}"))
                .await
                .0
        }
    });
    let statuses = futures_util::future::join_all(guesses).await;
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((checked, refused), (5, 15), "{statuses:?}");
}
