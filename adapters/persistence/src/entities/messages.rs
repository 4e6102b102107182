//! `messages`. `seq` numbers a conversation's messages 1, 2, 3, … with no gaps (assigned in the
//! send transaction from `conversations.last_seq`); the unique `(conversation_id, seq)` index
//! serves pages, cursors and the last message as seeks. Ids still grow with time: clients page by id.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "messages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub conversation_id: i64,
    pub seq: i64,
    pub user_id: i64,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
