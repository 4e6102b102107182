//! Hand-written migration SQL for both databases: `{ts}` stands for the backend's timestamp type
//! and `{pk}` for its auto-numbered primary key.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// Runs `statements` in order, with `{ts}` and `{pk}` made the backend's.
pub(super) async fn run(manager: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    let (pk, ts) = if manager.get_database_backend() == DbBackend::Postgres {
        ("BIGSERIAL PRIMARY KEY", "TIMESTAMPTZ")
    } else {
        (
            "INTEGER PRIMARY KEY AUTOINCREMENT",
            "timestamp_with_timezone_text",
        )
    };
    let db = manager.get_connection();
    for sql in statements {
        db.execute_unprepared(&sql.replace("{ts}", ts).replace("{pk}", pk))
            .await?;
    }
    Ok(())
}

/// The `MigrationTrait` of a migration that is nothing but its module's `UP` and `DOWN`
/// statements, each list run in one transaction through [`run`].
macro_rules! statements_migration {
    () => {
        #[async_trait::async_trait]
        impl MigrationTrait for Migration {
            fn use_transaction(&self) -> Option<bool> {
                Some(true)
            }

            async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
                super::templated::run(manager, UP).await
            }

            async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
                super::templated::run(manager, DOWN).await
            }
        }
    };
}
pub(super) use statements_migration;
