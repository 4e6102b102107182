//! `participants`: who is in which conversation and how far they have read. The row id orders
//! members by when they joined.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "participants")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub conversation_id: i64,
    pub user_id: i64,
    /// The read position: `seq` of the newest message read, 0 for none.
    pub read_seq: i64,
    /// Own messages after `read_seq` (see `confab_domain::ReadPosition`).
    pub own_after_read: i64,
    pub joined_at: ChronoDateTimeUtc,
    /// `owner`, `admin` or `member` (`confab_domain::Role::as_str`).
    pub role: String,
    pub timed_out_until: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
