use confab_domain::data_export::EXPORT_LIFETIME;
use confab_domain::ports::Retrieval;
use confab_domain::{ExportFile, ExportState, FileName};

use super::*;
use crate::test_support::{Mocks, now, signed_in};

fn export(state: ExportState, requested_minutes_ago: i64) -> DataExport {
    DataExport {
        id: 4,
        user: UserId(1),
        state,
        requested_at: now() - chrono::Duration::minutes(requested_minutes_ago),
        finished_at: None,
        expires_at: None,
        archive: None,
        attempts: 0,
    }
}

/// Ready since `minutes_ago` minutes.
fn ready(minutes_ago: i64) -> DataExport {
    let finished = now() - chrono::Duration::minutes(minutes_ago);
    DataExport {
        finished_at: Some(finished),
        expires_at: Some(finished + EXPORT_LIFETIME),
        archive: Some(ExportFile {
            storage_key: "exports/1/4.zip".into(),
            size: 1000,
            sha256: "feed".into(),
        }),
        ..export(ExportState::Ready, minutes_ago + 1)
    }
}

fn name_only(name: &FileName, inline: bool) -> String {
    format!("{}|{inline}", name.as_str())
}

#[tokio::test]
async fn the_first_request_queues_and_a_second_answers_with_the_same_export() {
    let mut mocks = Mocks::new();
    let mut latest = mockall::Sequence::new();
    mocks
        .exports
        .expect_latest()
        .times(1)
        .in_sequence(&mut latest)
        .returning(|_| Ok(None));
    mocks
        .exports
        .expect_request()
        .times(1)
        .withf(|user, at| *user == UserId(1) && *at == now())
        .returning(|_, _| Ok((export(ExportState::Queued, 0), true)));
    mocks
        .exports
        .expect_latest()
        .times(1)
        .in_sequence(&mut latest)
        .returning(|_| Ok(Some(export(ExportState::Building, 0))));
    let app = mocks.build();
    let auth = signed_in(1, "s", 0);
    let (first, queued) = app.request_export(&auth).await.unwrap();
    assert_eq!((first.id, queued), (4, true));
    let (again, queued) = app.request_export(&auth).await.unwrap();
    assert_eq!((again.state, queued), (ExportState::Building, false));
}

#[tokio::test]
async fn another_export_within_ten_minutes_is_429_and_queues_nothing() {
    let mut mocks = Mocks::new();
    mocks
        .exports
        .expect_latest()
        .returning(|_| Ok(Some(ready(2))));
    mocks.exports.expect_request().never();
    let refused = mocks
        .build()
        .request_export(&signed_in(1, "s", 0))
        .await
        .unwrap_err();
    assert_eq!(
        refused,
        DomainError::RateLimited {
            retry_after_secs: 420
        }
    );
}

#[tokio::test]
async fn the_status_says_expired_after_a_day_and_404_before_any_export() {
    let mut mocks = Mocks::new();
    let mut order = mockall::Sequence::new();
    mocks
        .exports
        .expect_latest()
        .times(1)
        .in_sequence(&mut order)
        .returning(|_| Ok(None));
    mocks
        .exports
        .expect_latest()
        .times(1)
        .in_sequence(&mut order)
        .returning(|_| Ok(Some(ready(24 * 60))));
    let app = mocks.build();
    let auth = signed_in(1, "s", 0);
    assert_eq!(
        app.export_status(&auth).await.unwrap_err(),
        DomainError::ExportNotFound
    );
    assert_eq!(
        app.export_status(&auth).await.unwrap().state,
        ExportState::Expired
    );
}

#[tokio::test]
async fn the_link_from_the_mail_downloads_the_archive_as_a_zip_attachment() {
    let mut mocks = Mocks::new();
    mocks
        .exports
        .expect_by_download_token()
        .withf(|token| token.expose() == "good")
        .returning(|_| Ok(Some(ready(5))));
    mocks
        .files
        .expect_retrieve()
        .withf(|key, range, presentation, _| {
            key == "exports/1/4.zip"
                && range.is_none()
                && presentation.content_type == "application/zip"
                && presentation.disposition.ends_with("|false")
        })
        .returning(|_, _, _, _| Ok(Retrieval::Redirect("https://s3/x".into())));
    let download = mocks
        .build()
        .download_export(
            ExportHolder::Link(AccountToken::parse("good").unwrap()),
            None,
            name_only,
            Duration::from_secs(60),
        )
        .await
        .unwrap();
    assert_eq!(
        (download.size, download.etag.as_str(), download.inline),
        (1000, "feed", false)
    );
    assert!(download.name.as_str().starts_with("confab-export-1-"));
}

#[tokio::test]
async fn an_unknown_or_expired_link_is_refused_and_unready_exports_are_404() {
    let mut mocks = Mocks::new();
    let mut order = mockall::Sequence::new();
    for found in [None, Some(ready(24 * 60 + 1))] {
        mocks
            .exports
            .expect_by_download_token()
            .times(1)
            .in_sequence(&mut order)
            .returning(move |_| Ok(found.clone()));
    }
    mocks
        .exports
        .expect_latest()
        .returning(|_| Ok(Some(export(ExportState::Building, 1))));
    mocks.files.expect_retrieve().never();
    let app = mocks.build();
    for _ in 0..2 {
        let refused = app
            .download_export(
                ExportHolder::Link(AccountToken::parse("t").unwrap()),
                None,
                name_only,
                Duration::from_secs(60),
            )
            .await
            .unwrap_err();
        assert_eq!(refused, DomainError::AttachmentLinkExpired);
    }
    let not_ready = app
        .download_export(
            ExportHolder::User(UserId(1)),
            None,
            name_only,
            Duration::from_secs(60),
        )
        .await
        .unwrap_err();
    assert_eq!(not_ready, DomainError::ExportNotReady);
}
