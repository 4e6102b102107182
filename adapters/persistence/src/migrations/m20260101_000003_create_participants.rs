//! Membership and read positions. One row per (conversation, user); the index on `user_id` serves
//! "every conversation I am in", the query behind the conversation list.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, big_pk_auto, timestamp_with_time_zone,
};

use super::{Conversations, Users};

#[derive(DeriveIden)]
enum Participants {
    Table,
    Id,
    ConversationId,
    UserId,
    LastReadMessageId,
    JoinedAt,
}

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Participants::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Participants::Id))
                    .col(big_integer(Participants::ConversationId))
                    .col(big_integer(Participants::UserId))
                    .col(big_integer_null(Participants::LastReadMessageId))
                    .col(timestamp_with_time_zone(Participants::JoinedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("participants_conversation_fk")
                            .from(Participants::Table, Participants::ConversationId)
                            .to(Conversations::Table, Conversations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("participants_user_fk")
                            .from(Participants::Table, Participants::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("participants_conversation_user_unique")
                    .table(Participants::Table)
                    .col(Participants::ConversationId)
                    .col(Participants::UserId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("participants_user_index")
                    .table(Participants::Table)
                    .col(Participants::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Participants::Table).to_owned())
            .await
    }
}
