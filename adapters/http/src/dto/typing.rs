//! `POST /api/v1/conversations/{id}/typing`.

use poem_openapi::Object;

use super::{NullAllowed, Ruled};

/// Say that you are typing: the others in the room get a `typing` event, at most one every 2 s
/// for you in this room (calls in between are answered with 204 and no event).
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct TypingBody {
    /// The message whose thread you are typing in (a message of this room that is not deleted);
    /// absent or `null` for the room itself.
    pub thread_id: Ruled<Option<i64>, NullAllowed>,
}

impl poem_openapi::types::Example for TypingBody {
    fn example() -> Self {
        Self {
            thread_id: None.into(),
        }
    }
}
