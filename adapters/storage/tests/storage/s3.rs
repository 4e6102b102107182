//! The store in an S3 bucket (`s3s-fs`, checking signatures): the shared behaviour, plus what only
//! S3 does (presigned URLs a plain HTTP client can use, and nothing else can).

use std::time::Duration;

use confab_domain::DomainError;
use confab_domain::ports::{FileStore, Retrieval};
use confab_storage::{ObjectFileStore, S3Settings};

use crate::behaviour::behaviour_tests;
use crate::helpers::{BUCKET, Harness, free_port, fresh_key, presentation, random_bytes, within};

behaviour_tests! {
    Harness::s3();
    a_multi_part_file_round_trips_with_its_size_digest_and_head,
    an_empty_file_is_stored_and_read_back,
    a_file_of_exactly_the_limit_is_accepted_but_not_one_byte_more,
    a_file_over_the_limit_is_refused_and_nothing_stays,
    a_broken_upload_returns_its_own_error_and_nothing_stays,
    a_range_gives_exactly_those_bytes,
    a_missing_object_is_attachment_not_found,
    a_small_object_is_read_whole_unless_over_the_limit,
    delete_removes_objects_and_ignores_missing_ones,
}

async fn presigned_get(h: &Harness, key: &str, valid_for: Duration) -> String {
    match within(h.store.retrieve(key, None, &presentation(), valid_for)).await {
        Ok(Retrieval::Redirect(url)) => url,
        other => panic!("a bucket redirects to S3: {other:?}"),
    }
}

async fn status_of(url: &str) -> u16 {
    within(reqwest::get(url))
        .await
        .expect("S3 answers")
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_presigned_get_carries_the_presentation_inside_its_signature() {
    let Some(h) = Harness::s3() else { return };
    let key = fresh_key();
    within(h.store.put_small(&key, b"%PDF-1.7".to_vec()))
        .await
        .unwrap();

    let url = presigned_get(&h, &key, Duration::from_secs(60)).await;

    assert!(
        url.contains("response-content-type=application%2Fpdf"),
        "{url}"
    );
    assert!(
        url.contains("response-content-disposition=attachment"),
        "{url}"
    );
    let response = within(reqwest::get(&url)).await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        within(response.bytes()).await.unwrap().as_ref(),
        b"%PDF-1.7"
    );
    // A client that rewrites how the file is presented breaks the signature.
    assert!(url.contains("report.pdf"));
    assert_eq!(
        status_of(&url.replace("report.pdf", "report.html")).await,
        403
    );
}

#[tokio::test]
async fn a_tampered_or_expired_presigned_get_is_refused() {
    let Some(h) = Harness::s3() else { return };
    let key = fresh_key();
    within(h.store.put_small(&key, random_bytes(100)))
        .await
        .unwrap();
    let url = presigned_get(&h, &key, Duration::from_secs(1)).await;

    let at = url.find("X-Amz-Signature=").expect("a SigV4 URL") + "X-Amz-Signature=".len();
    let flipped = if url.as_bytes()[at] == b'0' { "1" } else { "0" };
    let tampered = format!("{}{flipped}{}", &url[..at], &url[at + 1..]);
    assert_eq!(status_of(&tampered).await, 403);
    let other_key = url.replace(&key, &fresh_key());
    assert_eq!(status_of(&other_key).await, 403);

    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(status_of(&url).await, 403, "expired");
}

#[tokio::test]
async fn a_presigned_put_lets_a_client_upload_without_credentials() {
    let Some(h) = Harness::s3() else { return };
    let server = h.server.as_ref().unwrap();
    let store = ObjectFileStore::s3(BUCKET, &server.settings(crate::helpers::SECRET_KEY)).unwrap();
    let (key, bytes) = (fresh_key(), random_bytes(10_000));

    let target = within(store.upload_target(&key, 10_000, Duration::from_secs(60)))
        .await
        .unwrap();

    let target = target.expect("S3 can presign a PUT");
    assert_eq!(target.method, "PUT");
    let url = target.url;
    let put = within(reqwest::Client::new().put(&url).body(bytes.clone()).send())
        .await
        .unwrap();
    assert_eq!(put.status().as_u16(), 200);
    let measured = within(h.store.measure(&key)).await.unwrap();
    assert_eq!(measured.size, 10_000);
    assert_eq!(measured.sha256, crate::helpers::sha256_hex(&bytes));
    assert_eq!(
        within(h.store.read_small(&key, 10_000)).await.unwrap(),
        bytes
    );
}

#[tokio::test]
async fn wrong_credentials_are_an_internal_failure_not_an_outage() {
    let Some(h) = Harness::s3() else { return };
    let server = h.server.as_ref().unwrap();
    let store = ObjectFileStore::s3(BUCKET, &server.settings("not-the-secret")).unwrap();

    let refused = within(store.put_small(&fresh_key(), vec![1, 2, 3])).await;

    assert!(
        matches!(refused, Err(DomainError::Internal(_))),
        "{refused:?}"
    );
}

#[tokio::test]
async fn a_store_out_of_reach_is_unavailable() {
    // Needs no server: nothing listens on the port.
    let settings = S3Settings {
        endpoint: Some(format!("http://127.0.0.1:{}", free_port())),
        access_key_id: Some("key".into()),
        secret_access_key: Some("secret".into()),
        ..S3Settings::default()
    };
    let store = ObjectFileStore::s3(BUCKET, &settings).unwrap();
    let source = crate::helpers::Upload::new(random_bytes(100));

    let small = within(store.put_small(&fresh_key(), vec![1])).await;
    let streamed = within(store.put(&fresh_key(), source, 1000)).await;

    assert!(
        matches!(small, Err(DomainError::Unavailable(_))),
        "{small:?}"
    );
    assert!(
        matches!(streamed, Err(DomainError::Unavailable(_))),
        "{streamed:?}"
    );
}

#[test]
fn a_bucket_is_described_by_its_endpoint_without_credentials() {
    let settings = S3Settings {
        endpoint: Some("http://127.0.0.1:9000".into()),
        access_key_id: Some("key".into()),
        secret_access_key: Some("secret".into()),
        ..S3Settings::default()
    };

    let store = confab_storage::open("s3://attachments", settings).unwrap();

    assert_eq!(
        store.describe(),
        "s3://attachments at http://127.0.0.1:9000"
    );
}
