//! Opening and preparing the database.

use confab_persistence::{PersistenceError, connect, migrate, ping, sqlite_url_for};

use crate::helpers::TestContext;

async fn a_migrated_database_answers_pings(ctx: TestContext) {
    assert!(ping(&ctx.db).await);
}

async fn migrating_again_changes_nothing(ctx: TestContext) {
    let ann = ctx.user("Ann").await;
    migrate(&ctx.db).await.unwrap();
    use confab_domain::ports::UserRepository;
    assert_eq!(ctx.users.find_by_id(ann.id).await.unwrap(), Some(ann));
}

async fn a_closed_connection_does_not_answer_pings(ctx: TestContext) {
    let db = ctx.db.clone();
    db.close_by_ref().await.unwrap();
    assert!(!ping(&ctx.db).await);
}

/// Index probes do not need JIT compilation, and at 10M messages the planner's guess for a word
/// search made PostgreSQL compile one for ~500 ms (see `connection.rs`).
async fn postgresql_sessions_run_without_jit(ctx: TestContext) {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    if ctx.db.get_database_backend() != DbBackend::Postgres {
        return;
    }
    let row = ctx
        .db
        .query_one_raw(Statement::from_string(DbBackend::Postgres, "SHOW jit"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get_by_index::<String>(0).unwrap(), "off");
}

each_backend!(
    postgresql_sessions_run_without_jit,
    a_migrated_database_answers_pings,
    migrating_again_changes_nothing,
    a_closed_connection_does_not_answer_pings,
);

#[tokio::test]
async fn connect_creates_the_directory_of_a_sqlite_file() {
    let dir = std::env::temp_dir().join(format!("confab-connect-{}", std::process::id()));
    let path = dir.join("nested").join("chat.db");
    std::fs::remove_dir_all(&dir).ok();

    let db = connect(&sqlite_url_for(&path)).await.unwrap();
    migrate(&db).await.unwrap();
    assert!(ping(&db).await);
    db.close().await.unwrap();
    assert!(path.exists());
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn connect_refuses_a_database_it_does_not_speak() {
    let error = connect("mysql://root:secret@localhost/chat")
        .await
        .unwrap_err();
    assert!(matches!(error, PersistenceError::UnsupportedUrl(_)));
    assert!(!error.to_string().contains("secret"));
}
