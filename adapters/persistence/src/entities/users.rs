//! `users`: accounts. `email` is unique; the repository relies on that index to refuse a taken email.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    #[sea_orm(unique)]
    pub email: String,
    pub password_hash: String,
    pub created_at: ChronoDateTimeUtc,
    pub email_verified_at: Option<ChronoDateTimeUtc>,
    /// When the owner deleted the account (the row stays, anonymised).
    pub deleted_at: Option<ChronoDateTimeUtc>,
    /// The stored avatar's name, `{content hash}.{jpg|png}`.
    pub avatar: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
