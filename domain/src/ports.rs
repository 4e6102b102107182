//! The ports: what the use cases need from the outside world, as traits the adapters implement.
//!
//! Every method documents the errors an implementation MUST return, so that the use cases can rely
//! on them (a taken email is `Invalid`, a database out of reach is `Unavailable`) and
//! everything else is `Internal`. Traits are `Send + Sync` and used as `Arc<dyn Port>`; with the
//! `mocks` feature each has a mockall `Mock…` twin for use-case tests.

mod accounts;
mod attachments;
mod broadcaster;
mod channel_signer;
mod clock;
mod conversations;
mod exports;
mod file_store;
mod image_processor;
mod login_throttle;
mod mail;
mod messages;
mod moderation;
mod password_hasher;
mod send_throttle;
mod sessions;
mod token_issuer;
mod typing_throttle;
mod users;
mod webhooks;

pub use accounts::AccountRepository;
pub use attachments::AttachmentRepository;
pub use broadcaster::{Broadcaster, NoBroadcaster, SocketId};
pub use channel_signer::{ChannelGrant, ChannelSigner, MAX_WATCHLIST, NoChannels, UserGrant};
pub use clock::Clock;
pub use conversations::{ConversationRepository, Decide};
pub use exports::{ArchiveWriter, ExportArchive, ExportRecord, ExportRepository};
pub use file_store::{
    ByteRange, ByteSource, FileStore, Presentation, Retrieval, StoredFile, UploadTarget,
};
pub use image_processor::{AvatarImages, ImageProcessor, ProcessedImage, Thumbnail};
pub use login_throttle::LoginThrottle;
pub use mail::{MailOutbox, MailSender};
pub use messages::MessageRepository;
pub use moderation::ModerationRepository;
pub use password_hasher::PasswordHasher;
pub use send_throttle::SendThrottle;
pub use sessions::SessionStore;
pub use token_issuer::{IssuedToken, TokenIssuer};
pub use typing_throttle::TypingThrottle;
pub use users::UserRepository;
pub use webhooks::{NoWebhooks, WebhookOutbox, WebhookRenderer, WebhookSender};

#[cfg(any(test, feature = "mocks"))]
pub use accounts::MockAccountRepository;
#[cfg(any(test, feature = "mocks"))]
pub use attachments::MockAttachmentRepository;
#[cfg(any(test, feature = "mocks"))]
pub use broadcaster::MockBroadcaster;
#[cfg(any(test, feature = "mocks"))]
pub use channel_signer::MockChannelSigner;
#[cfg(any(test, feature = "mocks"))]
pub use clock::MockClock;
#[cfg(any(test, feature = "mocks"))]
pub use conversations::MockConversationRepository;
#[cfg(any(test, feature = "mocks"))]
pub use exports::{MockArchiveWriter, MockExportArchive, MockExportRepository};
#[cfg(any(test, feature = "mocks"))]
pub use file_store::MockFileStore;
#[cfg(any(test, feature = "mocks"))]
pub use image_processor::MockImageProcessor;
#[cfg(any(test, feature = "mocks"))]
pub use login_throttle::MockLoginThrottle;
#[cfg(any(test, feature = "mocks"))]
pub use mail::{MockMailOutbox, MockMailSender};
#[cfg(any(test, feature = "mocks"))]
pub use messages::MockMessageRepository;
#[cfg(any(test, feature = "mocks"))]
pub use moderation::MockModerationRepository;
#[cfg(any(test, feature = "mocks"))]
pub use password_hasher::MockPasswordHasher;
#[cfg(any(test, feature = "mocks"))]
pub use send_throttle::MockSendThrottle;
#[cfg(any(test, feature = "mocks"))]
pub use sessions::MockSessionStore;
#[cfg(any(test, feature = "mocks"))]
pub use token_issuer::MockTokenIssuer;
#[cfg(any(test, feature = "mocks"))]
pub use typing_throttle::MockTypingThrottle;
#[cfg(any(test, feature = "mocks"))]
pub use users::MockUserRepository;
#[cfg(any(test, feature = "mocks"))]
pub use webhooks::{MockWebhookOutbox, MockWebhookSender};
