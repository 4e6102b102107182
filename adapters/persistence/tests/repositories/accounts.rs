//! Account changes that send mail: each stores its change, its token and its mail together, or
//! nothing; tokens work once, before they expire, for the email they were issued for; the mail
//! queue hands each mail to one taker and keeps a failed one for its retry.

use confab_domain::ports::{AccountRepository, MailOutbox};
use confab_domain::{
    AccountToken, ChangedProfile, DomainError, Email, MailKind, NewToken, PasswordHash,
    ProfileChange, TokenPurpose,
};
use confab_persistence::{SeaAccountRepository, SeaMailOutbox};

use crate::helpers::{TestContext, at};

fn secret(text: &str) -> AccountToken {
    AccountToken::parse(text).unwrap()
}

fn token(purpose: TokenPurpose, text: &str, seconds: i64) -> NewToken {
    NewToken::issue(purpose, secret(text), at(seconds))
}

/// Everything due by `seconds`, taken (and so leased) by one node.
async fn take_all(outbox: &SeaMailOutbox, seconds: i64) -> Vec<confab_domain::QueuedMail> {
    outbox
        .claim(at(seconds), at(seconds + 60), 100)
        .await
        .unwrap()
}

async fn a_taken_email_changes_nothing_and_queues_no_mail(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let accounts = SeaAccountRepository::new(ctx.db.clone());
    let outbox = SeaMailOutbox::new(ctx.db.clone());
    let change = ProfileChange::parse(Some("Annie"), Some(bob.email.as_str())).unwrap();
    let refused = accounts
        .update_profile(
            &change.apply_to(&ann),
            Some(token(TokenPurpose::VerifyEmail, "v1", 1)),
        )
        .await;
    assert_eq!(
        refused,
        Err(DomainError::invalid(
            "email",
            "The email has already been taken."
        ))
    );
    assert!(
        take_all(&outbox, 10).await.is_empty(),
        "no mail without its change"
    );
    assert_eq!(accounts.verify_email(&secret("v1"), at(2)).await, Ok(None));

    let moved: ChangedProfile = ProfileChange::parse(None, Some("ann@new.io"))
        .unwrap()
        .apply_to(&ann);
    let events = accounts
        .update_profile(&moved, Some(token(TokenPurpose::VerifyEmail, "v2", 3)))
        .await
        .unwrap();
    assert!(events.is_empty(), "an email tells nobody");
    let queued = take_all(&outbox, 10).await;
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].mail.to.as_str(), "ann@new.io");
    assert!(
        matches!(&queued[0].mail.kind, MailKind::VerifyEmail { token } if token.expose() == "v2")
    );
}

async fn a_verification_works_once_before_it_expires_for_its_own_email(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let accounts = SeaAccountRepository::new(ctx.db.clone());
    accounts
        .resend_verification(&ann, token(TokenPurpose::VerifyEmail, "old", 0), at(-60))
        .await
        .unwrap()
        .unwrap();
    // Another within the minute is refused with the time of the last.
    assert_eq!(
        accounts
            .resend_verification(&ann, token(TokenPurpose::VerifyEmail, "x", 30), at(-30))
            .await
            .unwrap(),
        Err(at(0))
    );
    let expired = 24 * 3600 + 1;
    assert_eq!(
        accounts.verify_email(&secret("old"), at(expired)).await,
        Ok(None)
    );
    let verified = accounts
        .verify_email(&secret("old"), at(5))
        .await
        .unwrap()
        .expect("verified");
    assert_eq!(verified.email_verified_at, Some(at(5)));
    assert_eq!(
        accounts.verify_email(&secret("old"), at(6)).await,
        Ok(None),
        "once"
    );
}

async fn a_reset_sets_the_password_ends_every_session_and_uses_up_the_other_codes(
    ctx: TestContext,
) {
    use confab_domain::ports::SessionStore;
    let ann = ctx.user("Ann").await;
    let accounts = SeaAccountRepository::new(ctx.db.clone());
    let sessions = confab_persistence::SeaSessionStore::new(ctx.db.clone());
    // Opening a session sweeps the ones expired by the wall clock: these live a day from now.
    let tomorrow = chrono::Utc::now() + chrono::Duration::days(1);
    let phone = sessions.open(ann.id, tomorrow).await.unwrap();
    let laptop = sessions.open(ann.id, tomorrow).await.unwrap();
    for (code, seconds) in [("first", 1), ("second", 2)] {
        accounts
            .request_reset(
                &ann.email,
                token(TokenPurpose::ResetPassword, code, seconds),
            )
            .await
            .unwrap();
    }
    // Unknown emails store nothing and say nothing.
    let nobody = Email::parse("nobody@example.com").unwrap();
    accounts
        .request_reset(&nobody, token(TokenPurpose::ResetPassword, "ghost", 3))
        .await
        .unwrap();
    let queued = take_all(&SeaMailOutbox::new(ctx.db.clone()), 10).await;
    assert_eq!(
        queued
            .iter()
            .map(|q| q.mail.to.as_str())
            .collect::<Vec<_>>(),
        [ann.email.as_str(), ann.email.as_str()]
    );
    let hash = PasswordHash("new-hash".into());
    let other = Email::parse("bob@example.com").unwrap();
    assert_eq!(
        accounts
            .reset_password(&other, &secret("second"), hash.clone(), at(20))
            .await,
        Ok(None),
        "a code goes with its email"
    );
    let (user, mut ended) = accounts
        .reset_password(&ann.email, &secret("second"), hash.clone(), at(20))
        .await
        .unwrap()
        .expect("reset");
    assert_eq!(user, ann.id);
    ended.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    let mut opened = vec![phone.clone(), laptop.clone()];
    opened.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    assert_eq!(ended, opened);
    assert_eq!(sessions.user_of(&phone, ann.id, 1).await.unwrap(), None);
    assert_eq!(
        accounts
            .reset_password(&ann.email, &secret("first"), hash, at(21))
            .await,
        Ok(None),
        "the other code died with this one"
    );
}

async fn a_failed_mail_waits_for_its_retry_and_a_taken_one_is_leased(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let accounts = SeaAccountRepository::new(ctx.db.clone());
    let outbox = SeaMailOutbox::new(ctx.db.clone());
    accounts
        .request_reset(&ann.email, token(TokenPurpose::ResetPassword, "code", 0))
        .await
        .unwrap();
    let taken = outbox.claim(at(1), at(61), 10).await.unwrap();
    assert_eq!(taken.len(), 1);
    assert!(
        outbox.claim(at(2), at(62), 10).await.unwrap().is_empty(),
        "leased to the first taker"
    );
    outbox.failed(taken[0].id, 1, at(11)).await.unwrap();
    assert!(outbox.claim(at(10), at(70), 10).await.unwrap().is_empty());
    let again = outbox.claim(at(11), at(71), 10).await.unwrap();
    assert_eq!((again.len(), again[0].failures), (1, 1));
    outbox.sent(again[0].id).await.unwrap();
    assert!(outbox.claim(at(200), at(260), 10).await.unwrap().is_empty());
}

each_backend!(
    a_taken_email_changes_nothing_and_queues_no_mail,
    a_verification_works_once_before_it_expires_for_its_own_email,
    a_reset_sets_the_password_ends_every_session_and_uses_up_the_other_codes,
    a_failed_mail_waits_for_its_retry_and_a_taken_one_is_leased,
);
