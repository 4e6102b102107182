//! Confab's REST API as the scenarios use it: register, create a room, send a message, and a
//! bounded way to run many such calls at once.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value, json};

pub struct Api {
    pub base: String,
    pub client: reqwest::Client,
}

impl Api {
    pub fn new(base: &str) -> Result<Self, String> {
        Ok(Self {
            base: base.trim_end_matches('/').to_owned(),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .pool_max_idle_per_host(256)
                .tcp_nodelay(true)
                .build()
                .map_err(|e| e.to_string())?,
        })
    }

    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Result<(u16, Value), String> {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(|e| e.to_string())?;
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
    }

    /// Registers a user; returns (id, token).
    pub async fn register(&self, name: &str) -> Result<(i64, String), String> {
        let email = format!("{name}@bench.example.com");
        let (status, body) = self
            .call(
                reqwest::Method::POST,
                "/api/v1/user/register",
                None,
                Some(&json!({"name": name, "email": email, "password": "bench-password"})),
            )
            .await?;
        if status != 201 {
            return Err(format!("register {name}: {status} {body}"));
        }
        Ok((
            body["data"]["user"]["id"].as_i64().ok_or("no user id")?,
            body["data"]["token"].as_str().ok_or("no token")?.to_owned(),
        ))
    }

    pub async fn group(&self, token: &str, name: &str, members: &[i64]) -> Result<i64, String> {
        let (status, body) = self
            .call(
                reqwest::Method::POST,
                "/api/v1/conversations",
                Some(token),
                Some(&json!({"type": "group", "name": name, "user_ids": members})),
            )
            .await?;
        if status != 201 {
            return Err(format!("create room: {status} {body}"));
        }
        body["data"]["id"].as_i64().ok_or("no room id".to_owned())
    }

    /// Posts a message; returns its id (from the 201's `data.id`).
    pub async fn send(&self, token: &str, room: i64, text: &str) -> Result<i64, String> {
        let (status, body) = self
            .call(
                reqwest::Method::POST,
                &format!("/api/v1/conversations/{room}/messages"),
                Some(token),
                Some(&json!({ "body": text })),
            )
            .await?;
        if status == 201 {
            body["data"]["id"]
                .as_i64()
                .ok_or_else(|| format!("201 without data.id: {body}"))
        } else {
            Err(format!("{status} {body}"))
        }
    }
}

/// Runs `jobs` futures with at most `limit` at once, stopping at the first error.
pub async fn bounded<T, F>(limit: usize, jobs: Vec<F>) -> Result<Vec<T>, String>
where
    F: std::future::Future<Output = Result<T, String>>,
{
    let results: Vec<Result<T, String>> = futures_util::stream::iter(jobs)
        .buffered(limit.max(1))
        .collect()
        .await;
    results.into_iter().collect()
}

/// `count` group rooms of `owner` with `other` in each, and one message from `other` in each, so
/// last messages and unread counts are real: the setup of the list and history scenarios.
pub async fn rooms_with_a_message(
    api: &Api,
    owner: &str,
    (other_id, other): (i64, &str),
    count: usize,
    name: &str,
) -> Result<Vec<i64>, String> {
    let rooms = bounded(
        4,
        (0..count)
            .map(|r| async move { api.group(owner, &format!("{name} {r}"), &[other_id]).await })
            .collect(),
    )
    .await?;
    bounded(
        4,
        rooms
            .iter()
            .map(|room| async move { api.send(other, *room, "hello from the other member").await })
            .collect(),
    )
    .await?;
    Ok(rooms)
}
