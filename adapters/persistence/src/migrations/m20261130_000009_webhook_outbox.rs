//! The webhook outbox (see the domain's `webhooks.rs`): one row per event and destination,
//! written in the transaction of the change it tells; a row leaves when its destination took it.
//! `webhook_destinations` holds, per destination, which node sends to it until when (the lease)
//! and how many attempts in a row failed (the backoff). Times there are epoch milliseconds: they
//! are only compared, never shown.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, big_pk_auto, integer, string_len, text,
};

#[derive(DeriveIden)]
enum WebhookOutbox {
    Table,
    Id,
    Destination,
    Channel,
    Event,
    CreatedAtMs,
}

#[derive(DeriveIden)]
enum WebhookDestinations {
    Table,
    Url,
    Node,
    LeaseUntilMs,
    Failures,
    RetryAtMs,
}

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WebhookOutbox::Table)
                    .if_not_exists()
                    .col(big_pk_auto(WebhookOutbox::Id))
                    .col(string_len(WebhookOutbox::Destination, 2048))
                    .col(string_len(WebhookOutbox::Channel, 255))
                    .col(text(WebhookOutbox::Event))
                    .col(big_integer(WebhookOutbox::CreatedAtMs))
                    .to_owned(),
            )
            .await?;
        // A destination's queue, oldest first: what every claim reads.
        manager
            .create_index(
                Index::create()
                    .name("webhook_outbox_queue")
                    .table(WebhookOutbox::Table)
                    .col(WebhookOutbox::Destination)
                    .col(WebhookOutbox::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookDestinations::Table)
                    .if_not_exists()
                    .col(string_len(WebhookDestinations::Url, 2048).primary_key())
                    .col(string_len(WebhookDestinations::Node, 64))
                    .col(big_integer(WebhookDestinations::LeaseUntilMs))
                    .col(integer(WebhookDestinations::Failures))
                    .col(big_integer_null(WebhookDestinations::RetryAtMs))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(WebhookDestinations::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(WebhookOutbox::Table).to_owned())
            .await
    }
}
