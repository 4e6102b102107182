use confab_domain::ports::SocketId;
use confab_domain::{DomainError, SessionId, UserId, UserSummary};

use crate::Confab;

/// Who is asking: the authenticated user, the session their token belongs to (channel auth ties a
/// socket to it, so ending the session closes the socket), and, when the request came from a page
/// with a live connection, that connection — so the events it causes skip the tab that caused
/// them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user: UserId,
    pub session: Option<SessionId>,
    pub socket: Option<SocketId>,
}

impl Caller {
    pub fn new(user: UserId) -> Self {
        Self {
            user,
            session: None,
            socket: None,
        }
    }

    pub fn with_socket(mut self, socket: Option<SocketId>) -> Self {
        self.socket = socket;
        self
    }

    pub fn with_session(mut self, session: SessionId) -> Self {
        self.session = Some(session);
        self
    }
}

impl Confab {
    /// The caller's id and name, as events and channel grants show them. A token whose user is
    /// gone is `Unauthenticated`.
    pub(crate) async fn summary_of(&self, caller: &Caller) -> Result<UserSummary, DomainError> {
        self.ports
            .users
            .find_summaries(&[caller.user])
            .await?
            .into_iter()
            .next()
            .ok_or(DomainError::Unauthenticated)
    }
}
