//! The realtime listener's settings, named after Laravel Reverb's environment variables so an
//! operator moving from Reverb finds the same knobs.

use std::time::Duration;

mod apps_file;

pub use apps_file::{AppSettings, parse_apps_file};

/// Everything the Pusher-protocol server needs to know; loaded once by the binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RealtimeConfig {
    /// `REVERB_APP_ID`: the id server SDKs put in `/apps/{app_id}/…`.
    pub app_id: String,
    /// `REVERB_APP_KEY`: public; browsers connect to `/app/{key}`.
    pub key: String,
    /// `REVERB_APP_SECRET`: signs channel subscriptions and HTTP API requests. Never sent anywhere.
    pub secret: String,
    /// `REVERB_SERVER_PATH`: a prefix before `/app/…` and `/apps/…` (for a reverse proxy). `""` by
    /// default; a trailing slash is ignored.
    pub path_prefix: String,
    /// `REVERB_APP_ACTIVITY_TIMEOUT`: announced in `connection_established`; pusher-js pings the
    /// server after this much silence.
    pub activity_timeout: Duration,
    /// `REVERB_APP_PING_INTERVAL`: a socket silent this long is sent `pusher:ping`.
    pub ping_interval: Duration,
    /// After a ping, a socket silent this long is closed with `pusher:error` 4201.
    pub pong_timeout: Duration,
    /// `REVERB_APP_MAX_MESSAGE_SIZE`: the largest frame a client may send, in bytes. A larger one
    /// closes the socket with WebSocket close code 1009, as Reverb does.
    pub max_message_size: usize,
    /// `REVERB_APP_MAX_CONNECTIONS`: over it a new socket gets `pusher:error` 4004 and is closed.
    pub max_connections: Option<usize>,
    /// Host patterns (`*` wildcards) a browser `Origin` must match; `["*"]` allows every origin.
    pub allowed_origins: Vec<String>,
    /// Whispers (`client-*` events) one socket may send per second; more get `pusher:error` 4301.
    /// Also the envelope sockets' limit on forwarded pings (more get an `error` envelope, 429).
    pub client_events_per_second: u32,
    /// Whether this app takes client events at all (`client_events` in `CONFAB_APPS_FILE`);
    /// when not, a whisper gets `pusher:error` 4009.
    pub client_events: bool,
    /// Frames that may wait for one socket; a socket further behind is disconnected with 4100.
    pub outbound_queue: usize,
    /// `REVERB_APP_ENCRYPTION_MASTER_KEY` (base64 of 32 bytes, see
    /// [`RealtimeConfig::master_key_from_base64`]): what each `private-encrypted-` channel's key
    /// is derived from. Without it, encrypted channels are refused.
    pub encryption_master_key: Option<[u8; 32]>,
}

impl Default for RealtimeConfig {
    fn default() -> Self {
        Self {
            app_id: "confab".into(),
            key: "confab-key".into(),
            secret: "confab-secret".into(),
            path_prefix: String::new(),
            activity_timeout: Duration::from_secs(30),
            ping_interval: Duration::from_secs(60),
            pong_timeout: Duration::from_secs(30),
            max_message_size: 10_000,
            max_connections: None,
            allowed_origins: vec!["*".into()],
            client_events_per_second: 10,
            client_events: true,
            outbound_queue: 256,
            encryption_master_key: None,
        }
    }
}

impl RealtimeConfig {
    /// The master key as Pusher's SDKs take it (`encryptionMasterKeyBase64`): base64 of exactly
    /// 32 bytes.
    ///
    /// # Errors
    /// Why it is not one, for the operator.
    pub fn master_key_from_base64(encoded: &str) -> Result<[u8; 32], String> {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .map_err(|e| format!("REVERB_APP_ENCRYPTION_MASTER_KEY is not base64: {e}"))?;
        <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
            format!(
                "REVERB_APP_ENCRYPTION_MASTER_KEY must be 32 bytes (base64 of them), not {}",
                bytes.len()
            )
        })
    }

    /// The prefix as routes need it: empty, or `/segment` without a trailing slash.
    pub(crate) fn normalized_prefix(&self) -> String {
        let trimmed = self.path_prefix.trim().trim_end_matches('/');
        if trimmed.is_empty() {
            String::new()
        } else if trimmed.starts_with('/') {
            trimmed.to_owned()
        } else {
            format!("/{trimmed}")
        }
    }

    /// Whether a browser at `origin` may connect. Only the host is compared, with `*` wildcards,
    /// as Reverb does. A request without `Origin` is not from a browser; the header protects
    /// browsers from foreign pages, and any other client could forge it, so it is let through.
    pub(crate) fn origin_allowed(&self, origin: Option<&str>) -> bool {
        if self.allowed_origins.iter().any(|allowed| allowed == "*") {
            return true;
        }
        let Some(origin) = origin else {
            return true;
        };
        let host = origin_host(origin);
        self.allowed_origins
            .iter()
            .any(|pattern| wildcard_match(pattern.trim(), host))
    }
}

/// `https://chat.example.com:8443` → `chat.example.com`.
fn origin_host(origin: &str) -> &str {
    let without_scheme = origin.split_once("://").map_or(origin, |(_, rest)| rest);
    let authority = without_scheme.split('/').next().unwrap_or_default();
    if let (true, Some(end)) = (authority.starts_with('['), authority.find(']')) {
        return &authority[..=end];
    }
    authority.split(':').next().unwrap_or_default()
}

/// Laravel's `Str::is`: `*` matches any run of characters, the rest literally, case-sensitively.
fn wildcard_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_origins(origins: &[&str]) -> RealtimeConfig {
        RealtimeConfig {
            allowed_origins: origins.iter().map(|o| o.to_string()).collect(),
            ..RealtimeConfig::default()
        }
    }

    #[test]
    fn prefix_is_normalized_to_a_leading_slash_and_no_trailing_slash() {
        for (raw, expected) in [("", ""), ("/", ""), ("ws", "/ws"), ("/ws/", "/ws")] {
            let config = RealtimeConfig {
                path_prefix: raw.into(),
                ..RealtimeConfig::default()
            };
            assert_eq!(config.normalized_prefix(), expected, "{raw:?}");
        }
    }

    #[test]
    fn origins_match_by_host_with_wildcards() {
        let config = with_origins(&["*.example.com", "localhost"]);
        assert!(config.origin_allowed(Some("https://chat.example.com")));
        assert!(config.origin_allowed(Some("http://localhost:5173")));
        assert!(!config.origin_allowed(Some("https://example.org")));
        assert!(!config.origin_allowed(Some("https://example.com")));
        assert!(config.origin_allowed(None));
        assert!(with_origins(&["*"]).origin_allowed(Some("https://anything.test")));
    }
}
