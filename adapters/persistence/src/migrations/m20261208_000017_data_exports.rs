//! Data exports (`POST /user/export`, see `confab_domain::data_export`).
//!
//! - `data_exports`: one row per export asked for. `due_at` is when a node may take it next (a
//!   queued one at once; one being built when its builder's lease ends; a failed build at its
//!   retry), so taking work is one index range. `token_hash` is the SHA-256 of the secret in the
//!   mail's download link (never the secret); `storage_key`, `size` and `sha256` describe the
//!   written archive.
//! - `data_exports_under_way`: at most one export per person queued or being built — two
//!   requests at once queue one (the second finds the first).
//! - `data_exports_by_user`: "my latest export" is the first entry of an index range.
//! - `message_reactions_by_user` and `attachments_by_uploader` gain `id`: an export pages
//!   through a person's reactions and uploads by id, and PostgreSQL keeps a one-column index's
//!   entries in the table's order, not the id's (SQLite's carry the rowid, which is the id).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// `{pk}` and `{ts}` as `templated` makes them.
const UP: &[&str] = &[
    "CREATE TABLE data_exports (\
         id {pk}, \
         user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE, \
         state TEXT NOT NULL, \
         requested_at {ts} NOT NULL, \
         due_at {ts} NOT NULL, \
         attempts BIGINT NOT NULL DEFAULT 0, \
         finished_at {ts} NULL, \
         expires_at {ts} NULL, \
         storage_key TEXT NULL, \
         size BIGINT NULL, \
         sha256 TEXT NULL, \
         token_hash TEXT NULL)",
    "CREATE INDEX data_exports_by_user ON data_exports (user_id, id)",
    "CREATE UNIQUE INDEX data_exports_under_way ON data_exports (user_id) \
     WHERE state IN ('queued', 'building')",
    "CREATE INDEX data_exports_due ON data_exports (due_at, id) \
     WHERE state IN ('queued', 'building')",
    "CREATE INDEX data_exports_expiring ON data_exports (expires_at) WHERE state = 'ready'",
    "CREATE UNIQUE INDEX data_exports_by_token ON data_exports (token_hash)",
    "DROP INDEX message_reactions_by_user",
    "CREATE INDEX message_reactions_by_user ON message_reactions (user_id, id)",
    "DROP INDEX attachments_by_uploader",
    "CREATE INDEX attachments_by_uploader ON attachments (user_id, id)",
];

const DOWN: &[&str] = &[
    "DROP INDEX attachments_by_uploader",
    "CREATE INDEX attachments_by_uploader ON attachments (user_id)",
    "DROP INDEX message_reactions_by_user",
    "CREATE INDEX message_reactions_by_user ON message_reactions (user_id)",
    "DROP TABLE data_exports",
];

super::templated::statements_migration!();
