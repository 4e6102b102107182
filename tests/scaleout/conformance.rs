//! The Pusher conformance suite against three nodes as one server: each check's sockets go round
//! the nodes and its HTTP API requests to the last, so presence, client events, counts, caches and
//! users are checked across nodes.

use confab_tests::PusherApp;
use confab_tests::js::{assert_conformant, run_conformance};

use crate::cluster::Cluster;

#[tokio::test]
async fn three_nodes_pass_every_pusher_conformance_check() {
    let Some(cluster) = Cluster::start("conformance").await else {
        return;
    };
    let ports: Vec<u16> = cluster
        .nodes
        .iter()
        .map(|node| node.realtime_port)
        .collect();
    if let Some(checked) = run_conformance(&ports, &PusherApp::chat()).await {
        assert_conformant(&checked);
    }
}
