//! Notification settings, as stored and shown with the room, and the notifications a send
//! decides by them (the domain's `notification_for`, applied inside the send's transaction).

use confab_domain::ports::ConversationRepository;
use confab_domain::{NotificationKind, NotificationLevel, NotificationSettings};

use crate::helpers::{TestContext, at};
use crate::mentions::{naming, send, unread_mentions};

async fn settings_decide_who_is_alerted_and_are_shown_with_the_room(ctx: TestContext) {
    let (ann, bob, cid) = (
        ctx.user("Ann").await,
        ctx.user("Bob").await,
        ctx.user("Cid").await,
    );
    let direct = ctx.direct(&ann, &bob, 1).await;
    let (_, alerted) = send(&ctx, naming(&direct, &ann, "hi", &[], false)).await;
    assert_eq!(alerted, [(bob.id, NotificationKind::Direct)]);
    let (_, alerted) = send(&ctx, naming(&direct, &ann, "@Bob", &[&bob], false)).await;
    assert_eq!(
        alerted,
        [(bob.id, NotificationKind::Mention)],
        "the strongest reason"
    );

    let quiet = NotificationSettings {
        level: NotificationLevel::Mentions,
        muted_until: None,
    };
    assert!(
        ctx.conversations
            .set_notifications(direct.id, bob.id, quiet)
            .await
            .unwrap()
    );
    assert!(
        !ctx.conversations
            .set_notifications(direct.id, cid.id, quiet)
            .await
            .unwrap(),
        "not in it"
    );
    let overview = ctx
        .conversations
        .overview(direct.id, bob.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(overview.notifications, quiet);
    let ann_sees = ctx
        .conversations
        .overview(direct.id, ann.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        ann_sees.notifications,
        NotificationSettings::default(),
        "settings are per member"
    );
    let (_, alerted) = send(&ctx, naming(&direct, &ann, "hi again", &[], false)).await;
    assert!(alerted.is_empty(), "a direct message at level mentions");

    let room = ctx.group(&ann, &[&bob, &cid], "Room", 2).await;
    let muted = NotificationSettings {
        level: NotificationLevel::All,
        muted_until: Some(at(60)),
    };
    ctx.conversations
        .set_notifications(room.id, cid.id, muted)
        .await
        .unwrap();
    let (_, alerted) = send(&ctx, naming(&room, &ann, "@everyone", &[&cid], true)).await;
    assert_eq!(
        alerted,
        [(bob.id, NotificationKind::RoomMention)],
        "Cid is muted until later"
    );
    assert_eq!(
        unread_mentions(&ctx, &room, &cid).await,
        1,
        "muted still counts"
    );
    let listed = ctx.conversations.list_for(cid.id).await.unwrap();
    let stored = listed.iter().find(|c| c.id == room.id).unwrap();
    assert_eq!(stored.notifications, muted);
    assert_eq!(stored.unread_mentions, 1);
}

each_backend!(settings_decide_who_is_alerted_and_are_shown_with_the_room);
