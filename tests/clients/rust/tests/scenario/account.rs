//! The scenario's part about one's own account, through the generated client: Erin verifies her
//! email with the code the mail brought, renames herself (another's email is refused), forgets
//! her password, resets it with the mailed code, and her old token is 401.

use std::time::Duration;

use confab_client::Client;
use confab_client::types::{
    ForgotPasswordBody, LoginBody, RegisterBody, ResetPasswordBody, UpdateProfileBody,
    VerifyEmailBody,
};
use confab_tests::smtp::{SmtpServer, token_in};

use super::{authorized, refused};

const MAIL_WAIT: Duration = Duration::from_secs(15);

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
}
