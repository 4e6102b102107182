//! `conversations`: direct chats and group rooms.
//!
//! `version` counts the room's changes (every `modify` that changes something bumps it); the room's
//! lock is the row itself (see `repositories::conversations::modify`).
//! `direct_key` (`"<smaller id>:<larger id>"`, `NULL` for groups) has a unique index, so two people
//! can only ever share one direct chat, even when both start it at the same moment.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "conversations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `"direct"` or `"group"`, as `ConversationKind::as_str` spells them.
    pub kind: String,
    pub name: Option<String>,
    pub created_by: i64,
    pub direct_key: Option<String>,
    pub closed_at: Option<ChronoDateTimeUtc>,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
    pub version: i64,
    /// The newest message's `seq` (0 when there is none).
    pub last_seq: i64,
    /// How many messages the conversation holds: `meta.total` without a count.
    pub message_count: i64,
    pub description: Option<String>,
    /// Slow mode's interval; 0 is off.
    pub slow_mode_seconds: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The `direct_key` of the chat between `a` and `b`, the same whoever started it.
pub(crate) fn direct_key(a: i64, b: i64) -> String {
    format!("{}:{}", a.min(b), a.max(b))
}
