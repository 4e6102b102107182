//! SeaORM entities: the tables as the repositories see them. Nothing outside this crate uses them.
//!
//! Relations are left out on purpose: the read models join in hand-written SQL (see
//! `repositories::overviews`), and foreign keys are declared in the migrations, where they bind.

pub(crate) mod bans;
pub(crate) mod conversations;
pub(crate) mod messages;
pub(crate) mod participants;
pub(crate) mod users;
