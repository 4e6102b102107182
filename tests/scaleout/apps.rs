//! Several apps across nodes: each app of `CONFAB_APPS_FILE` is a cluster of its own, so an
//! event an app publishes through one node reaches that app's sockets on another, never another
//! app's, and its channel list counts every node's sockets; and the whole conformance suite
//! (pusher-js, the `pusher` SDK, raw frames) passes as a client of that app.

use std::time::Duration;

use confab_tests::js::{assert_conformant, run_conformance};
use confab_tests::pusher::PusherClient;
use confab_tests::{PusherApp, TestServer, free_port};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::cluster::{Cluster, eventually, next_named};

const WAIT: Duration = Duration::from_secs(5);

async fn subscribed(node: &TestServer, app: &PusherApp, channel: &str) -> PusherClient {
    let mut socket = PusherClient::connect_to(node, app).await;
    socket
        .send(json!({"event": "pusher:subscribe", "data": {"channel": channel}}))
        .await;
    next_named(&mut socket, "pusher_internal:subscription_succeeded", WAIT)
        .await
        .expect("subscribed");
    socket
}

#[tokio::test]
async fn an_apps_events_and_channels_span_the_nodes_and_stay_its_own() {
    let alpha = PusherApp::new("alpha", "alpha-key", "alpha-secret");
    let beta = PusherApp::new("beta", "beta-key", "beta-secret");
    let path = std::env::temp_dir().join(format!("confab-apps-{}.json", free_port()));
    let apps = json!({"apps": [alpha.entry(json!({})), beta.entry(json!({}))]});
    std::fs::write(&path, apps.to_string()).expect("the apps file is written");
    let file = path.display().to_string();
    let Some(cluster) = Cluster::start_with("apps", &[("CONFAB_APPS_FILE", &file)]).await else {
        let _ = std::fs::remove_file(&path);
        return;
    };
    let mut betas = subscribed(cluster.node(1), &beta, "news").await;
    let mut alphas = subscribed(cluster.node(2), &alpha, "news").await;

    // beta's channel list on a third node counts the socket on node 1.
    eventually("beta's channel seen from node 0", || async {
        let (status, listed) = beta
            .call(
                cluster.node(0),
                Method::GET,
                "/channels?info=subscription_count",
                None,
            )
            .await;
        let count = listed["channels"]["news"]["subscription_count"].clone();
        (status == StatusCode::OK && count == json!(1), listed)
    })
    .await;

    let status = beta
        .publish(cluster.node(0), "news", "headline", &json!({"n": 1}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let heard = next_named(&mut betas, "headline", WAIT)
        .await
        .expect("beta's event");
    assert_eq!(heard.data["n"], 1);
    let stray: Option<Value> = next_named(&mut alphas, "headline", Duration::from_millis(500))
        .await
        .map(|event| event.data);
    assert_eq!(stray, None, "alpha heard beta's event");

    // The whole Pusher conformance suite, with beta's credentials, across the three nodes.
    let ports: Vec<u16> = cluster
        .nodes
        .iter()
        .map(|node| node.realtime_port)
        .collect();
    if let Some(checked) = run_conformance(&ports, &beta).await {
        assert_conformant(&checked);
    }
    let _ = std::fs::remove_file(&path);
}
