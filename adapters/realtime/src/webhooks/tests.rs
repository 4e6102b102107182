use std::sync::Arc;

use chrono::{TimeZone, Utc};
use confab_domain::ports::WebhookRenderer;
use confab_domain::{
    ConversationId, MessageId, ReactionAction, RealtimeEvent, UserId, UserSummary,
};

use super::sender::body;
use super::*;
use crate::api_json::ApiJson;

fn settings(events: &str) -> WebhookSettings {
    WebhookSettings {
        urls: vec!["http://receiver.test/hook".into()],
        events: EventFilter::parse(events).unwrap(),
        key: "key".into(),
        secret: "secret".into(),
        timeout: std::time::Duration::from_secs(1),
    }
}

fn renderer(events: &str) -> ChatWebhooks {
    let stand_in = Arc::new(ApiJson::with_message(
        |view| serde_json::json!({"id": view.message.id.get()}),
    ));
    ChatWebhooks::new(&settings(events), stand_in)
}

fn removed(banned: bool) -> RealtimeEvent {
    RealtimeEvent::ParticipantRemoved {
        conversation_id: ConversationId(12),
        user: UserSummary {
            id: UserId(5),
            name: "Eve".into(),
            avatar: None,
        },
        banned,
    }
}

#[test]
fn the_filter_takes_all_by_default_and_refuses_unknown_names() {
    assert!(EventFilter::parse("").unwrap().wants("channel_occupied"));
    assert!(EventFilter::parse("all").unwrap().wants("message.sent"));
    let some = EventFilter::parse("message.sent, member_added").unwrap();
    assert!(some.wants("member_added") && some.wants("message.sent"));
    assert!(!some.wants("channel_occupied"));
    let refused = EventFilter::parse("message.sent,message.exploded").unwrap_err();
    assert!(refused.contains("message.exploded") && refused.contains("channel_vacated"));
}

#[test]
fn a_room_event_is_one_webhook_on_the_private_channel_with_its_data_as_an_object() {
    let rendered = renderer("all").render(&removed(true));
    assert_eq!(rendered.len(), 1, "{rendered:?}");
    assert_eq!(rendered[0].channel, "private-conversation.12");
    let event: serde_json::Value = serde_json::from_str(&rendered[0].json).unwrap();
    assert_eq!(
        event,
        serde_json::json!({
            "name": "participant.banned",
            "channel": "private-conversation.12",
            "data": {"conversation_id": 12, "user": {"id": 5, "name": "Eve", "avatar_url": null}},
        })
    );
}

#[test]
fn events_not_asked_for_and_events_that_are_not_chat_events_are_not_rendered() {
    assert!(
        renderer("participant.banned")
            .render(&removed(false))
            .is_empty()
    );
    let read = RealtimeEvent::ConversationRead {
        conversation_id: ConversationId(12),
        user_id: UserId(5),
        last_read_message_id: Some(MessageId(3)),
    };
    assert!(renderer("all").render(&read).is_empty());
    let reacted = RealtimeEvent::MessageReacted {
        conversation_id: ConversationId(12),
        message_id: MessageId(3),
        emoji: confab_domain::Emoji::parse("👍").unwrap(),
        user_id: UserId(5),
        action: ReactionAction::Added,
        reactions: vec![],
    };
    let rendered = renderer("message.reacted").render(&reacted);
    assert_eq!(rendered.len(), 1);
    assert!(
        rendered[0]
            .json
            .starts_with(r#"{"name":"message.reacted","#),
        "{rendered:?}"
    );
}

#[test]
fn a_batch_body_is_pusher_shaped_and_keeps_the_events_order() {
    let at = Utc.with_ymd_and_hms(2026, 2, 19, 14, 30, 0).unwrap();
    let body = body(&[r#"{"name":"a"}"#.into(), r#"{"name":"b"}"#.into()], at);
    assert_eq!(
        body,
        r#"{"time_ms":1771511400000,"events":[{"name":"a"},{"name":"b"}]}"#
    );
    assert!(serde_json::from_str::<serde_json::Value>(&body).is_ok());
}

#[test]
fn the_https_client_builds_on_the_crypto_provider_of_the_build() {
    // reqwest is built without a provider of its own; rustls uses its one compiled-in (ring).
    assert!(HttpWebhookSender::new(&settings("all")).is_ok());
}

/// A node that notices another's death hands its id to the lifecycle, which lets go of the dead
/// node's destinations in the outbox (so another node takes them now, not when the lease runs
/// out), after storing what was told before.
#[tokio::test]
async fn a_dead_nodes_destinations_are_let_go_of() {
    use crate::hub::LifecycleEvents;
    use confab_domain::ports::MockWebhookOutbox;
    use std::sync::Mutex;

    let done: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut outbox = MockWebhookOutbox::new();
    let recorded = done.clone();
    outbox.expect_record().returning(move |events| {
        recorded
            .lock()
            .unwrap()
            .push(format!("stored {}", events.len()));
        Ok(())
    });
    let released = done.clone();
    outbox.expect_release().returning(move |node| {
        released.lock().unwrap().push(format!("released {node}"));
        Ok(())
    });
    let lifecycle = lifecycle::Lifecycle::start(Arc::new(outbox), EventFilter::parse("").unwrap());
    lifecycle.occupancy("lobby", true);
    lifecycle.node_gone("dead-node");
    lifecycle.flush(std::time::Duration::from_secs(5)).await;
    assert_eq!(*done.lock().unwrap(), ["stored 1", "released dead-node"]);
}
