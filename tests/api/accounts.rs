//! Register, login, tokens and user search.

use confab_tests::{Backend, TestServer, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

on_both_backends!(
    registering_returns_a_session_and_refuses_a_taken_email,
    registration_reports_every_invalid_field,
    wrong_email_and_wrong_password_get_the_same_401,
    bad_tokens_are_refused_in_the_error_shape,
    users_can_be_searched_to_invite,
);

async fn register(server: &TestServer, body: Value) -> (StatusCode, Value) {
    server
        .call(Method::POST, "/api/v1/user/register", None, Some(body))
        .await
}

async fn registering_returns_a_session_and_refuses_a_taken_email(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let body = json!({"name": "Ann Lee", "email": "Ann@Example.com", "password": "long-enough"});
    let (status, created) = register(&server, body.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["message"], "User registered.");
    assert_eq!(created["data"]["user"]["email"], "ann@example.com");
    assert!(created["data"]["user"].get("password_hash").is_none());
    let token = created["data"]["token"].as_str().unwrap();
    let (status, me) = server.get("/api/v1/user/me", token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["data"]["name"], "Ann Lee");

    let mut again = body.clone();
    again["email"] = json!("ANN@example.com");
    let (status, refused) = register(&server, again).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["status"], false);
    assert_eq!(
        refused["errors"]["email"][0],
        "The email has already been taken."
    );
}

async fn registration_reports_every_invalid_field(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (status, refused) = register(
        &server,
        json!({"name": " ", "email": "nope", "password": "short"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let errors = refused["errors"].as_object().unwrap();
    assert!(
        errors.contains_key("name")
            && errors.contains_key("email")
            && errors.contains_key("password")
    );
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("(and 2 more errors)")
    );
    let (status, missing) = register(&server, json!({"name": "x"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{missing}");
    assert_eq!(missing["status"], false);
}

async fn wrong_email_and_wrong_password_get_the_same_401(backend: &Backend) {
    let server = TestServer::start(backend).await;
    server.register("Ann Lee").await;
    let login = |email: &str, password: &str| {
        server.call(
            Method::POST,
            "/api/v1/user/login",
            None,
            Some(json!({"email": email, "password": password})),
        )
    };
    let (status_a, wrong_password) = login("ann.lee@example.com", "not-the-password").await;
    let (status_b, unknown_email) = login("nobody@example.com", "secret-password").await;
    assert_eq!(status_a, StatusCode::UNAUTHORIZED);
    assert_eq!(status_b, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_password, unknown_email);
    assert_eq!(
        wrong_password,
        json!({"status": false, "message": "Invalid credentials."})
    );
    let (status, ok) = login("ANN.LEE@example.com", "secret-password").await;
    assert_eq!(status, StatusCode::OK, "{ok}");
}

async fn bad_tokens_are_refused_in_the_error_shape(backend: &Backend) {
    // A zero-minute lifetime: every token this server issues is already expired.
    let expiring = TestServer::start_with(backend, &[("JWT_TTL", "0")]).await;
    let (_, expired) = expiring.register("Ann Lee").await;
    let server = TestServer::start(backend).await;
    let (_, valid) = server.register("Ann Lee").await;
    let forged = {
        // Same header and claims, another server's secret.
        let (_, foreign) = expiring.register("Bob Stone").await;
        foreign
    };
    let unauthenticated = json!({"status": false, "message": "Unauthenticated."});
    for token in [
        None,
        Some("garbage"),
        Some(expired.as_str()),
        Some(forged.as_str()),
    ] {
        let (status, body) = server
            .call(Method::GET, "/api/v1/user/me", token, None)
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "token {token:?}");
        assert_eq!(body, unauthenticated, "token {token:?}");
    }
    let (status, _) = server.get("/api/v1/user/me", &valid).await;
    assert_eq!(status, StatusCode::OK);
}

async fn users_can_be_searched_to_invite(backend: &Backend) {
    let server = TestServer::start(backend).await;
    let (_, token) = server.register("Ann Lee").await;
    for name in ["Jane Smith", "Janet Ray", "Bob Stone"] {
        server.register(name).await;
    }
    let (status, found) = server
        .get("/api/v1/users?search=JAN&per_page=1", &token)
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(
        found["data"],
        json!([{"id": 2, "name": "Jane Smith", "avatar_url": null}])
    );
    assert_eq!(
        found["meta"],
        json!({"current_page": 1, "last_page": 2, "per_page": 1, "total": 2})
    );
    let (_, everyone) = server.get("/api/v1/users", &token).await;
    let names: Vec<&str> = everyone["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Bob Stone", "Jane Smith", "Janet Ray"],
        "the caller is left out"
    );
    let (status, _) = server.get("/api/v1/users?per_page=101", &token).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}
