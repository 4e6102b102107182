//! The committed `openapi.yaml` is what the server serves and what `confab openapi` prints.

use confab_tests::{Backend, TestServer, confab_binary};

fn committed_spec() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml");
    std::fs::read_to_string(path).expect("openapi.yaml at the repository root")
}

async fn text_of(server: &TestServer, path: &str) -> String {
    let response = server.client.get(server.url(path)).send().await.unwrap();
    response.text().await.unwrap()
}

const REGENERATE: &str =
    "openapi.yaml is out of date: run `cargo run -p confab -- openapi > openapi.yaml`";

#[tokio::test]
async fn the_committed_spec_matches_the_served_one() {
    let server = TestServer::start(&Backend::Sqlite).await;
    let served = text_of(&server, "/openapi.yaml").await;
    // The served document is the committed one, except that it names the server that serves it.
    let mut served: serde_json::Value = serde_yaml::from_str(&served).unwrap();
    let committed: serde_json::Value = serde_yaml::from_str(&committed_spec()).unwrap();
    assert_eq!(served["servers"][0]["url"], "/", "{}", served["servers"]);
    assert_eq!(
        committed["servers"][0]["url"], "http://127.0.0.1:8000",
        "`confab openapi` names the default address"
    );
    served["servers"] = committed["servers"].clone();
    assert!(served == committed, "{REGENERATE}");
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
    assert_eq!(json["servers"][0]["url"], "/");
    let docs = server.client.get(server.url("/docs")).send().await.unwrap();
    assert!(docs.status().is_success());
    assert!(docs.text().await.unwrap().contains("swagger-ui"));
}

#[tokio::test]
async fn the_served_document_names_the_public_url_when_one_is_set() {
    let server = TestServer::start_with(
        &Backend::Sqlite,
        &[("CONFAB_PUBLIC_URL", "https://chat.example.com/")],
    )
    .await;
    for path in ["/openapi.json", "/openapi.yaml"] {
        let document: serde_json::Value =
            serde_yaml::from_str(&text_of(&server, path).await).unwrap();
        assert_eq!(
            document["servers"][0]["url"], "https://chat.example.com",
            "{path}"
        );
    }
    let docs = server.client.get(server.url("/docs")).send().await.unwrap();
    assert!(
        docs.text()
            .await
            .unwrap()
            .contains("https://chat.example.com")
    );
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
