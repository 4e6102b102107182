use confab_domain::UserId;
use confab_domain::ports::SocketId;

/// Who is asking: the authenticated user and, when the request came from a page with a live
/// connection, that connection — so the events it causes skip the tab that caused them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user: UserId,
    pub socket: Option<SocketId>,
}

impl Caller {
    pub fn new(user: UserId) -> Self {
        Self { user, socket: None }
    }

    pub fn with_socket(mut self, socket: Option<SocketId>) -> Self {
        self.socket = socket;
        self
    }
}
