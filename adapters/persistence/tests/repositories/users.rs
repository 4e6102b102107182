//! Accounts: storing, finding, the unique email, and the invite search.

use confab_domain::ports::UserRepository;
use confab_domain::{DomainError, Email, NewUser, PageRequest, PasswordHash, UserId, UserName};

use crate::helpers::{TestContext, at};

fn new_user(name: &str, email: &str) -> NewUser {
    NewUser {
        name: UserName::parse(name).unwrap(),
        email: Email::parse(email).unwrap(),
        password_hash: PasswordHash("hash".into()),
        created_at: at(5),
    }
}

async fn a_created_user_can_be_found_by_id_and_by_email(ctx: TestContext) {
    let created = ctx
        .users
        .create(new_user("Ann", "ann@example.com"))
        .await
        .unwrap();
    assert!(created.id.get() > 0);
    assert_eq!(created.created_at, at(5));

    let by_id = ctx.users.find_by_id(created.id).await.unwrap();
    let by_email = ctx
        .users
        .find_by_email(&Email::parse("ANN@example.com").unwrap())
        .await
        .unwrap();
    assert_eq!(by_id.as_ref(), Some(&created));
    assert_eq!(by_email, Some(created));
}

async fn an_unknown_user_is_none(ctx: TestContext) {
    assert_eq!(ctx.users.find_by_id(UserId(999)).await.unwrap(), None);
    let email = Email::parse("nobody@example.com").unwrap();
    assert_eq!(ctx.users.find_by_email(&email).await.unwrap(), None);
}

async fn registering_a_taken_email_is_a_validation_error_on_email(ctx: TestContext) {
    ctx.users
        .create(new_user("Ann", "ann@example.com"))
        .await
        .unwrap();
    let error = ctx
        .users
        .create(new_user("Other Ann", "ann@example.com"))
        .await
        .unwrap_err();
    assert_eq!(
        error,
        DomainError::invalid("email", "The email has already been taken.")
    );
}

async fn of_simultaneous_registrations_with_one_email_exactly_one_wins(ctx: TestContext) {
    let attempts = (0..8).map(|i| {
        let users = ctx.users.clone();
        tokio::spawn(async move {
            users
                .create(new_user(&format!("Ann {i}"), "ann@example.com"))
                .await
        })
    });
    let mut won = 0;
    for attempt in attempts {
        match attempt.await.unwrap() {
            Ok(_) => won += 1,
            Err(error) => assert_eq!(
                error,
                DomainError::invalid("email", "The email has already been taken.")
            ),
        }
    }
    assert_eq!(won, 1);
}

async fn find_summaries_returns_the_existing_users_only(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    let bob = ctx.user("Bob").await;
    let mut found = ctx
        .users
        .find_summaries(&[bob.id, UserId(12_345), ann.id])
        .await
        .unwrap();
    found.sort_by_key(|u| u.id);
    assert_eq!(found, vec![ann.summary(), bob.summary()]);
    assert!(ctx.users.find_summaries(&[]).await.unwrap().is_empty());
}

async fn search_matches_name_or_email_ignoring_case_and_leaves_out_the_searcher(ctx: TestContext) {
    let me = ctx.user("Maria").await;
    let marko = ctx.user("Marko").await;
    let bob = ctx.user("Bob").await;
    let _zed = ctx.user("Zed").await;
    let page = PageRequest::default();

    let by_name = ctx
        .users
        .search(Some("MAR".into()), me.id, page)
        .await
        .unwrap();
    assert_eq!(by_name.items, vec![marko.summary()]);
    assert_eq!(by_name.total, 1);

    let by_email = ctx
        .users
        .search(Some("bob@EXAMPLE".into()), me.id, page)
        .await
        .unwrap();
    assert_eq!(by_email.items, vec![bob.summary()]);

    let everyone_else = ctx.users.search(None, me.id, page).await.unwrap();
    assert_eq!(everyone_else.total, 3);
    let blank = ctx
        .users
        .search(Some("  ".into()), me.id, page)
        .await
        .unwrap();
    assert_eq!(blank.total, 3);
}

async fn search_treats_percent_and_underscore_as_plain_characters(ctx: TestContext) {
    let me = ctx.user("Me").await;
    let percent = ctx.user("Hundred%").await;
    let underscore = ctx.user("Snake_Case").await;
    let _plain = ctx.user("SnakeXCase").await;
    let page = PageRequest::default();

    let found = ctx
        .users
        .search(Some("%".into()), me.id, page)
        .await
        .unwrap();
    assert_eq!(found.items, vec![percent.summary()]);
    let found = ctx
        .users
        .search(Some("e_c".into()), me.id, page)
        .await
        .unwrap();
    assert_eq!(found.items, vec![underscore.summary()]);
}

async fn search_pages_through_results_by_name_with_a_total(ctx: TestContext) {
    let me = ctx.user("Me").await;
    let mut expected = Vec::new();
    for name in ["Eve", "Cid", "Ada", "Dan", "Bea"] {
        expected.push(ctx.user(name).await.summary());
    }
    expected.sort_by(|a, b| a.name.cmp(&b.name));

    let first = PageRequest::parse(Some(1), Some(2)).unwrap();
    let third = PageRequest::parse(Some(3), Some(2)).unwrap();
    let beyond = PageRequest::parse(Some(9), Some(2)).unwrap();
    let page = ctx.users.search(None, me.id, first).await.unwrap();
    assert_eq!(page.items, expected[..2].to_vec());
    assert_eq!((page.total, page.last_page()), (5, 3));
    let page = ctx.users.search(None, me.id, third).await.unwrap();
    assert_eq!(page.items, expected[4..].to_vec());
    let page = ctx.users.search(None, me.id, beyond).await.unwrap();
    assert!(page.items.is_empty());
    assert_eq!(page.total, 5);
}

async fn users_with_the_same_name_are_ordered_by_id(ctx: TestContext) {
    let me = ctx.user("Me").await;
    let first = ctx
        .users
        .create(new_user("Sam", "sam1@example.com"))
        .await
        .unwrap();
    let second = ctx
        .users
        .create(new_user("Sam", "sam2@example.com"))
        .await
        .unwrap();
    let found = ctx
        .users
        .search(Some("sam".into()), me.id, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(found.items, vec![first.summary(), second.summary()]);
}

each_backend!(
    a_created_user_can_be_found_by_id_and_by_email,
    an_unknown_user_is_none,
    registering_a_taken_email_is_a_validation_error_on_email,
    of_simultaneous_registrations_with_one_email_exactly_one_wins,
    find_summaries_returns_the_existing_users_only,
    search_matches_name_or_email_ignoring_case_and_leaves_out_the_searcher,
    search_treats_percent_and_underscore_as_plain_characters,
    search_pages_through_results_by_name_with_a_total,
    users_with_the_same_name_are_ordered_by_id,
);
