//! Search: each database's full-text engine finds whole words, newest first, only in scope, and
//! never a tombstone or text that an edit removed.

use confab_domain::ports::MessageRepository;
use confab_domain::{MessageBody, MessageId, PageRequest, SearchQuery, SearchScope, UserId};

use crate::helpers::{TestContext, at};

async fn ids(
    ctx: &TestContext,
    scope: SearchScope,
    q: &str,
    viewer: UserId,
) -> (Vec<MessageId>, u64) {
    let page = ctx
        .messages
        .search(
            scope,
            &SearchQuery::parse(q).unwrap(),
            PageRequest::default(),
            viewer,
        )
        .await
        .unwrap();
    (
        page.items.iter().map(|v| v.message.id).collect(),
        page.total,
    )
}

async fn words_match_whole_case_blind_newest_first_in_scope(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let ours = ctx.group(&ann, &[&bob], "Ours", 1).await;
    let annes = ctx.group(&ann, &[], "Ann only", 1).await;
    let a = ctx
        .send(&ours, &ann, "Deploy the café build tonight", 2)
        .await;
    let b = ctx
        .send(&ours, &bob, "deploy failed: CAFÉ is down", 3)
        .await;
    let c = ctx.send(&annes, &ann, "deploy notes", 4).await;
    ctx.send(&ours, &bob, "deployment is different", 5).await;

    let here = SearchScope::Conversation(ours.id);
    assert_eq!(
        ids(&ctx, here, "deploy", ann.id).await,
        (vec![b.message.id, a.message.id], 2)
    );
    assert_eq!(
        ids(&ctx, here, "café DEPLOY", ann.id).await.0,
        [b.message.id, a.message.id]
    );
    assert_eq!(
        ids(&ctx, here, "deploy tonight", ann.id).await.0,
        [a.message.id]
    );
    assert_eq!(
        ids(&ctx, here, "cafe", ann.id).await.0,
        Vec::<MessageId>::new(),
        "accents are letters"
    );
    let everywhere = ids(&ctx, SearchScope::MemberOf(ann.id), "deploy", ann.id).await;
    assert_eq!(
        everywhere,
        (vec![c.message.id, b.message.id, a.message.id], 3)
    );
    let bobs = ids(&ctx, SearchScope::MemberOf(bob.id), "deploy", bob.id).await;
    assert_eq!(bobs.0, [b.message.id, a.message.id], "only rooms Bob is in");
}

async fn edits_and_deletions_leave_the_index(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let room = ctx.group(&ann, &[], "Room", 1).await;
    let typo = ctx.send(&room, &ann, "recieve the parcel", 2).await;
    let gone = ctx.send(&room, &ann, "secret parcel code", 3).await;
    ctx.messages
        .edit(
            typo.message.id,
            &MessageBody::parse("receive the parcel").unwrap(),
            None,
            at(4),
        )
        .await
        .unwrap();
    ctx.messages
        .delete(gone.message.id, at(5), None)
        .await
        .unwrap();
    let here = SearchScope::Conversation(room.id);
    assert_eq!(ids(&ctx, here, "recieve", ann.id).await.1, 0);
    assert_eq!(
        ids(&ctx, here, "receive", ann.id).await.0,
        [typo.message.id]
    );
    assert_eq!(
        ids(&ctx, here, "parcel", ann.id).await.0,
        [typo.message.id],
        "no tombstone"
    );
    assert_eq!(ids(&ctx, here, "secret", ann.id).await.1, 0);
}

async fn pages_of_matches_carry_the_total(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let room = ctx.group(&ann, &[], "Room", 1).await;
    let mut sent = Vec::new();
    for i in 0..7 {
        sent.push(
            ctx.send(&room, &ann, &format!("ping number {i}"), i)
                .await
                .message
                .id,
        );
    }
    let query = SearchQuery::parse("ping").unwrap();
    let page = ctx
        .messages
        .search(
            SearchScope::Conversation(room.id),
            &query,
            PageRequest::parse(Some(2), Some(3)).unwrap(),
            ann.id,
        )
        .await
        .unwrap();
    assert_eq!(page.total, 7);
    let got: Vec<MessageId> = page.items.iter().map(|v| v.message.id).collect();
    assert_eq!(got, [sent[3], sent[2], sent[1]]);
}

each_backend!(
    words_match_whole_case_blind_newest_first_in_scope,
    edits_and_deletions_leave_the_index,
    pages_of_matches_carry_the_total,
);
