//! A thread someone follows, as their thread list shows it.

use confab_domain::FollowedThread;
use poem_openapi::Object;

use super::MessageDto;

/// A thread you follow.
#[derive(Debug, Clone, Object)]
pub struct FollowedThreadDto {
    /// The root, with its `thread` summary.
    pub root: MessageDto,
    /// Replies by others since you last read the thread.
    pub unread_count: u64,
}

impl From<&FollowedThread> for FollowedThreadDto {
    fn from(followed: &FollowedThread) -> Self {
        Self {
            root: MessageDto::from(&followed.root),
            unread_count: followed.unread_count,
        }
    }
}
