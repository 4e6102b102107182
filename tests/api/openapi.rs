//! The committed `openapi.yaml` is what the server serves and what `confab openapi` prints.

use confab_tests::{Backend, TestServer, confab_binary};

fn committed_spec() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml");
    std::fs::read_to_string(path).expect("openapi.yaml at the repository root")
}

const REGENERATE: &str =
    "openapi.yaml is out of date: run `cargo run -p confab -- openapi > openapi.yaml`";

#[tokio::test]
async fn the_committed_spec_matches_the_served_one() {
    let server = TestServer::start(&Backend::Sqlite).await;
    let served = server
        .client
        .get(server.url("/openapi.yaml"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(served == committed_spec(), "{REGENERATE}");
    let json: serde_json::Value = server
        .client
        .get(server.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let operations: Vec<&serde_json::Value> = json["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|path| path.as_object().unwrap().values())
        .collect();
    assert!(operations.len() >= 17, "{} operations", operations.len());
    for operation in operations {
        assert!(operation["operationId"].is_string(), "{operation}");
        assert!(operation["tags"].is_array(), "{operation}");
        assert!(operation["summary"].is_string(), "{operation}");
    }
    let docs = server.client.get(server.url("/docs")).send().await.unwrap();
    assert!(docs.status().is_success());
    assert!(docs.text().await.unwrap().contains("swagger-ui"));
}

#[test]
fn the_committed_spec_matches_confab_openapi() {
    let output = std::process::Command::new(confab_binary())
        .arg("openapi")
        .env_clear()
        .output()
        .expect("confab openapi runs");
    assert!(output.status.success());
    assert!(
        String::from_utf8(output.stdout).unwrap() == committed_spec(),
        "{REGENERATE}"
    );
}
