//! Data exports end to end on both databases, with a real SMTP server (aiosmtpd): asked for
//! once however often the button is pressed, built in the background, mailed as a link that
//! downloads without signing in, holding exactly the person's own data — and gone after a day.

use std::io::Read;
use std::time::Duration;

use confab_tests::s3::S3Server;
use confab_tests::smtp::{SmtpServer, token_in};
use confab_tests::{Backend, SharedDatabase, TestServer, on_both_backends};
use reqwest::{Method, StatusCode};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::attachments::upload;
use crate::mail_support::{MAIL_WAIT, email_of, with_mail};

on_both_backends!(
    an_export_holds_your_data_and_its_link_works_for_a_day,
    an_export_is_built_into_s3_and_downloaded_from_it,
);

const EXPORT: &str = "/api/v1/user/export";
const DOWNLOAD: &str = "/api/v1/user/export/download";

/// The archive's entries by name.
fn entries(zip_bytes: &[u8]) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes.to_vec())).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut entry = zip.by_index(i).unwrap();
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            (entry.name().unwrap().into_owned(), bytes)
        })
        .collect()
}

fn json_in(entries: &std::collections::BTreeMap<String, Vec<u8>>, name: &str) -> Value {
    let bytes = entries
        .get(name)
        .unwrap_or_else(|| panic!("{name} in {:?}", entries.keys()));
    serde_json::from_slice(bytes).unwrap()
}

async fn download(server: &TestServer, query: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = server.client.get(server.url(&format!("{DOWNLOAD}{query}")));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

async fn an_export_holds_your_data_and_its_link_works_for_a_day(backend: &Backend) {
    let Some(smtp) = SmtpServer::start().await else {
        return;
    };
    let database = SharedDatabase::create(backend).await;
    let server = with_mail(&database, &smtp).await;
    let (ann, ann_token) = server.register("Ann Lee").await;
    let (bob, bob_token) = server.register("Bob Stone").await;
    let email = email_of("Ann Lee");
    let room = server.group(&ann_token, "Team", &[bob]).await;
    let kept = server.send(&ann_token, room, "first words").await;
    let gone = server.send(&ann_token, room, "regretted").await;
    let bobs = server.send(&bob_token, room, "bob's own").await;
    let (status, _) = server
        .call(
            Method::PATCH,
            &format!("/api/v1/conversations/{room}/messages/{}", kept["id"]),
            Some(&ann_token),
            Some(json!({"body": "first words, edited"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = server
        .call(
            Method::DELETE,
            &format!("/api/v1/conversations/{room}/messages/{}", gone["id"]),
            Some(&ann_token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = server
        .call(
            Method::PUT,
            &format!(
                "/api/v1/conversations/{room}/messages/{}/reactions/👍",
                bobs["id"]
            ),
            Some(&ann_token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, file) = upload(&server, &ann_token, room, "notes.txt", b"my notes").await;
    assert_eq!(status, StatusCode::CREATED, "{file}");
    let file_id = file["data"]["id"].as_i64().unwrap();
    let (status, _) = server
        .post(
            &format!("/api/v1/conversations/{room}/messages"),
            &ann_token,
            json!({"body": "see file", "attachment_ids": [file_id]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    // Before any request there is nothing to show.
    let (status, body) = server.get(EXPORT, &ann_token).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["message"], "No data export was requested.");

    // Asked twice: one export.
    let (status, first) = server.post(EXPORT, &ann_token, json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{first}");
    assert_eq!(first["message"], "Data export requested.");
    assert_eq!(first["data"]["state"], "queued");
    assert_eq!(first["data"]["size"], Value::Null);
    let export_id = first["data"]["id"].as_i64().unwrap();
    let (status, again) = server.post(EXPORT, &ann_token, json!({})).await;
    if status == StatusCode::ACCEPTED {
        assert_eq!(again["data"]["id"], export_id);
        assert_eq!(again["message"], "A data export is already being prepared.");
    } else {
        // Built already, in the moment between the two: the ten-minute wait applies.
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{again}");
    }
    let db = sea_orm::Database::connect(&database.url).await.unwrap();
    let count = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM data_exports".to_owned(),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(count, 1, "asking twice queues one export");

    // The mail comes with a link that needs no sign-in.
    let mail = smtp.wait_for(&email, 2, MAIL_WAIT).await;
    assert!(
        mail.contains("Subject: Your data export is ready"),
        "{mail}"
    );
    assert!(
        mail.contains("https://chat.example.com/api/v1/user/export/download?token="),
        "{mail}"
    );
    let link_token = token_in(&mail);
    let (status, ready) = server.get(EXPORT, &ann_token).await;
    assert_eq!(status, StatusCode::OK, "{ready}");
    assert_eq!(ready["data"]["state"], "ready");
    let finished =
        chrono::DateTime::parse_from_rfc3339(ready["data"]["finished_at"].as_str().unwrap())
            .unwrap();
    let expires =
        chrono::DateTime::parse_from_rfc3339(ready["data"]["expires_at"].as_str().unwrap())
            .unwrap();
    assert_eq!(expires - finished, chrono::Duration::hours(24));

    let response = download(&server, &format!("?token={link_token}"), None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/zip");
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.starts_with(&format!("attachment; filename=\"confab-export-{ann}-")),
        "{disposition}"
    );
    let archive = response.bytes().await.unwrap();
    assert_eq!(Some(archive.len() as i64), ready["data"]["size"].as_i64());
    let entries = entries(&archive);
    assert!(entries.contains_key("README.txt"));
    let profile = json_in(&entries, "profile.json");
    assert_eq!(
        (profile["id"].as_i64(), &profile["email"]),
        (Some(ann), &json!(email))
    );
    assert!(!String::from_utf8_lossy(&entries["profile.json"]).contains("argon2"));
    let rooms = json_in(&entries, "rooms.json");
    assert_eq!(rooms.as_array().unwrap().len(), 1);
    assert_eq!(rooms[0]["id"].as_i64(), Some(room));
    assert_eq!(rooms[0]["name"], "Team");
    // Her messages only, oldest first, the deleted one left out, the edit as it is now.
    let messages = json_in(&entries, &format!("messages/conversation-{room}.json"));
    let bodies: Vec<&str> = messages
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["first words, edited", "see file"]);
    assert!(messages[0]["edited_at"].is_string());
    let reactions = json_in(&entries, "reactions.json");
    assert_eq!(
        (
            reactions[0]["message_id"].clone(),
            reactions[0]["emoji"].clone()
        ),
        (bobs["id"].clone(), json!("👍"))
    );
    assert_eq!(reactions.as_array().unwrap().len(), 1);
    let files = json_in(&entries, "attachments.json");
    assert_eq!(files[0]["id"].as_i64(), Some(file_id));
    let path = files[0]["path"].as_str().unwrap();
    assert_eq!(path, format!("attachments/{file_id}-notes.txt"));
    assert_eq!(entries[path], b"my notes");

    // Signed in, the same archive; a range of it; someone else has none; a made-up link opens
    // nothing.
    let signed_in = download(&server, "", Some(&ann_token)).await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    assert_eq!(signed_in.bytes().await.unwrap(), archive);
    let part = server
        .client
        .get(server.url(DOWNLOAD))
        .bearer_auth(&ann_token)
        .header("Range", "bytes=0-3")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(&part.bytes().await.unwrap()[..], b"PK\x03\x04");
    assert_eq!(
        download(&server, "", Some(&bob_token)).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        download(&server, "?token=0123abcd", None).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        download(&server, "", None).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // Another export within ten minutes is refused with a wait.
    let refused = server
        .client
        .post(server.url(EXPORT))
        .bearer_auth(&ann_token)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers().contains_key("retry-after"));

    // A day later (moved in the database): the link is dead and the archive leaves the store.
    let stored = server
        .data_dir
        .join(format!("attachments/exports/{ann}/{export_id}.zip"));
    assert!(stored.exists(), "{}", stored.display());
    db.execute_unprepared("UPDATE data_exports SET expires_at = finished_at")
        .await
        .unwrap();
    let response = download(&server, &format!("?token={link_token}"), None).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let (_, expired) = server.get(EXPORT, &ann_token).await;
    assert_eq!(expired["data"]["state"], "expired");
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while stored.exists() && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        !stored.exists(),
        "the expired archive is removed from the store"
    );
}

/// The same on an S3 store (`s3s-fs`, signatures checked): the archive is written as a multipart
/// upload of unknown length, the files are read back from S3 into it, and the download is a
/// redirect to a presigned GET.
async fn an_export_is_built_into_s3_and_downloaded_from_it(backend: &Backend) {
    let Some(s3) = S3Server::start().await else {
        return;
    };
    let env = s3.confab_env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server = TestServer::start_with(backend, &env).await;
    let (_, token) = server.register("Ann Lee").await;
    let room = server.group(&token, "Files", &[]).await;
    // Bigger than one S3 part of the archive's upload, and not a multiple of anything.
    let bytes: Vec<u8> = (0..9_000_123_u32).map(|i| (i % 253) as u8).collect();
    let (status, file) = upload(&server, &token, room, "big.bin", &bytes).await;
    assert_eq!(status, StatusCode::CREATED, "{file}");
    let file_id = file["data"]["id"].as_i64().unwrap();
    let (status, _) = server.post(EXPORT, &token, json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (_, export) = server.get(EXPORT, &token).await;
        if export["data"]["state"] == "ready" {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{export}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answer = no_redirects
        .get(server.url(DOWNLOAD))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::FOUND);
    let presigned = answer.headers()["location"].to_str().unwrap().to_owned();
    assert!(presigned.contains("X-Amz-Signature="), "{presigned}");
    let archive = reqwest::get(&presigned)
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let entries = entries(&archive);
    assert_eq!(entries[&format!("attachments/{file_id}-big.bin")], bytes);
    assert_eq!(json_in(&entries, "attachments.json")[0]["size"], 9_000_123);
}
