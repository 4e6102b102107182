//! The Pusher conformance suite (`tests/conformance`, the same one `scripts/conformance-peer.sh`
//! runs against Sockudo) against one node: every check passes.

use confab_tests::js::{assert_conformant, run_conformance};
use confab_tests::{Backend, PusherApp, TestServer};

#[tokio::test]
async fn one_node_passes_every_pusher_conformance_check() {
    let server = TestServer::start(&Backend::Sqlite).await;
    if let Some(checked) = run_conformance(&[server.realtime_port], &PusherApp::chat()).await {
        assert_conformant(&checked);
    }
}
