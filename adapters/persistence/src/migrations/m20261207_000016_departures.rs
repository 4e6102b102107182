//! Accounts that leave and faces: deleting an account, and avatars.
//!
//! - `users.deleted_at`: when the owner deleted the account. The row stays, anonymised, because
//!   messages, audit logs and reports name it (see `confab_domain::account_deletion`); people
//!   search and the checks of invites and new chats skip it.
//! - `users.avatar`: the stored avatar's name (`{content hash}.{jpg|png}`), NULL without one.
//! - `message_reactions_by_user` and `attachments_by_uploader`: a deletion finds a person's
//!   reactions and uploads by index instead of reading the whole tables. (Their messages are
//!   found room by room through `messages_by_author`.)

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// `{ts}` as `templated` makes it.
const UP: &[&str] = &[
    "ALTER TABLE users ADD COLUMN deleted_at {ts} NULL",
    "ALTER TABLE users ADD COLUMN avatar TEXT NULL",
    "CREATE INDEX message_reactions_by_user ON message_reactions (user_id)",
    "CREATE INDEX attachments_by_uploader ON attachments (user_id)",
];

const DOWN: &[&str] = &[
    "DROP INDEX attachments_by_uploader",
    "DROP INDEX message_reactions_by_user",
    "ALTER TABLE users DROP COLUMN avatar",
    "ALTER TABLE users DROP COLUMN deleted_at",
];

super::templated::statements_migration!();
