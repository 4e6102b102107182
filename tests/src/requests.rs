//! The API calls a test makes through a [`TestServer`]: a request with its status and JSON body,
//! and the few steps almost every scenario starts with (register, make a room, send).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::TestServer;

impl TestServer {
    /// Sends a request and returns the status and the JSON body (`Value::Null` if none).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status();
        let text = response.text().await.expect("body read");
        let json = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text)
                .unwrap_or_else(|_| panic!("{status} body is not JSON: {text}"))
        };
        (status, json)
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn put(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PUT, path, Some(token), Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PATCH, path, Some(token), Some(body))
            .await
    }

    pub async fn delete(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(Method::DELETE, path, Some(token), None).await
    }

    /// Registers `name` (email derived from it) and returns `(user id, token)`.
    pub async fn register(&self, name: &str) -> (i64, String) {
        let email = format!("{}@example.com", name.to_lowercase().replace(' ', "."));
        let (status, body) = self
            .call(
                Method::POST,
                "/api/v1/user/register",
                None,
                Some(json!({"name": name, "email": email, "password": "secret-password"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        (
            body["data"]["user"]["id"].as_i64().expect("user id"),
            body["data"]["token"].as_str().expect("token").to_owned(),
        )
    }

    /// Creates a group room with the given members and returns its id.
    pub async fn group(&self, token: &str, name: &str, members: &[i64]) -> i64 {
        let (status, body) = self
            .post(
                "/api/v1/conversations",
                token,
                json!({"type": "group", "name": name, "user_ids": members}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["data"]["id"].as_i64().expect("conversation id")
    }

    /// Sends a message and returns its JSON.
    pub async fn send(&self, token: &str, conversation: i64, text: &str) -> Value {
        let (status, body) = self
            .post(
                &format!("/api/v1/conversations/{conversation}/messages"),
                token,
                json!({ "body": text }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["data"].clone()
    }
}
