//! The domain's limits, said in the OpenAPI document as well: a DTO field typed `Ruled<T, R>`
//! (`ruled.rs`) travels exactly like `T`, and its schema also states rule `R` (a length, a range,
//! `nullable`, a format). Generated clients and schema-driven testers then know what the server will accept.
//!
//! The rules only *describe*: the domain still checks every value and answers a 422 naming the
//! field. poem-openapi's own `validator(...)` attributes would check a second time, with
//! messages of their own and numbers copied out of the domain; here every number comes from the
//! domain constant that enforces it. This file is the one table of those descriptions.

mod choices;

use confab_domain::{
    ClientId, Cursor, Email, EnvelopeId, MessageBody, PageRequest, PlainPassword, RoomName,
    SearchQuery, UserName,
};
use poem_openapi::registry::MetaSchema;

pub use super::ruled::{Rule, Ruled};
pub use choices::{
    AssignableRoleName, AttachmentIdList, AuditActionName, MentionIdList, NotificationLevelName,
    ReportReasonName, ResolutionName, UserIdList,
};

/// Text with at least one character that is not white space, and no NUL anywhere (the domain's
/// "required" and `text::ensure_no_nul`).
const NOT_BLANK_NO_NUL: &str = r"^[^\u0000]*[^\s\u0000][^\u0000]*$";
/// Any text without a NUL.
const NO_NUL: &str = r"^[^\u0000]*$";
/// No control characters (`char::is_control`).
const PRINTABLE: &str = r"^[^\u0000-\u001f\u007f-\u009f]*$";

fn text(schema: &mut MetaSchema, min: usize, max: usize, pattern: &'static str) {
    schema.min_length = (min > 0).then_some(min);
    schema.max_length = Some(max);
    schema.pattern = Some(pattern.to_owned());
}

fn range(schema: &mut MetaSchema, min: u64, max: Option<u64>) {
    schema.minimum = Some(min as f64);
    schema.maximum = max.map(|max| max as f64);
}

/// Always present in a response, `null` when there is nothing (the API document's `closed_at`).
pub struct SentOrNull;
impl Rule for SentOrNull {
    const REQUIRED: Option<bool> = Some(true);
    fn state(schema: &mut MetaSchema) {
        schema.nullable = true;
    }
}

/// An optional request field that also takes `null` (read as absent).
pub struct NullAllowed;
impl Rule for NullAllowed {
    fn state(schema: &mut MetaSchema) {
        schema.nullable = true;
    }
}

/// A required text that is not blank (the use cases' "field is required").
pub struct NotBlank;
impl Rule for NotBlank {
    fn state(schema: &mut MetaSchema) {
        schema.pattern = Some(r"\S".to_owned());
    }
}

/// A required text that is not empty (a password as typed at login).
pub struct NotEmpty;
impl Rule for NotEmpty {
    fn state(schema: &mut MetaSchema) {
        schema.min_length = Some(1);
    }
}

/// A timestamp: RFC 3339 in UTC (see `timestamps.rs`).
pub struct DateTime;
impl Rule for DateTime {
    fn state(schema: &mut MetaSchema) {
        schema.format = Some("date-time");
    }
}

/// Unix seconds: not negative.
pub struct UnixTime;
impl Rule for UnixTime {
    fn state(schema: &mut MetaSchema) {
        range(schema, 0, None);
    }
}

/// `page`: from 1.
pub struct PageNumber;
impl Rule for PageNumber {
    fn state(schema: &mut MetaSchema) {
        range(schema, 1, None);
    }
}

/// `per_page`.
pub struct PerPage;
impl Rule for PerPage {
    fn state(schema: &mut MetaSchema) {
        range(schema, 1, Some(PageRequest::MAX_PER_PAGE));
    }
}

/// A cursor read's `limit`.
pub struct CursorLimit;
impl Rule for CursorLimit {
    fn state(schema: &mut MetaSchema) {
        range(schema, 1, Some(Cursor::MAX_LIMIT));
    }
}

/// A message body ([`MessageBody`]).
pub struct MessageText;
impl Rule for MessageText {
    fn state(schema: &mut MetaSchema) {
        text(schema, 1, MessageBody::MAX_CHARS, NOT_BLANK_NO_NUL);
    }
}

/// A sent message's body, which may be empty when the message carries files
/// ([`MessageBody::parse_beside`]).
pub struct MessageTextBesideFiles;
impl Rule for MessageTextBesideFiles {
    fn state(schema: &mut MetaSchema) {
        text(schema, 0, MessageBody::MAX_CHARS, NO_NUL);
    }
}

/// A display name ([`UserName`]).
pub struct PersonName;
impl Rule for PersonName {
    fn state(schema: &mut MetaSchema) {
        text(schema, 1, UserName::MAX_CHARS, NOT_BLANK_NO_NUL);
    }
}

/// The code of a verification or reset mail ([`confab_domain::AccountToken`]).
pub struct TokenText;
impl Rule for TokenText {
    fn state(schema: &mut MetaSchema) {
        schema.pattern = Some(r"\S".to_owned());
        schema.max_length = Some(confab_domain::AccountToken::MAX_CHARS);
    }
}

/// A Pusher socket id as `pusher:connection_established` gives it: two numbers of at most 20
/// digits joined by a dot (what the realtime signer accepts).
pub struct SocketIdText;
impl Rule for SocketIdText {
    fn state(schema: &mut MetaSchema) {
        schema.pattern = Some(r"^[0-9]{1,20}\.[0-9]{1,20}$".to_owned());
    }
}

/// An email address ([`Email`]).
pub struct EmailAddress;
impl Rule for EmailAddress {
    fn state(schema: &mut MetaSchema) {
        schema.format = Some("email");
        schema.max_length = Some(Email::MAX_CHARS);
    }
}

/// A new password ([`PlainPassword`]).
pub struct NewPassword;
impl Rule for NewPassword {
    fn state(schema: &mut MetaSchema) {
        schema.min_length = Some(PlainPassword::MIN_CHARS);
        schema.max_length = Some(PlainPassword::MAX_CHARS);
    }
}

/// A group room's name ([`RoomName`]): blank means no name.
pub struct RoomNameText;
impl Rule for RoomNameText {
    fn state(schema: &mut MetaSchema) {
        text(schema, 0, RoomName::MAX_CHARS, NO_NUL);
    }
}

/// A room's description ([`confab_domain::RoomDescription`]): blank means none.
pub struct RoomDescriptionText;
impl Rule for RoomDescriptionText {
    fn state(schema: &mut MetaSchema) {
        text(schema, 0, confab_domain::RoomDescription::MAX_CHARS, NO_NUL);
    }
}

/// Slow mode's interval ([`confab_domain::SlowMode`]): 0 (off) to six hours.
pub struct SlowModeSeconds;
impl Rule for SlowModeSeconds {
    fn state(schema: &mut MetaSchema) {
        range(
            schema,
            0,
            Some(u64::from(confab_domain::SlowMode::MAX_SECONDS)),
        );
    }
}

/// A report's own words ([`confab_domain::ReportDetails`]).
pub struct ReportDetailsText;
impl Rule for ReportDetailsText {
    fn state(schema: &mut MetaSchema) {
        text(schema, 0, confab_domain::ReportDetails::MAX_CHARS, NO_NUL);
    }
}

/// Searched text: anything without a NUL.
pub struct SearchText;
impl Rule for SearchText {
    fn state(schema: &mut MetaSchema) {
        schema.pattern = Some(NO_NUL.to_owned());
    }
}

/// A message search ([`SearchQuery`]).
pub struct SearchQueryText;
impl Rule for SearchQueryText {
    fn state(schema: &mut MetaSchema) {
        text(schema, 1, SearchQuery::MAX_CHARS, NOT_BLANK_NO_NUL);
    }
}

/// A sender's id for a message ([`ClientId`]): printable characters.
pub struct ClientIdText;
impl Rule for ClientIdText {
    fn state(schema: &mut MetaSchema) {
        text(schema, 1, ClientId::MAX_CHARS, PRINTABLE);
    }
}

/// A reaction ([`confab_domain::Emoji`]): one emoji, which no pattern can say; its length in
/// characters is at most its length in bytes.
pub struct EmojiText;
impl Rule for EmojiText {
    fn state(schema: &mut MetaSchema) {
        schema.min_length = Some(1);
        schema.max_length = Some(confab_domain::Emoji::MAX_BYTES);
    }
}

/// Any text, of the type the schema says (an upload's file name: the server makes it safe rather
/// than refusing it).
pub struct AnyText;
impl Rule for AnyText {
    fn state(_schema: &mut MetaSchema) {}
}

/// A SHA-256 in hex ([`parse_sha256`]).
pub struct Sha256Hex;
impl Rule for Sha256Hex {
    fn state(schema: &mut MetaSchema) {
        schema.min_length = Some(64);
        schema.max_length = Some(64);
        schema.pattern = Some("^[0-9a-fA-F]{64}$".to_owned());
    }
}

/// An envelope id ([`EnvelopeId`]): printable characters.
pub struct EnvelopeIdText;
impl Rule for EnvelopeIdText {
    fn state(schema: &mut MetaSchema) {
        text(schema, 1, EnvelopeId::MAX_CHARS, PRINTABLE);
    }
}

/// Where a message may go ([`confab_domain::Address`] without the global channel, which keeps
/// nothing). At most 18 digits: every such number is an id the server can read.
pub struct EnvelopeAddress;
impl Rule for EnvelopeAddress {
    fn state(schema: &mut MetaSchema) {
        schema.pattern = Some(r"^(conversation|user):[0-9]{1,18}$".to_owned());
    }
}

/// Where a ping may go: any [`confab_domain::Address`].
pub struct PingAddress;
impl Rule for PingAddress {
    fn state(schema: &mut MetaSchema) {
        schema.pattern = Some(r"^((conversation|user):[0-9]{1,18}|channel:global)$".to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The patterns are ECMA-262 (what clients and testers run); `regex` reads this subset
    /// (`\s`, `\uXXXX`, classes) the same way, so it can hold them against the domain's checks.
    #[test]
    fn the_patterns_accept_what_the_domain_accepts() {
        let not_blank = regex::Regex::new(NOT_BLANK_NO_NUL).unwrap();
        let no_nul = regex::Regex::new(NO_NUL).unwrap();
        for sample in [
            "x",
            " x ",
            "\n\tcode\n",
            "ünï",
            " \n\t",
            "",
            "a\0b",
            "\0",
            "\u{3000}",
        ] {
            assert_eq!(
                not_blank.is_match(sample),
                MessageBody::parse(sample).is_ok(),
                "{sample:?}"
            );
            assert_eq!(
                no_nul.is_match(sample),
                RoomName::parse(sample).is_ok(),
                "{sample:?}"
            );
        }
        let printable = regex::Regex::new(PRINTABLE).unwrap();
        for sample in ["a", "ü 1", "\u{7f}", "\u{85}", "\t", "x\ny"] {
            assert_eq!(
                printable.is_match(sample),
                EnvelopeId::parse(sample).is_ok(),
                "{sample:?}"
            );
            assert_eq!(
                printable.is_match(sample),
                ClientId::parse(sample).is_ok(),
                "{sample:?}"
            );
        }
    }
}
