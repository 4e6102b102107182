//! The databases the servers under test run on: a fresh SQLite file in a server's own data
//! directory, or a fresh PostgreSQL schema; and one database several servers share.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use sea_orm::{ConnectionTrait, Database};

use crate::Backend;

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// A name no other server or database of this machine's test runs has: the process, a counter
/// and the clock (two test binaries may run at once).
pub(crate) fn unique() -> String {
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    format!("{}_{}_{}", std::process::id(), n, nanos())
}

fn nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() % 1_000_000_000)
        .unwrap_or_default()
}

/// A fresh PostgreSQL schema, dropped with this value.
pub(crate) struct Schema {
    admin_url: String,
    name: String,
}

impl Schema {
    pub(crate) async fn create(admin_url: &str, name: String) -> Self {
        let admin = Database::connect(admin_url)
            .await
            .expect("PostgreSQL reachable");
        admin
            .execute_unprepared(&format!("CREATE SCHEMA {name}"))
            .await
            .expect("create schema");
        Self {
            admin_url: admin_url.to_owned(),
            name,
        }
    }

    /// What a server gets as `DATABASE_URL` to work in this schema.
    pub(crate) fn url(&self) -> String {
        let separator = if self.admin_url.contains('?') {
            '&'
        } else {
            '?'
        };
        format!(
            "{}{separator}options[search_path]={}",
            self.admin_url, self.name
        )
    }
}

impl Drop for Schema {
    /// On a thread of its own: drop runs outside any runtime guarantee.
    fn drop(&mut self) {
        let admin_url = std::mem::take(&mut self.admin_url);
        let schema = std::mem::take(&mut self.name);
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                if let Ok(admin) = Database::connect(&admin_url).await {
                    let _ = admin
                        .execute_unprepared(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                        .await;
                }
            });
        })
        .join();
    }
}

/// One database several servers share (scale-out tests): a fresh PostgreSQL schema when the
/// backend is PostgreSQL, else one SQLite file. Removed on drop (drop it after the servers).
pub struct SharedDatabase {
    /// What the servers get as `DATABASE_URL`.
    pub url: String,
    dir: PathBuf,
    /// Dropped after the directory is removed (fields drop after [`Drop::drop`]).
    _schema: Option<Schema>,
}

impl SharedDatabase {
    pub async fn create(backend: &Backend) -> Self {
        let unique = unique();
        let dir = std::env::temp_dir().join(format!("confab-e2e-shared-{unique}"));
        std::fs::create_dir_all(&dir).expect("shared data dir");
        match backend {
            Backend::Sqlite => Self {
                url: format!("sqlite://{}?mode=rwc", dir.join("confab.db").display()),
                dir,
                _schema: None,
            },
            Backend::Postgres { admin_url } => {
                let schema = Schema::create(admin_url, format!("confab_e2e_shared_{unique}")).await;
                Self {
                    url: schema.url(),
                    dir,
                    _schema: Some(schema),
                }
            }
        }
    }
}

impl Drop for SharedDatabase {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
