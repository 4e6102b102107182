//! What a history run is asked (`HistoryArgs`) and the fixed sizes of what it reads: shared by the
//! scenario (`history.rs`), its checks and its timing.

use crate::common::*;

/// Members of the big room besides the viewer and the other member: with them a send can name
/// five people (the viewer and these).
pub(crate) const EXTRA_MEMBERS: usize = 4;
/// Mentions per page of the feed as read here (the API's default).
pub(crate) const FEED_LIMIT: usize = 20;
/// Replies in the big thread, all only in the thread.
pub(crate) const BIG_THREAD: usize = 200;
/// Threads the viewer follows, each with [`THREAD_REPLIES`] replies by others: those under the
/// viewer's bulk messages 2, 4, …, 100.
pub(crate) const FOLLOWED: usize = 50;
/// The big thread's root: the room's first message (the other member's, naming nobody).
pub(crate) const BIG_ROOT_SEQ: u64 = 1;
/// Replies per page of a thread, and threads per page of the list, as read here (the API's
/// default).
pub(crate) const THREAD_LIMIT: usize = 20;

#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// Confab's REST API base URL.
    #[arg(long)]
    pub api: String,
    /// The database that server uses (sqlite://…/confab.db?mode=rw or postgres://…).
    #[arg(long)]
    pub database_url: String,
    #[arg(long, default_value = "sqlite")]
    pub backend: String,
    /// History sizes (messages in the big room), measured in increasing order.
    #[arg(long, default_value = "1000,100000,1000000,10000000", value_parser = parse_list)]
    pub sizes: std::vec::Vec<usize>,
    /// Measured requests per operation and size (after the warm-up).
    #[arg(long, default_value_t = 200)]
    pub requests: u64,
    #[arg(long, default_value_t = 5)]
    pub warmup: u64,
    /// Small rooms the viewer is in besides the big one (each with one message from the other user).
    #[arg(long, default_value_t = 200)]
    pub rooms: usize,
    /// Rows per bulk-insert transaction.
    #[arg(long, default_value_t = 1_000_000)]
    pub batch: u64,
    #[arg(long)]
    pub pid: Option<u32>,
    #[arg(long, default_value = "confab")]
    pub server: String,
}
