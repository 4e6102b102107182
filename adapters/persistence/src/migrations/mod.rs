//! The schema, one migration per file: `DeriveMigrationName` names each migration after its file,
//! and the names recorded in `seaql_migrations` are what make re-running `migrate` a no-op.
//!
//! The first five files each create one table with its keys and indexes; later ones change the
//! schema in place and backfill what they add, so an existing database upgrades by running them. Timestamps are `timestamptz` on PostgreSQL
//! and RFC 3339 text on SQLite; both keep microseconds exactly.

use sea_orm_migration::{MigrationTrait, MigratorTrait};

mod m20260101_000001_create_users;
mod m20260101_000002_create_conversations;
mod m20260101_000003_create_participants;
mod m20260101_000004_create_bans;
mod m20260101_000005_create_messages;
mod m20261129_000006_message_sequences;
mod m20261129_000007_message_features;
mod m20261129_000008_sessions;
mod m20261130_000009_webhook_outbox;
mod m20261207_000010_attachments;
mod m20261207_000011_direct_uploads;
mod m20261207_000012_mentions;
mod m20261207_000013_threads;
mod m20261207_000014_governance;
mod m20261207_000015_accounts;
mod m20261207_000016_departures;
mod m20261208_000017_data_exports;
mod templated;

pub(crate) struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20260101_000001_create_users::Migration),
            Box::new(m20260101_000002_create_conversations::Migration),
            Box::new(m20260101_000003_create_participants::Migration),
            Box::new(m20260101_000004_create_bans::Migration),
            Box::new(m20260101_000005_create_messages::Migration),
            Box::new(m20261129_000006_message_sequences::Migration),
            Box::new(m20261129_000007_message_features::Migration),
            Box::new(m20261129_000008_sessions::Migration),
            Box::new(m20261130_000009_webhook_outbox::Migration),
            Box::new(m20261207_000010_attachments::Migration),
            Box::new(m20261207_000011_direct_uploads::Migration),
            Box::new(m20261207_000012_mentions::Migration),
            Box::new(m20261207_000013_threads::Migration),
            Box::new(m20261207_000014_governance::Migration),
            Box::new(m20261207_000015_accounts::Migration),
            Box::new(m20261207_000016_departures::Migration),
            Box::new(m20261208_000017_data_exports::Migration),
        ]
    }
}

/// Table and column names shared by the migrations, so a foreign key cannot misspell its target.
#[derive(sea_orm_migration::prelude::DeriveIden)]
pub(crate) enum Users {
    Table,
    Id,
    Name,
    Email,
    PasswordHash,
    CreatedAt,
}

#[derive(sea_orm_migration::prelude::DeriveIden)]
pub(crate) enum Conversations {
    Table,
    Id,
    Kind,
    Name,
    CreatedBy,
    DirectKey,
    ClosedAt,
    CreatedAt,
    UpdatedAt,
    Version,
}
