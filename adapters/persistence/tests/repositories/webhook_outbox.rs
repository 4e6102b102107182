//! The webhook outbox: each change stores its events in its own transaction (a refused change
//! stores none), a destination's queue is read oldest first, one node at a time holds it, and a
//! failure holds the queue until its retry.

use std::sync::Arc;

use chrono::Duration;
use confab_domain::ports::{
    ConversationRepository, MessageRepository, WebhookOutbox, WebhookRenderer,
};
use confab_domain::{
    Claim, Conversation, DomainError, Emoji, MessageBody, NewMessage, ReactionAction,
    RealtimeEvent, Timestamp, WebhookBatch, WebhookEvent,
};
use confab_persistence::{SeaConversationRepository, SeaMessageRepository, SeaWebhookOutbox};

use crate::helpers::{TestContext, at};

const FIRST: &str = "http://one.test/hook";
const SECOND: &str = "http://two.test/hook";

/// Renders every event as its name (and its message's id), for two destinations.
struct Names(Vec<String>);

impl WebhookRenderer for Names {
    fn destinations(&self) -> &[String] {
        &self.0
    }

    fn render(&self, event: &RealtimeEvent) -> Vec<WebhookEvent> {
        let (name, detail) = match event {
            RealtimeEvent::MessageSent { message } => ("sent", message.message.body.clone()),
            RealtimeEvent::MessageUpdated { message } => ("updated", message.message.body.clone()),
            RealtimeEvent::MessageDeleted { message_id, .. } => ("deleted", message_id.to_string()),
            RealtimeEvent::MessageReacted { reactions, .. } => {
                ("reacted", format!("{}", reactions.len()))
            }
            RealtimeEvent::ParticipantsAdded { added, .. } => ("added", added[0].name.clone()),
            RealtimeEvent::ParticipantRemoved { user, banned, .. } => (
                if *banned { "banned" } else { "removed" },
                user.name.clone(),
            ),
            RealtimeEvent::ConversationClosed { conversation } => {
                ("closed", conversation.participants.len().to_string())
            }
            _ => ("other", String::new()),
        };
        vec![WebhookEvent {
            channel: "room".into(),
            json: format!("{name}:{detail}"),
        }]
    }
}

/// The test's repositories, storing events for [`FIRST`] and [`SECOND`].
fn with_webhooks(ctx: TestContext) -> (TestContext, SeaWebhookOutbox) {
    let names: Arc<dyn WebhookRenderer> = Arc::new(Names(vec![FIRST.into(), SECOND.into()]));
    let outbox = SeaWebhookOutbox::new(ctx.db.clone(), vec![FIRST.into(), SECOND.into()]);
    let ctx = TestContext {
        messages: SeaMessageRepository::with_webhooks(ctx.db.clone(), names.clone()),
        conversations: SeaConversationRepository::with_webhooks(ctx.db.clone(), names),
        ..ctx
    };
    (ctx, outbox)
}

fn now() -> Timestamp {
    chrono::Utc::now()
}

async fn batch(outbox: &SeaWebhookOutbox, destination: &str, node: &str) -> WebhookBatch {
    match outbox.claim(destination, node, 100, now()).await.unwrap() {
        Claim::Batch(batch) => batch,
        other => panic!("expected a batch, got {other:?}"),
    }
}

each_backend!(
    every_change_stores_its_events_in_order_for_each_destination,
    a_refused_change_stores_nothing,
    one_node_at_a_time_sends_to_a_destination,
    a_failure_holds_the_queue_until_its_retry,
    recorded_events_are_queued_and_counted,
    concurrent_sends_each_store_their_event_once,
    a_change_returns_the_very_events_it_stored,
);

async fn every_change_stores_its_events_in_order_for_each_destination(ctx: TestContext) {
    let (ctx, outbox) = with_webhooks(ctx);
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let cy = ctx.user("Cy").await;
    let room = ctx.group(&ann, &[&bob], "Room", 0).await;
    let first = ctx.send(&room, &ann, "one", 1).await;
    ctx.send(&room, &bob, "two", 2).await;
    let id = first.message.id;
    ctx.messages
        .edit(id, &MessageBody::parse("one!").unwrap(), None, at(3))
        .await
        .unwrap();
    let thumbs = Emoji::parse("👍").unwrap();
    let reacted = ctx
        .messages
        .react(id, bob.id, &thumbs, ReactionAction::Added, at(4));
    assert!(reacted.await.unwrap().is_some());
    ctx.messages.delete(id, at(5), None).await.unwrap();
    ctx.change(&room, move |r| r.invite(ann.id, &[cy.id])).await;
    ctx.change(&room, move |r| r.remove(ann.id, cy.id)).await;
    ctx.change(&room, move |r| r.ban(ann.id, bob.id)).await;
    ctx.change(&room, move |r| r.close(ann.id, at(9))).await;
    let expected = [
        "sent:one".to_owned(),
        "sent:two".into(),
        "updated:one!".into(),
        "reacted:1".into(),
        format!("deleted:{id}"),
        "added:Cy".into(),
        "removed:Cy".into(),
        "banned:Bob".into(),
        "closed:1".into(),
    ];
    for destination in [FIRST, SECOND] {
        let batch = batch(&outbox, destination, "node-a").await;
        assert_eq!(batch.events, expected, "{destination}");
        assert!(batch.ids.is_sorted(), "{:?}", batch.ids);
    }
}

async fn a_refused_change_stores_nothing(ctx: TestContext) {
    let (ctx, outbox) = with_webhooks(ctx);
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let room = ctx.group(&ann, &[&bob], "Room", 0).await;
    let sent = ctx.send(&room, &ann, "one", 1).await;
    ctx.messages
        .delete(sent.message.id, at(2), None)
        .await
        .unwrap();
    let again = ctx
        .messages
        .delete(sent.message.id, at(3), None)
        .await
        .unwrap();
    assert_eq!(again, None, "already a tombstone: no second deletion");
    let edit = ctx
        .messages
        .edit(
            sent.message.id,
            &MessageBody::parse("x").unwrap(),
            None,
            at(4),
        )
        .await;
    assert_eq!(edit, Err(DomainError::MessageDeleted));
    ctx.change(&room, move |r| r.close(ann.id, at(5))).await;
    let refused = ctx
        .messages
        .append(NewMessage {
            conversation_id: room.id,
            sender: ann.id,
            body: MessageBody::parse("late").unwrap(),
            created_at: at(6),
            client_id: None,
            reply_to: None,
            attachments: Vec::new(),
            mentions: confab_domain::Mentions::none(),
            thread_id: None,
            also_in_room: false,
        })
        .await;
    assert_eq!(refused, Err(DomainError::ClosedRoomCannotPost));
    let batch = batch(&outbox, FIRST, "node-a").await;
    let deleted = format!("deleted:{}", sent.message.id);
    assert_eq!(batch.events, ["sent:one", deleted.as_str(), "closed:2"]);
}

async fn one_node_at_a_time_sends_to_a_destination(ctx: TestContext) {
    let (ctx, outbox) = with_webhooks(ctx);
    assert_eq!(
        outbox.claim(FIRST, "node-a", 100, now()).await.unwrap(),
        Claim::Empty,
        "nothing queued, no lease taken"
    );
    let ann = ctx.user("Ann").await;
    let room = ctx.group(&ann, &[], "Room", 0).await;
    ctx.send(&room, &ann, "one", 1).await;
    let held = batch(&outbox, FIRST, "node-a").await;
    assert_eq!(
        outbox.claim(FIRST, "node-b", 100, now()).await.unwrap(),
        Claim::Elsewhere
    );
    // Another destination is another lease.
    assert_eq!(batch(&outbox, SECOND, "node-b").await.events, ["sent:one"]);
    // The holder renews; a node that stops lets go at once; a lease left to expire passes on.
    batch(&outbox, FIRST, "node-a").await;
    outbox.release("node-a").await.unwrap();
    batch(&outbox, FIRST, "node-b").await;
    assert_eq!(
        outbox.claim(FIRST, "node-a", 100, now()).await.unwrap(),
        Claim::Elsewhere
    );
    let later = now() + Duration::seconds(31);
    assert!(matches!(
        outbox.claim(FIRST, "node-a", 100, later).await.unwrap(),
        Claim::Batch(_)
    ));
    outbox.delivered(FIRST, &held.ids).await.unwrap();
    assert_eq!(
        outbox.claim(FIRST, "node-a", 100, later).await.unwrap(),
        Claim::Empty
    );
    assert_eq!(
        batch(&outbox, SECOND, "node-b").await.events,
        ["sent:one"],
        "each destination has its own queue"
    );
}

async fn a_failure_holds_the_queue_until_its_retry(ctx: TestContext) {
    let (ctx, outbox) = with_webhooks(ctx);
    let ann = ctx.user("Ann").await;
    let room = ctx.group(&ann, &[], "Room", 0).await;
    ctx.send(&room, &ann, "one", 1).await;
    let first = batch(&outbox, FIRST, "node-a").await;
    assert_eq!(first.failures, 0);
    let retry = now() + Duration::seconds(5);
    outbox.failed(FIRST, 3, retry).await.unwrap();
    match outbox.claim(FIRST, "node-a", 100, now()).await.unwrap() {
        Claim::RetryAt(at) => assert_eq!(at.timestamp_millis(), retry.timestamp_millis()),
        other => panic!("expected to wait, got {other:?}"),
    }
    ctx.send(&room, &ann, "two", 2).await;
    let due = now() + Duration::seconds(6);
    let Claim::Batch(again) = outbox.claim(FIRST, "node-a", 100, due).await.unwrap() else {
        panic!("the retry is due");
    };
    assert_eq!(again.failures, 3);
    assert_eq!(
        again.events,
        ["sent:one", "sent:two"],
        "the failed batch first"
    );
    outbox.delivered(FIRST, &again.ids[..1]).await.unwrap();
    let rest = batch(&outbox, FIRST, "node-a").await;
    assert_eq!(
        (rest.events.as_slice(), rest.failures),
        (&["sent:two".to_owned()][..], 0)
    );
}

async fn recorded_events_are_queued_and_counted(ctx: TestContext) {
    let (_ctx, outbox) = with_webhooks(ctx);
    assert_eq!(outbox.depth().await.unwrap(), 0);
    let event = |json: &str| WebhookEvent {
        channel: "presence-room".into(),
        json: json.into(),
    };
    outbox
        .record(vec![event("occupied"), event("member")])
        .await
        .unwrap();
    assert_eq!(
        outbox.depth().await.unwrap(),
        4,
        "two events, two destinations"
    );
    let first = batch(&outbox, FIRST, "node-a").await;
    assert_eq!(first.events, ["occupied", "member"]);
    outbox.delivered(FIRST, &first.ids).await.unwrap();
    assert_eq!(outbox.depth().await.unwrap(), 2);
}

async fn concurrent_sends_each_store_their_event_once(ctx: TestContext) {
    let (ctx, outbox) = with_webhooks(ctx);
    let ann = ctx.user("Ann").await;
    let room = ctx.group(&ann, &[], "Room", 0).await;
    let sends = (0..40).map(|n| {
        let messages = ctx.messages.clone();
        let (room, ann) = (room.id, ann.id);
        tokio::spawn(async move {
            messages
                .append(NewMessage {
                    conversation_id: room,
                    sender: ann,
                    body: MessageBody::parse(&format!("m{n}")).unwrap(),
                    created_at: at(n),
                    client_id: None,
                    reply_to: None,
                    attachments: Vec::new(),
                    mentions: confab_domain::Mentions::none(),
                    thread_id: None,
                    also_in_room: false,
                })
                .await
                .unwrap()
                .into_new()
                .unwrap()
        })
    });
    let mut stored = Vec::new();
    for send in sends {
        stored.push(send.await.unwrap());
    }
    stored.sort_by_key(|view| view.message.seq);
    let expected: Vec<String> = stored
        .iter()
        .map(|view| format!("sent:{}", view.message.body))
        .collect();
    assert_eq!(
        batch(&outbox, FIRST, "node-a").await.events,
        expected,
        "one each, in the room's order"
    );
}

/// The use case publishes what the repository returns; the outbox must hold the same values.
async fn a_change_returns_the_very_events_it_stored(ctx: TestContext) {
    let (ctx, outbox) = with_webhooks(ctx);
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let cy = ctx.user("Cy").await;
    let room = ctx.group(&ann, &[&bob], "Room", 0).await;
    let sent = ctx.send(&room, &bob, "hello", 1).await;
    let (actor, invited) = (ann.id, cy.id);
    let invite = ctx
        .conversations
        .modify(
            room.id,
            room.created_by,
            Box::new(move |c: &mut Conversation| c.invite(actor, &[invited]).map(drop)),
        )
        .await
        .unwrap();
    let edit = ctx
        .messages
        .edit(
            sent.message.id,
            &MessageBody::parse("hello!").unwrap(),
            None,
            at(2),
        )
        .await
        .unwrap();
    let deletion = ctx
        .messages
        .delete(sent.message.id, at(3), None)
        .await
        .unwrap();
    let names = Names(Vec::new());
    let told: Vec<String> = invite
        .events
        .iter()
        .chain(&edit.events())
        .chain(&deletion.expect("deleted").events())
        .flat_map(|event| names.render(event))
        .map(|event| event.json)
        .collect();
    assert_eq!(
        told,
        [
            "added:Cy",
            "updated:hello!",
            &format!("deleted:{}", sent.message.id)
        ]
    );
    let stored = batch(&outbox, FIRST, "node-a").await.events;
    assert_eq!(stored[1..], told, "after the send's own event");
}
