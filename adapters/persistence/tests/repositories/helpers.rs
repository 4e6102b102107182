//! A fresh database per test, repositories over it, and small builders for users, rooms and messages.

use std::future::Future;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Once};
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{TimeZone, Utc};
use confab_domain::ports::{ConversationRepository, MessageRepository, UserRepository};
use confab_domain::{
    Conversation, ConversationKind, Email, MessageBody, MessageView, NewConversation, NewMessage,
    NewUser, PasswordHash, RoomName, Timestamp, User, UserId, UserName,
};
use confab_persistence::{
    SeaConversationRepository, SeaMessageRepository, SeaSessionStore, SeaUserRepository, connect,
    migrate, migrate_first, sqlite_url_for,
};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// What a test gets: the connection and one repository of each kind over it.
#[derive(Clone)]
pub struct TestContext {
    pub db: DatabaseConnection,
    /// What `db` was opened with, for a test that needs a pool of its own.
    pub url: String,
    pub users: SeaUserRepository,
    pub conversations: SeaConversationRepository,
    pub messages: SeaMessageRepository,
    pub sessions: SeaSessionStore,
}

/// How to throw a test's database away afterwards.
enum Cleanup {
    File(PathBuf),
    Schema { admin_url: String, schema: String },
}

/// Sets up a fresh, migrated database, runs `test` on it, and removes the database whether the
/// test passed or panicked (the panic is then passed on, so the test still fails).
pub async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(TestContext) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    run_migrated(backend, None, test).await;
}

/// [`run`] on a database with only the first `migrations` applied, as an older Confab left it.
pub async fn run_before<F, Fut>(backend: Backend, migrations: u32, test: F)
where
    F: FnOnce(TestContext) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    run_migrated(backend, Some(migrations), test).await;
}

async fn run_migrated<F, Fut>(backend: Backend, migrations: Option<u32>, test: F)
where
    F: FnOnce(TestContext) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let admin_url = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => match std::env::var("TEST_DATABASE_URL") {
            Ok(url) if !url.trim().is_empty() => Some(url),
            _ => {
                announce_postgres_skipped();
                return;
            }
        },
    };
    let name = unique_name();
    let (url, cleanup) = match admin_url {
        None => {
            let path = std::env::temp_dir().join(format!("{name}.db"));
            (sqlite_url_for(&path), Cleanup::File(path))
        }
        Some(admin_url) => {
            let admin = Database::connect(admin_url.as_str())
                .await
                .expect("connect to TEST_DATABASE_URL");
            admin
                .execute_unprepared(&format!("CREATE SCHEMA \"{name}\""))
                .await
                .expect("create a test schema");
            admin.close().await.ok();
            let separator = if admin_url.contains('?') { '&' } else { '?' };
            (
                format!("{admin_url}{separator}options[search_path]={name}"),
                Cleanup::Schema {
                    admin_url,
                    schema: name,
                },
            )
        }
    };
    let db = connect(&url).await.expect("connect to the test database");
    match migrations {
        None => migrate(&db).await,
        Some(count) => migrate_first(&db, count).await,
    }
    .expect("migrate the test database");
    // A fresh pool after migrating, as the server opens one (see `confab_persistence::open`).
    db.close().await.ok();
    let db = connect(&url).await.expect("reconnect to the test database");
    let expected = match backend {
        Backend::Sqlite => DbBackend::Sqlite,
        Backend::Postgres => DbBackend::Postgres,
    };
    assert_eq!(db.get_database_backend(), expected);
    let context = TestContext {
        users: SeaUserRepository::new(db.clone()),
        conversations: SeaConversationRepository::new(db.clone()),
        messages: SeaMessageRepository::new(db.clone()),
        sessions: SeaSessionStore::new(db.clone()),
        db: db.clone(),
        url: url.clone(),
    };
    let outcome = tokio::spawn(test(context)).await;
    db.close().await.ok();
    match cleanup {
        Cleanup::File(path) => {
            for suffix in ["", "-wal", "-shm"] {
                let mut file = path.clone().into_os_string();
                file.push(suffix);
                std::fs::remove_file(file).ok();
            }
        }
        Cleanup::Schema { admin_url, schema } => {
            if let Ok(admin) = Database::connect(admin_url.as_str()).await {
                admin
                    .execute_unprepared(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
                    .await
                    .ok();
                admin.close().await.ok();
            }
        }
    }
    if let Err(error) = outcome {
        if error.is_panic() {
            std::panic::resume_unwind(error.into_panic());
        }
        panic!("test task failed: {error}");
    }
}

/// Once per run, straight to the process's stderr (not the test harness's captured output), so the
/// skip is visible in every `cargo test` log; under `CONFAB_CI` (`.ci/run`) a skip fails instead.
fn announce_postgres_skipped() {
    assert!(
        std::env::var_os("CONFAB_CI").is_none(),
        "CONFAB_CI is set, so the PostgreSQL suites may not be skipped: set TEST_DATABASE_URL"
    );
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: PostgreSQL suites (set TEST_DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/test)"
        );
    });
}

/// Unique across parallel tests and repeated runs: process id, a counter and the time.
fn unique_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "confab_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos % 1_000_000_000_000
    )
}

/// A fixed moment with microseconds, plus `seconds`: exact values make round-trips checkable.
pub fn at(seconds: i64) -> Timestamp {
    Utc.timestamp_opt(1_771_511_400 + seconds, 123_456_000)
        .unwrap()
}

impl TestContext {
    /// Registers `name` with the email `<name>@example.com` (lower-cased).
    pub async fn user(&self, name: &str) -> User {
        self.users
            .create(NewUser {
                name: UserName::parse(name).unwrap(),
                email: Email::parse(&format!("{}@example.com", name.replace(' ', "."))).unwrap(),
                password_hash: PasswordHash("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
                created_at: at(0),
            })
            .await
            .unwrap()
    }

    /// A group room created by `creator` with `others` in it, at `at(seconds)`.
    pub async fn group(
        &self,
        creator: &User,
        others: &[&User],
        name: &str,
        seconds: i64,
    ) -> Conversation {
        let others: Vec<UserId> = others.iter().map(|u| u.id).collect();
        let plan = NewConversation::plan(
            creator.id,
            Some(ConversationKind::Group),
            RoomName::parse(name).unwrap(),
            &others,
            at(seconds),
        )
        .unwrap();
        self.conversations.create(plan).await.unwrap()
    }

    /// The direct chat `a` starts with `b`.
    pub async fn direct(&self, a: &User, b: &User, seconds: i64) -> Conversation {
        let plan = NewConversation::plan(
            a.id,
            Some(ConversationKind::Direct),
            None,
            &[b.id],
            at(seconds),
        )
        .unwrap();
        self.conversations.create(plan).await.unwrap()
    }

    pub async fn send(
        &self,
        conversation: &Conversation,
        sender: &User,
        body: &str,
        seconds: i64,
    ) -> MessageView {
        self.messages
            .append(NewMessage {
                conversation_id: conversation.id,
                sender: sender.id,
                body: MessageBody::parse(body).unwrap(),
                created_at: at(seconds),
                client_id: None,
                reply_to: None,
                attachments: Vec::new(),
                mentions: confab_domain::Mentions::none(),
                thread_id: None,
                also_in_room: false,
            })
            .await
            .unwrap()
            .into_new()
            .expect("a send without a client id is never a repeat")
    }

    /// A connection to the test's database that counts the statements it runs, through SeaORM's
    /// metric callback (begin and commit are not among them), and the count.
    pub fn counted_db(&self) -> (DatabaseConnection, Arc<AtomicUsize>) {
        let count = Arc::new(AtomicUsize::new(0));
        let mut db = self.db.clone();
        let counter = count.clone();
        db.set_metric_callback(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
        });
        (db, count)
    }

    /// Changes a room through `modify`, as the use cases do; the change must be allowed.
    pub async fn change<T>(
        &self,
        room: &Conversation,
        mut decide: impl FnMut(&mut Conversation) -> Result<T, confab_domain::DomainError>
        + Send
        + 'static,
    ) -> Conversation {
        self.conversations
            .modify(
                room.id,
                room.created_by,
                Box::new(move |c: &mut Conversation| decide(c).map(drop)),
            )
            .await
            .expect("the change is allowed")
            .room
    }

    /// The stored state of a conversation.
    pub async fn reload(&self, conversation: &Conversation) -> Conversation {
        self.conversations
            .find(conversation.id)
            .await
            .unwrap()
            .expect("the conversation exists")
    }
}

/// The ids of the members of a conversation, in join order.
pub fn member_ids(conversation: &Conversation) -> Vec<UserId> {
    conversation
        .participants
        .iter()
        .map(|p| p.user_id)
        .collect()
}
