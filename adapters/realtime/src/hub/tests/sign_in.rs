//! Signed-in users on one node: the watchlist's first answer, online and offline as the watched
//! user's sockets come and go (one user however many sockets), another node's news, and
//! terminating a signed-in user's sockets.

use super::*;

fn frames(rx: &mut mpsc::Receiver<Frame>) -> Vec<Value> {
    let mut seen = Vec::new();
    while let Ok(frame) = rx.try_recv() {
        seen.push(serde_json::from_str(&frame).unwrap());
    }
    seen
}

/// The watchlist events among `rx`'s frames, as `(name, ids)`.
fn watchlist(rx: &mut mpsc::Receiver<Frame>) -> Vec<(String, Vec<String>)> {
    frames(rx)
        .into_iter()
        .filter(|f| f["event"] == "pusher_internal:watchlist_events")
        .flat_map(|f| {
            let data: Value = serde_json::from_str(f["data"].as_str().unwrap()).unwrap();
            data["events"].as_array().unwrap().clone()
        })
        .map(|e| {
            let ids = e["user_ids"].as_array().unwrap();
            let ids = ids.iter().map(|id| id.as_str().unwrap().to_owned());
            (e["name"].as_str().unwrap().to_owned(), ids.collect())
        })
        .collect()
}

async fn sign_in(hub: &Hub, socket: &str, id: &str, watching: &[&str]) {
    let member = Member::new(json!(id), json!({"name": id}));
    let watchlist = watching.iter().map(|w| (*w).to_owned()).collect();
    hub.sign_in(socket, &format!("{{\"id\":\"{id}\"}}"), member, watchlist)
        .await
        .unwrap();
}

fn said(name: &str, id: &str) -> (String, Vec<String>) {
    (name.to_owned(), vec![id.to_owned()])
}

#[tokio::test]
async fn a_watcher_hears_the_first_socket_arrive_and_the_last_leave() {
    let hub = hub();
    let (ann, mut ann_rx) = connect(&hub, 64);
    sign_in(&hub, &ann, "ann", &["bob", "cid"]).await;
    let first = frames(&mut ann_rx);
    assert_eq!(first[0]["event"], "pusher:signin_success");
    let data: Value = serde_json::from_str(first[1]["data"].as_str().unwrap()).unwrap();
    assert_eq!(
        data["events"],
        json!([{"name": "offline", "user_ids": ["bob", "cid"]}])
    );

    let (phone, _) = connect(&hub, 64);
    let (laptop, _) = connect(&hub, 64);
    sign_in(&hub, &phone, "bob", &[]).await;
    sign_in(&hub, &laptop, "bob", &[]).await;
    assert_eq!(watchlist(&mut ann_rx), vec![said("online", "bob")]);
    hub.unregister(&phone);
    assert_eq!(watchlist(&mut ann_rx), vec![], "Bob is still on his laptop");
    hub.unregister(&laptop);
    assert_eq!(watchlist(&mut ann_rx), vec![said("offline", "bob")]);

    // Someone Ann does not watch is not her business; a new watcher hears who is online at once.
    let (dee, _) = connect(&hub, 64);
    sign_in(&hub, &dee, "dee", &[]).await;
    assert_eq!(watchlist(&mut ann_rx), vec![]);
    let (cid, mut cid_rx) = connect(&hub, 64);
    sign_in(&hub, &cid, "cid", &["ann", "bob"]).await;
    assert_eq!(watchlist(&mut ann_rx), vec![said("online", "cid")]);
    assert_eq!(
        watchlist(&mut cid_rx),
        vec![said("online", "ann"), said("offline", "bob")]
    );

    // Ann closes: she watches nobody any more, and Cid hears her go.
    hub.unregister(&ann);
    assert_eq!(watchlist(&mut cid_rx), vec![said("offline", "ann")]);
    assert!(hub.lock().watchers.values().all(|w| !w.contains(&ann)));
}

#[tokio::test]
async fn another_nodes_news_and_a_termination_reach_signed_in_sockets() {
    let hub = hub();
    let (ann, mut ann_rx) = connect(&hub, 64);
    sign_in(&hub, &ann, "ann", &["bob"]).await;
    frames(&mut ann_rx);
    from_elsewhere(
        &hub,
        Op::MemberAdded {
            channel: protocol::ONLINE_CHANNEL.into(),
            user_id: json!("bob"),
            user_info: Value::Null,
        },
    );
    assert_eq!(watchlist(&mut ann_rx), vec![said("online", "bob")]);

    // Signed in as ann: her user channel is hers alone; terminating "ann" closes the socket.
    assert_eq!(hub.signed_in_as(&ann).as_deref(), Some("ann"));
    assert_eq!(hub.terminate_user("ann"), 1);
    assert!(!hub.has_socket(&ann));
    assert_eq!(hub.channels(None).len(), 0, "nothing left behind");
}
