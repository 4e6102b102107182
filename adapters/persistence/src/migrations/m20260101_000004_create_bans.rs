//! Bans: a user barred from a room for good. The pair is the primary key, so a ban exists once.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, timestamp_with_time_zone};

use super::{Conversations, Users};

#[derive(DeriveIden)]
enum Bans {
    Table,
    ConversationId,
    UserId,
    CreatedAt,
}

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Bans::Table)
                    .if_not_exists()
                    .col(big_integer(Bans::ConversationId))
                    .col(big_integer(Bans::UserId))
                    .col(timestamp_with_time_zone(Bans::CreatedAt))
                    .primary_key(Index::create().col(Bans::ConversationId).col(Bans::UserId))
                    .foreign_key(
                        ForeignKey::create()
                            .name("bans_conversation_fk")
                            .from(Bans::Table, Bans::ConversationId)
                            .to(Conversations::Table, Conversations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("bans_user_fk")
                            .from(Bans::Table, Bans::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Bans::Table).to_owned())
            .await
    }
}
