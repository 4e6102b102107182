//! The HMAC uses of the Pusher protocol: webhook bodies (`hex(HMAC-SHA256(secret, body))`), channel subscriptions
//! (`hex(HMAC-SHA256(secret, socket_id:channel[:channel_data]))`), user sign-ins
//! (`socket_id::user::user_data`) and HTTP API requests
//! (`METHOD\nPATH\nsorted_query`). Comparison is always constant-time, so a forger learns nothing
//! from how long a refusal takes.

use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &str) -> HmacSha256 {
    HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length")
}

/// An encrypted channel's key as its authorization hands it to pusher-js:
/// `base64(SHA-256(channel name ‖ master key))`, as Pusher's server SDKs derive it to encrypt.
pub(crate) fn shared_secret(channel: &str, master_key: &[u8; 32]) -> String {
    use base64::Engine;
    use sha2::Digest;
    let mut hasher = Sha256::new();
    hasher.update(channel.as_bytes());
    hasher.update(master_key);
    base64::engine::general_purpose::STANDARD.encode(hasher.finalize())
}

/// Lowercase hex HMAC-SHA256 of `message`.
pub(crate) fn sign(secret: &str, message: &str) -> String {
    let mut mac = mac(secret);
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Whether `signature_hex` is the HMAC of `message`. Malformed hex is simply not a match.
pub(crate) fn verify(secret: &str, message: &str, signature_hex: &str) -> bool {
    let Ok(signature) = hex::decode(signature_hex.trim()) else {
        return false;
    };
    let mut mac = mac(secret);
    mac.update(message.as_bytes());
    mac.verify_slice(&signature).is_ok()
}

/// What a channel subscription signs.
pub(crate) fn channel_string(socket_id: &str, channel: &str, channel_data: Option<&str>) -> String {
    match channel_data {
        Some(data) => format!("{socket_id}:{channel}:{data}"),
        None => format!("{socket_id}:{channel}"),
    }
}

/// What a user sign-in (`pusher:signin`) signs.
pub(crate) fn user_string(socket_id: &str, user_data: &str) -> String {
    format!("{socket_id}::user::{user_data}")
}

/// Checks a sign-in's `auth` (`key:signature`) over `user_data` exactly as sent.
pub(crate) fn verify_user_auth(
    key: &str,
    secret: &str,
    auth: &str,
    socket_id: &str,
    user_data: &str,
) -> bool {
    let Some((auth_key, signature)) = auth.split_once(':') else {
        return false;
    };
    auth_key == key && verify(secret, &user_string(socket_id, user_data), signature)
}

/// Checks a subscription's `auth` (`key:signature`). The key part must be ours: a signature made
/// for another app is not a signature for this one.
pub(crate) fn verify_channel_auth(
    key: &str,
    secret: &str,
    auth: &str,
    socket_id: &str,
    channel: &str,
    channel_data: Option<&str>,
) -> bool {
    let Some((auth_key, signature)) = auth.split_once(':') else {
        return false;
    };
    // Not secret, so an ordinary comparison is fine; the signature check below is constant-time.
    auth_key == key
        && verify(
            secret,
            &channel_string(socket_id, channel, channel_data),
            signature,
        )
}

/// Hex MD5, for the HTTP API's `body_md5`.
pub(crate) fn md5_hex(bytes: &[u8]) -> String {
    hex::encode(Md5::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_and_a_tampered_one_does_not() {
        let signature = sign("secret", "1.2:private-a");
        assert!(verify("secret", "1.2:private-a", &signature));
        assert!(!verify("secret", "1.2:private-b", &signature));
        assert!(!verify("other", "1.2:private-a", &signature));
        assert!(!verify("secret", "1.2:private-a", "not hex"));
    }

    #[test]
    fn matches_pushers_documented_example() {
        // From Pusher's "Generating the authentication string" documentation.
        let signature = sign("7ad3773142a6692b25b8", "1234.1234:private-foobar");
        assert_eq!(
            signature,
            "58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4"
        );
    }

    #[test]
    fn auth_must_name_our_key() {
        let auth = format!("key:{}", sign("secret", "1.2:private-a"));
        assert!(verify_channel_auth(
            "key",
            "secret",
            &auth,
            "1.2",
            "private-a",
            None
        ));
        assert!(!verify_channel_auth(
            "other",
            "secret",
            &auth,
            "1.2",
            "private-a",
            None
        ));
    }

    #[test]
    fn a_sign_in_is_signed_over_the_user_data_as_sent() {
        let data = r#"{"id":"7"}"#;
        let auth = format!("key:{}", sign("secret", &format!("1.2::user::{data}")));
        assert!(verify_user_auth("key", "secret", &auth, "1.2", data));
        assert!(!verify_user_auth("key", "secret", &auth, "1.3", data));
        assert!(!verify_user_auth(
            "key",
            "secret",
            &auth,
            "1.2",
            r#"{"id": "7"}"#
        ));
        assert!(!verify_user_auth("other", "secret", &auth, "1.2", data));
    }

    #[test]
    fn md5_is_lower_hex() {
        assert_eq!(md5_hex(b""), "d41d8cd98f00b204e9800998ecf8427e");
    }
}
