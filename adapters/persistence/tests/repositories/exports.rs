//! Data exports: one under way per person, taken by one node at a time under a lease, retried or
//! failed, ready with its mail in one transaction, found by its link's token, and forgotten
//! once expired; and the reads that fill one, a page at a time in a stable order.

use confab_domain::ports::{ExportRepository, MailOutbox};
use confab_domain::{
    AccountToken, ExportFile, ExportState, MailKind, MessageId, NewToken, TokenPurpose,
};
use confab_persistence::{SeaExportRepository, SeaMailOutbox};

use crate::helpers::{TestContext, at};

fn archive() -> ExportFile {
    ExportFile {
        storage_key: "exports/1/1.zip".into(),
        size: 1234,
        sha256: "ab".repeat(32),
    }
}

async fn one_export_is_under_way_and_one_node_builds_it(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let exports = SeaExportRepository::new(ctx.db.clone());
    assert_eq!(exports.latest(ann.id).await, Ok(None));
    let (first, queued) = exports.request(ann.id, at(1)).await.unwrap();
    assert!(queued);
    assert_eq!((first.state, first.attempts), (ExportState::Queued, 0));
    let (again, queued) = exports.request(ann.id, at(2)).await.unwrap();
    assert_eq!((again.id, queued), (first.id, false), "one under way");

    // Taken by one node until its lease ends; then another may take it over.
    let taken = exports.claim(at(3), at(100)).await.unwrap().unwrap();
    assert_eq!(
        (taken.id, taken.state, taken.attempts),
        (first.id, ExportState::Building, 1)
    );
    assert_eq!(exports.claim(at(4), at(104)).await, Ok(None));
    let taken_over = exports.claim(at(100), at(200)).await.unwrap().unwrap();
    assert_eq!(taken_over.attempts, 2);

    // A failure waits for its retry; the last one fails the export, and another may be asked.
    exports.failed(first.id, Some(at(300))).await.unwrap();
    assert_eq!(exports.claim(at(299), at(400)).await, Ok(None));
    assert!(exports.claim(at(300), at(400)).await.unwrap().is_some());
    exports.failed(first.id, None).await.unwrap();
    assert_eq!(exports.claim(at(10_000), at(10_100)).await, Ok(None));
    let failed = exports.latest(ann.id).await.unwrap().unwrap();
    assert_eq!(failed.state, ExportState::Failed);
    let (next, queued) = exports.request(ann.id, at(500)).await.unwrap();
    assert!(queued && next.id != first.id);
}

async fn a_ready_export_is_mailed_found_by_its_token_and_forgotten_when_expired(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let exports = SeaExportRepository::new(ctx.db.clone());
    let outbox = SeaMailOutbox::new(ctx.db.clone());
    let (export, _) = exports.request(ann.id, at(1)).await.unwrap();
    exports.claim(at(2), at(900)).await.unwrap().unwrap();
    let token = NewToken::issue(
        TokenPurpose::DownloadExport,
        AccountToken::parse("download-secret").unwrap(),
        at(10),
    );
    exports
        .finish(export.id, archive(), token, &ann)
        .await
        .unwrap();
    let ready = exports.latest(ann.id).await.unwrap().unwrap();
    assert_eq!(ready.state, ExportState::Ready);
    assert_eq!(ready.archive, Some(archive()));
    assert_eq!(ready.expires_at, Some(at(10) + chrono::Duration::hours(24)));
    let mails = outbox.claim(at(11), at(70), 10).await.unwrap();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].mail.to, ann.email);
    assert!(
        matches!(&mails[0].mail.kind, MailKind::ExportReady { token } if token.expose() == "download-secret")
    );
    let found = exports
        .by_download_token(&AccountToken::parse("download-secret").unwrap())
        .await
        .unwrap();
    assert_eq!(found.map(|e| e.id), Some(export.id));
    let wrong = AccountToken::parse("another").unwrap();
    assert_eq!(exports.by_download_token(&wrong).await, Ok(None));

    // Not yet expired: nothing to take. Expired: its archive once, and its link matches nothing.
    assert_eq!(exports.take_expired(at(100), 10).await, Ok(Vec::new()));
    let day_later = at(10) + chrono::Duration::hours(24);
    assert_eq!(
        exports.take_expired(day_later, 10).await,
        Ok(vec![archive()])
    );
    assert_eq!(exports.take_expired(day_later, 10).await, Ok(Vec::new()));
    let secret = AccountToken::parse("download-secret").unwrap();
    assert_eq!(exports.by_download_token(&secret).await, Ok(None));
    let expired = exports.latest(ann.id).await.unwrap().unwrap();
    assert_eq!(expired.state, ExportState::Expired);
}

async fn the_reads_page_through_a_persons_own_data_in_a_stable_order(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let quiet = ctx.group(&bob, &[&ann], "Quiet", 0).await;
    let busy = ctx.group(&ann, &[&bob], "Busy", 1).await;
    let exports = SeaExportRepository::new(ctx.db.clone());
    let mut sent = Vec::new();
    for n in 0..5 {
        sent.push(ctx.send(&busy, &ann, &format!("ann {n}"), 10 + n).await);
        ctx.send(&busy, &bob, &format!("bob {n}"), 20 + n).await;
    }
    ctx.send(&quiet, &bob, "only bob here", 30).await;

    // Only the room she wrote in.
    let rooms = exports.rooms_written_in(ann.id, None, 10).await.unwrap();
    assert_eq!(rooms, [busy.id]);
    assert_eq!(
        exports.rooms_written_in(ann.id, Some(busy.id), 10).await,
        Ok(Vec::new())
    );
    // Two pages of two, then the last one, each after the previous page's last.
    let mut read = Vec::new();
    let mut after = None;
    loop {
        let page = exports
            .messages_written(ann.id, busy.id, after, 2)
            .await
            .unwrap();
        after = page.last().map(|m| (m.seq, m.id));
        let full = page.len() == 2;
        read.extend(page.into_iter().map(|m| m.body));
        if !full {
            break;
        }
    }
    assert_eq!(read, ["ann 0", "ann 1", "ann 2", "ann 3", "ann 4"]);
    let first: Vec<MessageId> = sent.iter().map(|m| m.message.id).collect();
    assert!(first.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(
        exports.reactions_given(ann.id, None, 10).await,
        Ok(Vec::new())
    );
    assert_eq!(
        exports.files_uploaded(ann.id, None, 10).await,
        Ok(Vec::new())
    );
}

each_backend!(
    one_export_is_under_way_and_one_node_builds_it,
    a_ready_export_is_mailed_found_by_its_token_and_forgotten_when_expired,
    the_reads_page_through_a_persons_own_data_in_a_stable_order,
);
