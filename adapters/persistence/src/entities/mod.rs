//! SeaORM entities: the tables as the repositories see them. Nothing outside this crate uses them.
//! `messages` has none: it is only ever written in batches and read joined with its authors, in
//! SQL (`repositories::group_commit`, `repositories::messages`).
//!
//! Relations are left out on purpose: the read models join in hand-written SQL (see
//! `repositories::overviews`), and foreign keys are declared in the migrations, where they bind.

pub(crate) mod bans;
pub(crate) mod conversations;
pub(crate) mod participants;
pub(crate) mod sessions;
pub(crate) mod users;
