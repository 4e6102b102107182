//! The end-to-end harness: starts the real `confab` binary on a free port with its own database
//! (a fresh SQLite file, or a fresh PostgreSQL schema when `TEST_DATABASE_URL` is set) and talks
//! to it over real HTTP, as a client would.
//!
//! Layout: [`TestServer`] starts, stops and drops a server (`server`), and makes the API calls a
//! test needs (`requests`); `binary` builds the `confab` it runs; `databases` makes the fresh
//! databases and schemas; `backends` says which database a suite runs on and holds
//! [`on_both_backends!`]; the protocol clients and fakes are in their own modules.

mod backends;
mod binary;
mod databases;
pub mod js;
pub mod pusher;
mod pusher_app;
mod raw_http;
mod requests;
pub mod s3;
mod server;
mod skip;
pub mod smtp;
pub mod tcp_proxy;
pub mod webhooks;

pub use backends::Backend;
pub use binary::confab_binary;
pub use databases::SharedDatabase;
pub use pusher_app::PusherApp;
pub use server::{APP_ID, APP_KEY, APP_SECRET, STARTUP_TIMEOUT, TestServer, free_port};
pub use skip::skip;
