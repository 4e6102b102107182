//! The repositories' behaviour suite: one test binary, every test run against SQLite (a fresh file
//! per test) and, when `TEST_DATABASE_URL` is set, against PostgreSQL (a fresh schema per test).
//!
//! Each area module writes its tests as `async fn sentence(ctx: TestContext)` and lists them in
//! [`each_backend!`], which makes a `sqlite::sentence` and a `postgres::sentence` test of each.

/// Declares one `#[tokio::test]` per backend for every listed test function of the module.
macro_rules! each_backend {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    crate::helpers::run(crate::helpers::Backend::Sqlite, super::$name).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    crate::helpers::run(crate::helpers::Backend::Postgres, super::$name).await;
                }
            )*
        }
    };
}

mod accounts;
mod blocks_and_reports;
mod connection;
mod conversations;
mod exports;
mod governance;
mod helpers;
mod history;
mod mentions;
mod message_features;
mod message_search;
mod messages;
mod notifications;
mod overviews;
mod room_lock;
mod sessions;
mod threads;
mod upgrade;
mod users;
mod webhook_outbox;
