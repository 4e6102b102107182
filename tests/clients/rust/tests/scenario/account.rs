//! The scenario's part about one's own account, through the generated client: Erin verifies her
//! email with the code the mail brought, renames herself (another's email is refused), forgets
//! her password, resets it with the mailed code, and her old token is 401. Logged in again, she
//! sets an avatar (anyone can open its URL), removes it, asks for a copy of her data (built in
//! the background, then mailed as a link that downloads the ZIP without a token), and deletes
//! her account (a wrong password is refused on `password`), after which her token is 401.

use std::time::Duration;

use confab_client::types::{
    DataExportState, DeleteAccountBody, ForgotPasswordBody, LoginBody, RegisterBody,
    ResetPasswordBody, UpdateProfileBody, UserEnvelope, VerifyEmailBody,
};
use confab_client::{Client, ClientInfo};
use confab_tests::smtp::{SmtpServer, token_in};

use super::{authorized, refused};

const MAIL_WAIT: Duration = Duration::from_secs(15);
/// How long a data export may take to be built (a few seconds for Erin's little data).
const EXPORT_WAIT: Duration = Duration::from_secs(20);

/// A valid 2×2 RGB PNG (its CRCs and zlib stream check out): the avatar Erin uploads.
const PNG_HEX: &str = concat!(
    "89504e470d0a1a0a0000000d4948445200000002000000020802000000fdd49a",
    "73000000144944415478da63f8cfc0c000c20cffffff6700001eef04fc731c53",
    "cc0000000049454e44ae426082",
);

/// The boundary of the one-part form [`form_with_file`] builds.
const BOUNDARY: &str = "confab-scenario-boundary";

/// A `multipart/form-data` body with one part, `file`, as a browser's form sends it.
fn form_with_file(name: &str, content_type: &str, bytes: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
         Content-Type: {content_type}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

pub async fn run_the_account(anonymous: &Client, base: &str, smtp: &SmtpServer, tag: &str) {
    let email = format!("erin.{tag}@example.com");
    let session = anonymous
        .register(&RegisterBody {
            name: format!("Erin {tag}").parse().unwrap(),
            email: email.parse().unwrap(),
            password: "erins first password".parse().unwrap(),
        })
        .await
        .unwrap()
        .into_inner()
        .data;
    assert_eq!(session.user.email_verified_at, None);
    let erin = authorized(base, &session.token);

    let mail = smtp.wait_for(&email, 1, MAIL_WAIT).await;
    let verify = VerifyEmailBody {
        token: token_in(&mail).parse().unwrap(),
    };
    let verified = anonymous.verify_email(&verify).await.unwrap().into_inner();
    assert_eq!(verified.message, "Email verified.");
    assert!(verified.data.email_verified_at.is_some());
    refused(anonymous.verify_email(&verify).await, 422);

    let renamed = erin
        .update_profile(&UpdateProfileBody {
            name: Some(format!("Erin Renamed {tag}").parse().unwrap()),
            email: None,
        })
        .await
        .unwrap()
        .into_inner()
        .data;
    assert_eq!(renamed.name, format!("Erin Renamed {tag}"));
    assert!(
        renamed.email_verified_at.is_some(),
        "the email did not change"
    );
    let taken = refused(
        erin.update_profile(&UpdateProfileBody {
            name: None,
            email: Some(format!("alice.{tag}@example.com").parse().unwrap()),
        })
        .await,
        422,
    );
    assert!(taken.errors.contains_key("email"));

    let forgot = |email: &str| ForgotPasswordBody {
        email: email.parse().unwrap(),
    };
    let known = anonymous.forgot_password(&forgot(&email)).await.unwrap();
    let unknown = anonymous
        .forgot_password(&forgot(&format!("nobody.{tag}@example.com")))
        .await
        .unwrap();
    assert_eq!(known.status(), unknown.status());
    assert_eq!(known.into_inner().message, unknown.into_inner().message);
    let mail = smtp.wait_for(&email, 2, MAIL_WAIT).await;
    let reset = |code: &str| ResetPasswordBody {
        email: email.parse().unwrap(),
        token: code.parse().unwrap(),
        password: "erins second password".parse().unwrap(),
    };
    let wrong = refused(anonymous.reset_password(&reset(&"0".repeat(64))).await, 422);
    assert!(wrong.errors.contains_key("token"));
    let done = anonymous
        .reset_password(&reset(&token_in(&mail)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(done.message, "Your password has been reset.");
    refused(erin.current_user().await, 401);
    let again = anonymous
        .login(&LoginBody {
            email: email.parse().unwrap(),
            password: "erins second password".parse().unwrap(),
        })
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 200);
    let erin = authorized(base, &again.into_inner().data.token);

    // An avatar: progenitor cannot express the multipart `setAvatar` (`build.rs` leaves it out),
    // so the picture goes as a one-part form over the generated client's own HTTP client (which
    // carries the token), and the answer is read into the generated type. Its URL is public.
    let png = hex::decode(PNG_HEX).unwrap();
    let set = erin
        .client()
        .put(format!("{base}/api/v1/user/avatar"))
        .header(
            reqwest::header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(form_with_file("avatar.png", "image/png", &png))
        .send()
        .await
        .unwrap();
    assert_eq!(set.status().as_u16(), 200, "setAvatar");
    let avatar = set.json::<UserEnvelope>().await.unwrap().data.avatar_url;
    let avatar = avatar.expect("an avatar_url once set");
    assert!(avatar.contains("/api/v1/avatars/"), "{avatar}");
    let url = if avatar.starts_with("http") {
        avatar
    } else {
        format!("{base}{avatar}")
    };
    for size in ["", "?size=64"] {
        let picture = reqwest::Client::new()
            .get(format!("{url}{size}"))
            .send()
            .await
            .unwrap();
        assert_eq!(picture.status().as_u16(), 200, "{url}{size}");
        let content_type = picture.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            content_type == "image/jpeg" || content_type == "image/png",
            "{content_type}"
        );
        assert!(!picture.bytes().await.unwrap().is_empty());
    }
    let removed = erin.remove_avatar().await.unwrap().into_inner().data;
    assert_eq!(removed.avatar_url, None);
    let gone = reqwest::Client::new().get(&url).send().await.unwrap();
    assert_eq!(gone.status().as_u16(), 404, "a removed picture's URL");

    // A copy of her data: before she asks there is none (404). Asked for, it is queued (202),
    // built in the background until `ready` (its link then works for 24 hours; the timestamps
    // are RFC 3339, or they would not have parsed), and mailed — her third mail — as a link that
    // downloads the ZIP without a token; the generated operation downloads it with her token.
    // Another within ten minutes is refused (429).
    let never = refused(erin.get_data_export().await, 404);
    assert_eq!(never.message, "No data export was requested.");
    let asked = erin.request_data_export().await.unwrap();
    assert_eq!(asked.status().as_u16(), 202, "requestDataExport");
    let asked = asked.into_inner();
    assert_eq!(asked.message, "Data export requested.");
    let mut export = asked.data;
    let queued = export.id;
    assert_eq!(export.state, DataExportState::Queued);
    assert_eq!(
        (export.finished_at, export.expires_at, export.size),
        (None, None, None)
    );
    let deadline = tokio::time::Instant::now() + EXPORT_WAIT;
    while export.state != DataExportState::Ready {
        assert!(
            matches!(
                export.state,
                DataExportState::Queued | DataExportState::Building
            ),
            "an export {:?}",
            export.state
        );
        assert!(
            tokio::time::Instant::now() < deadline,
            "the export is still {:?} after {EXPORT_WAIT:?}",
            export.state
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
        export = erin.get_data_export().await.unwrap().into_inner().data;
        assert_eq!(export.id, queued);
    }
    let (Some(finished), Some(expires), Some(size)) =
        (export.finished_at, export.expires_at, export.size)
    else {
        panic!("a ready export says when it finished, expires and its size: {export:?}");
    };
    assert_eq!(expires - finished, chrono::Duration::hours(24));
    assert!(size > 0, "{size}");
    let mail = smtp.wait_for(&email, 3, MAIL_WAIT).await;
    assert!(
        mail.contains("Subject: Your data export is ready"),
        "{mail}"
    );
    let link = format!("{base}/api/v1/user/export/download?token=");
    assert!(mail.contains(&link), "{mail}");
    let code = token_in(&mail);
    assert_eq!(code.len(), 64, "{mail}");
    let via_link = reqwest::Client::new()
        .get(format!("{link}{code}"))
        .send()
        .await
        .unwrap();
    assert_eq!(via_link.status().as_u16(), 200, "the mailed link");
    assert_eq!(
        via_link.headers()[reqwest::header::CONTENT_TYPE],
        "application/zip"
    );
    let archive = via_link.bytes().await.unwrap();
    assert_eq!(i64::try_from(archive.len()).unwrap(), size);
    assert!(archive.starts_with(b"PK\x03\x04"), "a ZIP");
    let mine = erin
        .download_data_export(None, None)
        .await
        .expect("downloadDataExport with her token");
    assert_eq!(mine.status().as_u16(), 200);
    let mut stream = mine.into_inner().into_inner();
    let mut downloaded = Vec::new();
    while let Some(chunk) = futures::StreamExt::next(&mut stream).await {
        downloaded.extend_from_slice(&chunk.unwrap());
    }
    assert_eq!(downloaded.as_slice(), &archive[..], "the same archive");
    refused(erin.request_data_export().await, 429);

    // Deleting the account asks for the password; then the token is 401.
    let delete = |password: &str| DeleteAccountBody {
        password: password.parse().unwrap(),
    };
    let wrong_password = refused(
        erin.delete_account(&delete("not erins password")).await,
        422,
    );
    assert!(wrong_password.errors.contains_key("password"));
    let deleted = erin
        .delete_account(&delete("erins second password"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(deleted.message, "Account deleted.");
    refused(erin.current_user().await, 401);
}
