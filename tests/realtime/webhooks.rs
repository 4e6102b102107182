//! Pusher's lifecycle webhooks from real sockets, to a real receiver (the `pusher` SDK checks the
//! signatures): a presence channel's first subscriber occupies it, each user is added once
//! however many tabs, a whisper is a `client_event`, and the last ones out remove and vacate —
//! in that order, on one channel; a cache channel with nothing cached tells a `cache_miss`.

use std::time::Duration;

use confab_tests::pusher::PusherClient;
use confab_tests::webhooks::{WebhookReceiver, named};
use confab_tests::{Backend, SharedDatabase, TestServer, on_both_backends};
use serde_json::{Value, json};

on_both_backends!(
    a_subscription_to_an_empty_cache_channel_tells_a_cache_miss,
    presence_channels_tell_occupancy_members_and_whispers_once_each,
    a_clean_stop_tells_what_its_sockets_leave_and_the_next_start_sends_it,
);

async fn a_subscription_to_an_empty_cache_channel_tells_a_cache_miss(backend: &Backend) {
    let Some(receiver) = WebhookReceiver::start().await else {
        return;
    };
    let url = receiver.url();
    let server = TestServer::start_with(backend, &[("CONFAB_WEBHOOK_URLS", url.as_str())]).await;
    let mut socket = PusherClient::connect(&server).await;
    socket
        .send(json!({"event": "pusher:subscribe", "data": {"channel": "cache-scores"}}))
        .await;
    // The socket is told first, then the app (which may publish the missing event).
    socket.next_named("pusher:cache_miss").await;
    let events = receiver
        .wait_for("the cache miss", |events| {
            !named(events, "cache_miss").is_empty()
        })
        .await;
    let missed = named(&events, "cache_miss");
    assert_eq!(missed.len(), 1, "{events:?}");
    assert_eq!(missed[0]["channel"], "cache-scores");
}

async fn presence_channels_tell_occupancy_members_and_whispers_once_each(backend: &Backend) {
    let Some(receiver) = WebhookReceiver::start().await else {
        return;
    };
    let url = receiver.url();
    let server = TestServer::start_with(backend, &[("CONFAB_WEBHOOK_URLS", url.as_str())]).await;
    let (ann, ann_token) = server.register("Ann").await;
    let (bob, bob_token) = server.register("Bob").await;
    let room = server.group(&ann_token, "Room", &[bob]).await;
    let channel = format!("presence-conversation.{room}");

    let mut anns = PusherClient::connect(&server).await;
    assert_eq!(anns.subscribe(&server, &ann_token, &channel).await, 200);
    // Ann's second tab: the same member, so no second member_added.
    let mut anns_tab = PusherClient::connect(&server).await;
    assert_eq!(anns_tab.subscribe(&server, &ann_token, &channel).await, 200);
    let mut bobs = PusherClient::connect(&server).await;
    assert_eq!(bobs.subscribe(&server, &bob_token, &channel).await, 200);
    bobs.send(json!({"event": "client-typing", "channel": channel, "data": {"typing": true}}))
        .await;
    receiver
        .wait_for("the whisper", |events| {
            !named(events, "client_event").is_empty()
        })
        .await;
    let bobs_socket = bobs.socket_id.clone();
    bobs.close().await;
    receiver
        .wait_for("Bob gone", |events| {
            !named(events, "member_removed").is_empty()
        })
        .await;
    anns_tab.close().await;
    anns.unsubscribe(&channel).await;
    let events = receiver
        .wait_for("the channel vacated", |events| {
            !named(events, "channel_vacated").is_empty()
        })
        .await;
    // No duplicate arrives later.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(receiver.events().len(), events.len());

    let (ann, bob) = (ann.to_string(), bob.to_string());
    let expected = [
        json!({"name": "channel_occupied", "channel": channel}),
        json!({"name": "member_added", "channel": channel, "user_id": ann}),
        json!({"name": "member_added", "channel": channel, "user_id": bob}),
        json!({
            "name": "client_event",
            "channel": channel,
            "event": "client-typing",
            "data": "{\"typing\":true}",
            "socket_id": bobs_socket,
            "user_id": bob,
        }),
        json!({"name": "member_removed", "channel": channel, "user_id": bob}),
        json!({"name": "member_removed", "channel": channel, "user_id": ann}),
        json!({"name": "channel_vacated", "channel": channel}),
    ];
    let lifecycle: Vec<&Value> = events
        .iter()
        .filter(|e| e["channel"] == channel.as_str())
        .collect();
    assert_eq!(
        lifecycle,
        expected.iter().collect::<Vec<_>>(),
        "{events:#?}"
    );
    // The signed webhooks were all taken; no chat event is on a presence channel.
    assert_eq!(receiver.refused(), 0);
    assert_eq!(lifecycle.len(), events.len(), "{events:#?}");
}

async fn a_clean_stop_tells_what_its_sockets_leave_and_the_next_start_sends_it(backend: &Backend) {
    let Some(receiver) = WebhookReceiver::start().await else {
        return;
    };
    let url = receiver.url();
    let env = [("CONFAB_WEBHOOK_URLS", url.as_str())];
    let database = SharedDatabase::create(backend).await;
    let mut first = TestServer::start_on(&database, &env).await;
    let (ann, ann_token) = first.register("Ann").await;
    let room = first.group(&ann_token, "Room", &[]).await;
    let channel = format!("presence-conversation.{room}");
    let mut anns = PusherClient::connect(&first).await;
    assert_eq!(anns.subscribe(&first, &ann_token, &channel).await, 200);
    receiver
        .wait_for("Ann in", |events| !named(events, "member_added").is_empty())
        .await;
    // SIGTERM: the socket is told to reconnect elsewhere; its channel is left.
    first.stop_gracefully().await;
    drop(anns);
    let second = TestServer::start_on(&database, &env).await;
    let events = receiver
        .wait_for("the channel vacated", |events| {
            !named(events, "channel_vacated").is_empty()
        })
        .await;
    let ann = ann.to_string();
    assert_eq!(
        events,
        [
            json!({"name": "channel_occupied", "channel": channel}),
            json!({"name": "member_added", "channel": channel, "user_id": ann}),
            json!({"name": "member_removed", "channel": channel, "user_id": ann}),
            json!({"name": "channel_vacated", "channel": channel}),
        ]
    );
    drop(second);
    drop(first);
    drop(database);
}
