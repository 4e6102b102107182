//! Confab's use cases: one method per thing a client can ask for, each written against the
//! domain's ports only. The HTTP API and the realtime listeners call these same methods, so a rule
//! holds whichever door a request came in through.

mod caller;
mod outcome_codes;
mod publish;
mod room_changes;
mod secrets;
pub mod use_cases;

use std::sync::Arc;

use confab_domain::ports::{
    AccountRepository, AttachmentRepository, Broadcaster, ChannelSigner, Clock,
    ConversationRepository, ExportRepository, FileStore, ImageProcessor, LoginThrottle,
    MessageRepository, ModerationRepository, PasswordHasher, SendThrottle, SessionStore,
    TokenIssuer, TypingThrottle, UserRepository,
};

pub use caller::Caller;
pub use confab_domain::DomainError;
pub use outcome_codes::{RETRY_UNAVAILABLE_SECS, status_of};

/// Everything the use cases reach the outside world through.
#[derive(Clone)]
pub struct Ports {
    pub users: Arc<dyn UserRepository>,
    /// The account changes that send mail (registration, profile, verification, reset).
    pub accounts: Arc<dyn AccountRepository>,
    pub conversations: Arc<dyn ConversationRepository>,
    pub messages: Arc<dyn MessageRepository>,
    /// Pins and the rooms' audit log.
    pub moderation: Arc<dyn ModerationRepository>,
    pub attachments: Arc<dyn AttachmentRepository>,
    /// Data exports: asked for by requests, built by a background loop.
    pub exports: Arc<dyn ExportRepository>,
    pub files: Arc<dyn FileStore>,
    pub images: Arc<dyn ImageProcessor>,
    pub broadcaster: Arc<dyn Broadcaster>,
    pub channels: Arc<dyn ChannelSigner>,
    pub hasher: Arc<dyn PasswordHasher>,
    pub tokens: Arc<dyn TokenIssuer>,
    pub sessions: Arc<dyn SessionStore>,
    pub throttle: Arc<dyn SendThrottle>,
    pub login_throttle: Arc<dyn LoginThrottle>,
    /// At most one typing event per user per room per interval.
    pub typing: Arc<dyn TypingThrottle>,
    pub clock: Arc<dyn Clock>,
}

/// The application: cheap to clone, shared by every listener.
#[derive(Clone)]
pub struct Confab {
    ports: Ports,
    uploads: UploadLimits,
    /// Unverified accounts may not send (`CONFAB_REQUIRE_VERIFIED_EMAIL`; off by default).
    require_verified_email: bool,
}

/// How big the files may be that clients upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadLimits {
    /// The most bytes one upload through the server carries (`CONFAB_UPLOAD_MAX_BYTES`).
    pub max_bytes: u64,
    /// The most bytes one direct upload may announce (`CONFAB_DIRECT_UPLOAD_MAX_BYTES`).
    pub direct_max_bytes: u64,
}

impl Default for UploadLimits {
    fn default() -> Self {
        Self {
            max_bytes: 25 * 1024 * 1024,
            direct_max_bytes: 2 * 1024 * 1024 * 1024,
        }
    }
}

impl Confab {
    pub fn new(ports: Ports) -> Self {
        Self {
            ports,
            uploads: UploadLimits::default(),
            require_verified_email: false,
        }
    }

    /// The same service, refusing sends (403) from accounts that have not verified their email.
    pub fn requiring_verified_email(mut self, required: bool) -> Self {
        self.require_verified_email = required;
        self
    }

    /// The same service with other upload limits.
    pub fn with_upload_limits(mut self, uploads: UploadLimits) -> Self {
        self.uploads = uploads;
        self
    }

    pub fn upload_limits(&self) -> UploadLimits {
        self.uploads
    }
}

#[cfg(test)]
mod test_support;
