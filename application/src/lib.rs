//! Confab's use cases: one method per thing a client can ask for, each written against the
//! domain's ports only. The HTTP API and the realtime listeners call these same methods, so a rule
//! holds whichever door a request came in through.

mod caller;
mod outcome_codes;
mod publish;
mod room_changes;
pub mod use_cases;

use std::sync::Arc;

use confab_domain::ports::{
    Broadcaster, ChannelSigner, Clock, ConversationRepository, LoginThrottle, MessageRepository,
    PasswordHasher, SendThrottle, SessionStore, TokenIssuer, UserRepository,
};

pub use caller::Caller;
pub use confab_domain::DomainError;
pub use outcome_codes::{RETRY_UNAVAILABLE_SECS, status_of};

/// Everything the use cases reach the outside world through.
#[derive(Clone)]
pub struct Ports {
    pub users: Arc<dyn UserRepository>,
    pub conversations: Arc<dyn ConversationRepository>,
    pub messages: Arc<dyn MessageRepository>,
    pub broadcaster: Arc<dyn Broadcaster>,
    pub channels: Arc<dyn ChannelSigner>,
    pub hasher: Arc<dyn PasswordHasher>,
    pub tokens: Arc<dyn TokenIssuer>,
    pub sessions: Arc<dyn SessionStore>,
    pub throttle: Arc<dyn SendThrottle>,
    pub login_throttle: Arc<dyn LoginThrottle>,
    pub clock: Arc<dyn Clock>,
}

/// The application: cheap to clone, shared by every listener.
#[derive(Clone)]
pub struct Confab {
    ports: Ports,
}

impl Confab {
    pub fn new(ports: Ports) -> Self {
        Self { ports }
    }
}

#[cfg(test)]
mod test_support;
