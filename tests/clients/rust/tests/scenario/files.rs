//! The scenario's files part, through the generated client: progenitor cannot express the
//! multipart upload, so the file goes with the direct-upload JSON flow — announce, `PUT` the bytes
//! where told, complete — then Ann sends it and Bob downloads it.

use confab_client::Client;
use confab_client::types::{DirectUploadBody, SendMessageBody};
use sha2::{Digest, Sha256};

/// Ann (`ann`) and Bob are in `room` of the server at `base`.
pub async fn direct_upload_and_download(ann: &Client, bob: &Client, base: &str, room: i64) {
    // Files: progenitor cannot express the multipart upload, so this client sends a file with the
    // direct-upload JSON flow — announce, `PUT` the bytes where told, complete — then sends it
    // and Bob downloads it through the generated client.
    let bytes: Vec<u8> = b"%PDF-1.7\n"
        .iter()
        .copied()
        .chain((0..20_000u32).map(|i| (i % 251) as u8))
        .collect();
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let announced = ann
        .announce_upload(
            room,
            &DirectUploadBody {
                name: "notes.pdf".parse().unwrap(),
                size: bytes.len() as u64,
                sha256: sha256.parse().unwrap(),
            },
        )
        .await
        .expect("announce");
    assert_eq!(announced.status().as_u16(), 201);
    let target = announced.into_inner().data;
    assert_eq!(target.method, "PUT");
    let url = if target.url.starts_with("http") {
        target.url.clone()
    } else {
        format!("{}{}", base, target.url)
    };
    let mut put = reqwest::Client::new().put(url).body(bytes.clone());
    for (name, value) in &target.headers {
        put = put.header(name.as_str(), value.as_str());
    }
    assert!(put.send().await.unwrap().status().is_success());
    let file = ann
        .complete_upload(room, &target.upload_id)
        .await
        .expect("complete")
        .into_inner()
        .data;
    assert_eq!(file.name, "notes.pdf");
    assert_eq!(file.content_type, "application/pdf");
    assert_eq!(file.sha256, sha256);
    let with_file = SendMessageBody {
        body: "".parse().unwrap(),
        client_id: None,
        reply_to: None,
        attachment_ids: Some(vec![file.id]),
        mentions: None,
        mention_room: None,
        thread_id: None,
        also_in_room: None,
    };
    let sent = ann
        .send_message(room, None, &with_file)
        .await
        .expect("send with a file")
        .into_inner()
        .data;
    assert_eq!(sent.attachments.len(), 1);
    assert_eq!(sent.attachments[0].id, file.id);
    let download = bob
        .download_attachment(file.id, None, None, None)
        .await
        .expect("download")
        .into_inner();
    let mut downloaded = Vec::new();
    let mut stream = download.into_inner();
    while let Some(chunk) = futures::StreamExt::next(&mut stream).await {
        downloaded.extend_from_slice(&chunk.unwrap());
    }
    assert_eq!(
        downloaded, bytes,
        "the file Bob downloads is the one Ann sent"
    );
}
