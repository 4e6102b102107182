//! Presence channels: who is here, counted per user however many tabs they have open.

use std::time::Duration;

use confab_domain::{Channel, ConversationId};
use serde_json::json;

use crate::helpers::{data, raw_auth, spawn, user};

const ROOM: Channel = Channel::ConversationPresence(ConversationId(7));

#[tokio::test]
async fn joining_lists_the_members_already_present() {
    let server = spawn().await;
    let mut ann = server.connect().await;
    let first = server.join(&mut ann, ROOM, &user(1, "Ann")).await;
    assert_eq!(
        data(&first),
        json!({"presence": {"count": 1, "ids": [1], "hash": {"1": {"id": 1, "name": "Ann"}}}})
    );
    let mut bo = server.connect().await;
    let second = data(&server.join(&mut bo, ROOM, &user(2, "Bo")).await);
    assert_eq!(second["presence"]["count"], 2);
    assert_eq!(
        second["presence"]["hash"]["2"],
        json!({"id": 2, "name": "Bo"})
    );
    let added = ann.next_event().await;
    assert_eq!(added["event"], "pusher_internal:member_added");
    assert_eq!(added["channel"], ROOM.name());
    assert_eq!(
        data(&added),
        json!({"user_id": 2, "user_info": {"id": 2, "name": "Bo"}})
    );
}

#[tokio::test]
async fn two_tabs_of_one_user_join_once_and_leave_once() {
    let server = spawn().await;
    let mut watcher = server.connect().await;
    server.join(&mut watcher, ROOM, &user(1, "Ann")).await;

    let bo = user(2, "Bo");
    let mut tab1 = server.connect().await;
    server.join(&mut tab1, ROOM, &bo).await;
    assert_eq!(
        watcher.next_event().await["event"],
        "pusher_internal:member_added"
    );
    let mut tab2 = server.connect().await;
    let second = data(&server.join(&mut tab2, ROOM, &bo).await);
    assert_eq!(second["presence"]["count"], 2, "one member per user");
    watcher.expect_silence(Duration::from_millis(200)).await;

    drop(tab1);
    watcher.expect_silence(Duration::from_millis(300)).await;
    tab2.send(json!({"event": "pusher:unsubscribe", "data": {"channel": ROOM.name()}}))
        .await;
    let removed = watcher.next_event().await;
    assert_eq!(removed["event"], "pusher_internal:member_removed");
    assert_eq!(data(&removed), json!({"user_id": 2}));
}

#[tokio::test]
async fn presence_without_a_user_id_is_refused() {
    let server = spawn().await;
    let mut client = server.connect().await;
    let channel_data = json!({"user_info": {"name": "nobody"}}).to_string();
    let auth = raw_auth(
        &server,
        &format!("{}:{}:{channel_data}", client.socket_id, ROOM.name()),
    );
    client
        .subscribe(&ROOM.name(), Some(&auth), Some(&channel_data))
        .await;
    assert_eq!(client.expect_error().await.0, 4200);
    client.assert_alive().await;
}
