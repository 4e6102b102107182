use confab_domain::{Attachment, ConversationId, DownloadFacts, MessageId, UserId};

use super::*;
use crate::test_support::{Mocks, now};

fn sent_pdf() -> Attachment {
    Attachment {
        id: AttachmentId(5),
        conversation_id: ConversationId(1),
        uploader: UserId(2),
        name: FileName::sanitize("report.pdf"),
        content_type: "application/pdf".into(),
        size: 100,
        sha256: "ab".repeat(32),
        image: None,
        thumbnail: None,
        storage_key: "conversations/1/k".into(),
        message_id: Some(MessageId(16)),
        created_at: now(),
    }
}

fn found(mocks: &mut Mocks, participant: bool) {
    mocks
        .attachments
        .expect_find_for()
        .returning(move |_, _| Ok(Some((sent_pdf(), DownloadFacts { participant }))));
}

fn disposition(name: &FileName, inline: bool) -> String {
    format!(
        "{}; {}",
        if inline { "inline" } else { "attachment" },
        name.as_str()
    )
}

async fn download(
    mocks: Mocks,
    requester: Requester,
    variant: Variant,
    range: Option<RequestedRange>,
) -> Result<Download, DomainError> {
    mocks
        .build()
        .download_attachment(
            requester,
            AttachmentId(5),
            variant,
            range,
            disposition,
            Duration::from_secs(60),
        )
        .await
}

#[tokio::test]
async fn a_member_gets_the_range_asked_for_and_a_pdf_is_never_shown_inline() {
    let mut mocks = Mocks::new();
    found(&mut mocks, true);
    mocks
        .files
        .expect_retrieve()
        .withf(|key, range, presentation, _| {
            key == "conversations/1/k"
                && *range
                    == Some(ByteRange {
                        first: 90,
                        last: 99,
                    })
                && presentation.disposition == "attachment; report.pdf"
        })
        .times(1)
        .returning(|_, _, _, _| Ok(Retrieval::Redirect("https://s3/x".into())));
    let download = download(
        mocks,
        Requester::User(UserId(3)),
        Variant::Original,
        Some(RequestedRange::Suffix(10)),
    )
    .await
    .unwrap();
    assert!(!download.inline);
    assert_eq!(download.etag, "ab".repeat(32));
    assert_eq!(download.size, 100);
}

#[tokio::test]
async fn a_removed_member_is_told_it_does_not_exist_and_nothing_is_read() {
    let mut mocks = Mocks::new();
    found(&mut mocks, false);
    mocks.files.expect_retrieve().never();
    let refused = download(mocks, Requester::User(UserId(3)), Variant::Original, None).await;
    assert_eq!(refused.unwrap_err(), DomainError::AttachmentNotFound);
}

#[tokio::test]
async fn a_range_past_the_end_and_a_missing_thumbnail_are_refused() {
    let mut mocks = Mocks::new();
    found(&mut mocks, true);
    mocks.files.expect_retrieve().never();
    let past = RequestedRange::From {
        first: 100,
        last: None,
    };
    let refused = download(
        mocks,
        Requester::User(UserId(3)),
        Variant::Original,
        Some(past),
    )
    .await;
    assert_eq!(
        refused.unwrap_err(),
        DomainError::RangeNotSatisfiable { size: 100 }
    );
    let mut mocks = Mocks::new();
    found(&mut mocks, true);
    let refused = download(mocks, Requester::SignedLink, Variant::Thumbnail, None).await;
    assert_eq!(refused.unwrap_err(), DomainError::AttachmentNotFound);
}

#[tokio::test]
async fn an_unknown_id_is_not_found() {
    let mut mocks = Mocks::new();
    mocks
        .attachments
        .expect_find_for()
        .withf(|id, viewer| *id == AttachmentId(5) && viewer.is_none())
        .returning(|_, _| Ok(None));
    let refused = download(mocks, Requester::SignedLink, Variant::Original, None).await;
    assert_eq!(refused.unwrap_err(), DomainError::AttachmentNotFound);
}
