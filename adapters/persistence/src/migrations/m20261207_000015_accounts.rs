//! Accounts people can live with: verified emails, one-time tokens, and the mail queue.
//!
//! - `users.email_verified_at`: when the current email was proved (NULL until then, and again
//!   after it changes).
//! - `account_tokens`: verification and password-reset tokens, by the SHA-256 of the secret
//!   (the secret itself is never stored here), with the email each was issued for — a
//!   verification link of an address the account has since left proves nothing.
//!   `(user_id, purpose, created_at)` answers "when was the last one issued" (the resend
//!   throttle) and finds an account's tokens to use them up.
//! - `mail_outbox`: mails to send, written in the transaction of the change that calls for
//!   them; `due_at` is when a node may take the row next (a retry's time, or a lease while one
//!   sends it). A row leaves once sent — the token in a mail's text lives only as long as it
//!   waits here.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// `{ts}` and `{pk}` as `templated` makes them.
const UP: &[&str] = &[
    "ALTER TABLE users ADD COLUMN email_verified_at {ts} NULL",
    "CREATE TABLE account_tokens (\
         token_hash TEXT NOT NULL PRIMARY KEY, \
         user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE, \
         purpose TEXT NOT NULL, \
         email TEXT NOT NULL, \
         created_at {ts} NOT NULL, \
         expires_at {ts} NOT NULL, \
         used_at {ts} NULL)",
    "CREATE INDEX account_tokens_by_user ON account_tokens (user_id, purpose, created_at)",
    "CREATE TABLE mail_outbox (\
         id {pk}, \
         kind TEXT NOT NULL, \
         recipient TEXT NOT NULL, \
         recipient_name TEXT NOT NULL, \
         token TEXT NULL, \
         failures BIGINT NOT NULL DEFAULT 0, \
         due_at {ts} NOT NULL, \
         created_at {ts} NOT NULL)",
    "CREATE INDEX mail_outbox_due ON mail_outbox (due_at, id)",
];

const DOWN: &[&str] = &[
    "DROP TABLE mail_outbox",
    "DROP TABLE account_tokens",
    "ALTER TABLE users DROP COLUMN email_verified_at",
];

super::templated::statements_migration!();
