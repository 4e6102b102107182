//! Sessions: one read finds a live session's user, a refresh moves the generation once, and
//! ending sessions is final; a new password is what the next read sees.

use confab_domain::ports::{SessionStore, UserRepository};
use confab_domain::{PasswordHash, Timestamp};

use crate::helpers::{TestContext, at};

/// An hour from now: sessions expire by the wall clock (a login clears its user's expired ones).
fn later() -> Timestamp {
    chrono::Utc::now() + chrono::Duration::hours(1)
}

each_backend!(
    a_session_names_its_user_only_at_its_current_generation,
    of_two_refreshes_with_one_token_exactly_one_wins,
    ended_sessions_are_gone_and_end_others_keeps_the_asking_one,
    a_changed_password_is_read_back_through_the_session,
    a_login_clears_its_users_expired_sessions_and_no_one_elses,
    concurrent_checks_each_get_their_own_answer,
);

async fn a_session_names_its_user_only_at_its_current_generation(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let session = ctx.sessions.open(ann.id, later()).await.unwrap();
    assert_eq!(session.as_str().len(), 32, "128 bits, hex");
    let found = ctx.sessions.user_of(&session, ann.id, 1).await.unwrap();
    assert_eq!(found, Some(ann.clone()));
    assert_eq!(
        ctx.sessions.user_of(&session, ann.id, 2).await.unwrap(),
        None
    );
    assert_eq!(
        ctx.sessions.user_of(&session, bob.id, 1).await.unwrap(),
        None,
        "a token naming another user"
    );
    let other = ctx.sessions.open(ann.id, later()).await.unwrap();
    assert_ne!(other, session);
}

async fn of_two_refreshes_with_one_token_exactly_one_wins(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let session = ctx.sessions.open(ann.id, later()).await.unwrap();
    let racers = (0..6).map(|_| {
        let sessions = ctx.sessions.clone();
        let session = session.clone();
        tokio::spawn(async move { sessions.renew(&session, 1, later()).await.unwrap() })
    });
    let mut won = Vec::new();
    for racer in racers {
        won.extend(racer.await.unwrap());
    }
    assert_eq!(won, [2]);
    assert_eq!(
        ctx.sessions.user_of(&session, ann.id, 1).await.unwrap(),
        None
    );
    assert!(
        ctx.sessions
            .user_of(&session, ann.id, 2)
            .await
            .unwrap()
            .is_some()
    );
}

async fn ended_sessions_are_gone_and_end_others_keeps_the_asking_one(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let mine = ctx.sessions.open(ann.id, later()).await.unwrap();
    let phone = ctx.sessions.open(ann.id, later()).await.unwrap();
    let laptop = ctx.sessions.open(ann.id, later()).await.unwrap();
    let bobs = ctx.sessions.open(bob.id, later()).await.unwrap();

    ctx.sessions.end(&laptop).await.unwrap();
    ctx.sessions.end(&laptop).await.unwrap();
    assert_eq!(
        ctx.sessions.user_of(&laptop, ann.id, 1).await.unwrap(),
        None
    );

    let ended = ctx.sessions.end_others(ann.id, &mine).await.unwrap();
    assert_eq!(ended, std::slice::from_ref(&phone));
    assert_eq!(ctx.sessions.user_of(&phone, ann.id, 1).await.unwrap(), None);
    assert!(
        ctx.sessions
            .user_of(&mine, ann.id, 1)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        ctx.sessions
            .user_of(&bobs, bob.id, 1)
            .await
            .unwrap()
            .is_some(),
        "another user's sessions are not touched"
    );
    assert!(
        ctx.sessions
            .end_others(ann.id, &mine)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn a_changed_password_is_read_back_through_the_session(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let session = ctx.sessions.open(ann.id, later()).await.unwrap();
    // The cache of known users has Ann now; the update must not be hidden by it.
    ctx.users.find_by_id(ann.id).await.unwrap();
    let new = PasswordHash("$argon2id$new".into());
    ctx.users
        .update_password(ann.id, new.clone())
        .await
        .unwrap();
    let through_session = ctx.sessions.user_of(&session, ann.id, 1).await.unwrap();
    assert_eq!(through_session.unwrap().password_hash, new);
    let by_id = ctx.users.find_by_id(ann.id).await.unwrap().unwrap();
    assert_eq!(by_id.password_hash, new);
}

async fn a_login_clears_its_users_expired_sessions_and_no_one_elses(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let expired = ctx.sessions.open(ann.id, at(0)).await.unwrap();
    let bobs_expired = ctx.sessions.open(bob.id, at(0)).await.unwrap();
    let live = ctx.sessions.open(ann.id, later()).await.unwrap();
    assert_eq!(
        ctx.sessions.user_of(&expired, ann.id, 1).await.unwrap(),
        None
    );
    assert!(
        ctx.sessions
            .user_of(&live, ann.id, 1)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        ctx.sessions
            .user_of(&bobs_expired, bob.id, 1)
            .await
            .unwrap()
            .is_some(),
        "left for Bob's own next login"
    );
}

/// Checks are read in batches: each still gets the answer for its own session, generation and
/// user, whatever else shares its batch.
async fn concurrent_checks_each_get_their_own_answer(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let anns = ctx.sessions.open(ann.id, later()).await.unwrap();
    let bobs = ctx.sessions.open(bob.id, later()).await.unwrap();
    let ended = ctx.sessions.open(bob.id, later()).await.unwrap();
    ctx.sessions.end(&ended).await.unwrap();
    let cases = [
        (anns.clone(), ann.id, 1, Some(ann.id)),
        (bobs.clone(), bob.id, 1, Some(bob.id)),
        (anns.clone(), bob.id, 1, None),
        (bobs.clone(), bob.id, 2, None),
        (ended.clone(), bob.id, 1, None),
    ];
    // Spawned all at once, so batches hold several checks of one session.
    let checks: Vec<_> = (0..200)
        .map(|n| {
            let sessions = ctx.sessions.clone();
            let (session, user, generation, expected) = cases[n % cases.len()].clone();
            tokio::spawn(async move {
                let found = sessions.user_of(&session, user, generation).await.unwrap();
                assert_eq!(found.map(|u| u.id), expected, "case {}", n % 5);
            })
        })
        .collect();
    for check in checks {
        check.await.unwrap();
    }
}
