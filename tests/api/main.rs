//! End-to-end tests of the REST API: the real binary, real HTTP, on SQLite and PostgreSQL.

mod account_deletion;
mod account_mail;
mod accounts;
mod attachment_limits;
mod attachments;
mod avatars;
mod bad_input;
mod blocks_and_reports;
mod connection_limits;
mod contention;
mod conversations;
mod cors;
mod data_export;
mod direct_uploads;
mod envelopes;
mod errors;
mod governance;
mod history;
mod mail_support;
mod management;
mod mentions;
mod message_features;
mod messages;
mod metrics;
mod openapi;
mod operability;
mod outage;
mod password_reset;
mod pins_and_audit;
mod profiles;
mod sessions;
mod threads;
mod typing;
mod walkthrough;
mod webhooks;

/// `2026-02-19T14:30:00.000000Z`: the document's timestamp format.
pub fn is_document_timestamp(value: &serde_json::Value) -> bool {
    let Some(text) = value.as_str() else {
        return false;
    };
    let bytes = text.as_bytes();
    text.len() == 27
        && text.ends_with('Z')
        && bytes[10] == b'T'
        && bytes[19] == b'.'
        && text[20..26].bytes().all(|b| b.is_ascii_digit())
        && chrono_like_prefix(&text[..19])
}

fn chrono_like_prefix(text: &str) -> bool {
    text.bytes().enumerate().all(|(i, b)| match i {
        4 | 7 => b == b'-',
        10 => b == b'T',
        13 | 16 => b == b':',
        _ => b.is_ascii_digit(),
    })
}

/// The keys of a JSON object, sorted.
pub fn keys(value: &serde_json::Value) -> Vec<String> {
    let mut keys: Vec<String> = value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .cloned()
        .collect();
    keys.sort();
    keys
}
