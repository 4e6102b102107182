//! Direct chats and rooms, with a `version` counting changes and the unique `direct_key` that
//! allows one direct chat per pair of users.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_pk_auto, string, string_null, timestamp_with_time_zone,
    timestamp_with_time_zone_null,
};

use super::{Conversations, Users};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Conversations::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Conversations::Id))
                    .col(string(Conversations::Kind))
                    .col(string_null(Conversations::Name))
                    .col(big_integer(Conversations::CreatedBy))
                    .col(string_null(Conversations::DirectKey))
                    .col(timestamp_with_time_zone_null(Conversations::ClosedAt))
                    .col(timestamp_with_time_zone(Conversations::CreatedAt))
                    .col(timestamp_with_time_zone(Conversations::UpdatedAt))
                    .col(big_integer(Conversations::Version).default(0))
                    .foreign_key(
                        ForeignKey::create()
                            .name("conversations_created_by_fk")
                            .from(Conversations::Table, Conversations::CreatedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // NULLs never collide in a unique index, on SQLite and PostgreSQL alike: groups are free.
        manager
            .create_index(
                Index::create()
                    .name("conversations_direct_key_unique")
                    .table(Conversations::Table)
                    .col(Conversations::DirectKey)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Conversations::Table).to_owned())
            .await
    }
}
