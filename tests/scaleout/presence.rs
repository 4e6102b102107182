//! Presence is one list across nodes: counted per user over every node's sockets.

use std::collections::BTreeSet;
use std::time::Duration;

use confab_tests::pusher::{Event, PusherClient};
use reqwest::Method;
use serde_json::Value;

use crate::cluster::{Cluster, drain, eventually, next_named, pusher_api};

const QUIET: Duration = Duration::from_millis(400);
const WAIT: Duration = Duration::from_secs(5);

fn ids(succeeded: &Event) -> BTreeSet<String> {
    let presence = &succeeded.data["presence"];
    let ids: BTreeSet<String> = presence["ids"]
        .as_array()
        .expect("ids")
        .iter()
        .map(Value::to_string)
        .collect();
    assert_eq!(presence["count"], ids.len(), "{presence}");
    assert_eq!(
        presence["hash"].as_object().expect("hash").len(),
        ids.len(),
        "{presence}"
    );
    ids
}

fn member_events(events: &[Event]) -> Vec<(String, String)> {
    events
        .iter()
        .filter(|e| e.event.starts_with("pusher_internal:member_"))
        .map(|e| (e.event.clone(), e.data["user_id"].to_string()))
        .collect()
}

#[tokio::test]
async fn presence_is_one_list_across_nodes() {
    let Some(cluster) = Cluster::start("presence_is_one_list_across_nodes").await else {
        return;
    };
    let (a, b, c) = (cluster.node(0), cluster.node(1), cluster.node(2));
    let (ann, ann_token) = a.register("Ann Lee").await;
    let (bob, bob_token) = b.register("Bob Stone").await;
    let (carl, carl_token) = c.register("Carl Dean").await;
    let room = a.group(&ann_token, "Who is here", &[bob, carl]).await;
    let channel = format!("presence-conversation.{room}");
    let (ann, bob, carl) = (ann.to_string(), bob.to_string(), carl.to_string());

    // Ann on A, then Carl on C: both see two members, the same two.
    let mut anns = PusherClient::connect(a).await;
    let (status, succeeded) = anns.subscribe_answer(a, &ann_token, &channel).await;
    assert_eq!(status, 200);
    let mut anns_list = ids(&succeeded.unwrap());
    assert_eq!(anns_list, BTreeSet::from([ann.clone()]));

    let mut carls = PusherClient::connect(c).await;
    let (status, succeeded) = carls.subscribe_answer(b, &carl_token, &channel).await;
    assert_eq!(status, 200);
    let mut carls_list = ids(&succeeded.unwrap());
    assert_eq!(carls_list, BTreeSet::from([ann.clone(), carl.clone()]));
    let added = next_named(&mut anns, "pusher_internal:member_added", WAIT)
        .await
        .expect("Ann (node A) hears Carl (node C) arrive");
    assert_eq!(added.data["user_id"].to_string(), carl);
    assert_eq!(added.data["user_info"]["name"], "Carl Dean");
    anns_list.insert(carl.clone());
    assert_eq!(anns_list, carls_list, "both nodes list the same members");

    // Bob's first tab, on C: everyone hears him once.
    let mut bob_tab1 = PusherClient::connect(c).await;
    let (_, succeeded) = bob_tab1.subscribe_answer(a, &bob_token, &channel).await;
    let bobs_list = ids(&succeeded.unwrap());
    for (who, socket, list) in [
        ("Ann on A", &mut anns, &mut anns_list),
        ("Carl on C", &mut carls, &mut carls_list),
    ] {
        let events = member_events(&drain(socket, QUIET).await);
        assert_eq!(
            events,
            [("pusher_internal:member_added".to_owned(), bob.clone())],
            "{who}"
        );
        list.insert(bob.clone());
    }
    assert_eq!(bobs_list, anns_list);
    assert_eq!(bobs_list, carls_list);

    // His second tab, on A: still one member; nobody hears of it.
    let mut bob_tab2 = PusherClient::connect(a).await;
    let (_, succeeded) = bob_tab2.subscribe_answer(c, &bob_token, &channel).await;
    assert_eq!(ids(&succeeded.unwrap()), anns_list);
    for socket in [&mut anns, &mut carls, &mut bob_tab1] {
        assert!(member_events(&drain(socket, QUIET).await).is_empty());
    }
    // The HTTP API of the node with no socket at all counts users once.
    let users_path = format!("/channels/{channel}/users");
    let (_, users) = pusher_api(b, Method::GET, &users_path, None).await;
    let listed: BTreeSet<String> = users["users"]
        .as_array()
        .expect("users")
        .iter()
        .map(|u| u["id"].to_string())
        .collect();
    assert_eq!(listed, anns_list, "{users}");
    let info_path = format!("/channels/{channel}?info=user_count,subscription_count");
    eventually("user_count 3 of 4 subscriptions", || async {
        let (_, body) = pusher_api(b, Method::GET, &info_path, None).await;
        (
            body["user_count"] == 3 && body["subscription_count"] == 4,
            body,
        )
    })
    .await;

    // Closing the first tab (C) says nothing; leaving with the last (A) tells A and C.
    bob_tab1.close().await;
    for socket in [&mut anns, &mut carls] {
        assert!(member_events(&drain(socket, QUIET).await).is_empty());
    }
    bob_tab2.unsubscribe(&channel).await;
    for (who, socket) in [("Ann on A", &mut anns), ("Carl on C", &mut carls)] {
        let removed = next_named(socket, "pusher_internal:member_removed", WAIT)
            .await
            .unwrap_or_else(|| panic!("{who} hears Bob leave"));
        assert_eq!(removed.data["user_id"].to_string(), bob);
        assert!(
            member_events(&drain(socket, QUIET).await).is_empty(),
            "{who}: once"
        );
    }
    eventually("user_count back to 2", || async {
        let (_, body) = pusher_api(c, Method::GET, &info_path, None).await;
        (body["user_count"] == 2, body)
    })
    .await;

    // A node that dies (SIGKILL: no goodbye) is taken out by the others once its heartbeat
    // expires (10 s): Carl's node C goes while his socket is open, and Ann hears him leave.
    let mut cluster = cluster;
    cluster.nodes[2].kill().await;
    let removed = next_named(
        &mut anns,
        "pusher_internal:member_removed",
        Duration::from_secs(20),
    )
    .await
    .expect("Ann hears Carl leave when his node is gone");
    assert_eq!(removed.data["user_id"].to_string(), carl);
    drop(carls);
}
