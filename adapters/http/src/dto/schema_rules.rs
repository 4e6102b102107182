//! The domain's limits, said in the OpenAPI document as well: a DTO field typed `Ruled<T, R>`
//! travels exactly like `T`, and its schema also states rule `R` (a length, a range, `nullable`,
//! a format). Generated clients and schema-driven testers then know what the server will accept.
//!
//! The rules only *describe*: the domain still checks every value and answers a 422 naming the
//! field. poem-openapi's own `validator(...)` attributes would check a second time, with
//! messages of their own and numbers copied out of the domain; here every number comes from the
//! domain constant that enforces it. This file is the one table of those descriptions.

use std::borrow::Cow;
use std::marker::PhantomData;

use confab_domain::conversation::MAX_USER_IDS;
use confab_domain::{
    Cursor, Email, EnvelopeId, MessageBody, PageRequest, PlainPassword, RoomName, UserName,
};
use poem_openapi::registry::{MetaSchema, MetaSchemaRef, Registry};
use poem_openapi::types::{
    ParseError, ParseFromJSON, ParseFromParameter, ParseResult, ToJSON, Type,
};
use serde_json::Value;

/// What a rule adds to a field's schema.
pub trait Rule {
    /// `Some` to override whether the field is required (a value that is always sent, maybe as
    /// `null`); `None` keeps the wrapped type's answer.
    const REQUIRED: Option<bool> = None;

    fn state(schema: &mut MetaSchema);
}

/// The `type` of the schema `T` registers under `reference`'s name.
fn named_type<T: Type>(reference: &MetaSchemaRef) -> &'static str {
    let MetaSchemaRef::Reference(name) = reference else {
        return "";
    };
    let mut registry = Registry::new();
    T::register(&mut registry);
    registry.schemas.get(name).map_or("", |named| named.ty)
}

/// Two rules on one field.
impl<A: Rule, B: Rule> Rule for (A, B) {
    const REQUIRED: Option<bool> = match A::REQUIRED {
        Some(required) => Some(required),
        None => B::REQUIRED,
    };

    fn state(schema: &mut MetaSchema) {
        A::state(schema);
        B::state(schema);
    }
}

/// A `T` whose schema also states `R`.
pub struct Ruled<T, R>(pub T, PhantomData<fn() -> R>);

impl<T, R> Ruled<T, R> {
    pub fn new(value: T) -> Self {
        Self(value, PhantomData)
    }

    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T, R> From<T> for Ruled<T, R> {
    fn from(value: T) -> Self {
        Self::new(value)
    }
}

impl<T: Clone, R> Clone for Ruled<T, R> {
    fn clone(&self) -> Self {
        Self::new(self.0.clone())
    }
}

impl<T: std::fmt::Debug, R> std::fmt::Debug for Ruled<T, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl<T: Type, R: Rule> Type for Ruled<T, R> {
    const IS_REQUIRED: bool = match R::REQUIRED {
        Some(required) => required,
        None => T::IS_REQUIRED,
    };
    type RawValueType = T::RawValueType;
    type RawElementValueType = T::RawElementValueType;

    fn name() -> Cow<'static, str> {
        T::name()
    }

    /// An inline schema stays inline, with the rule added. A named one is referred to from an
    /// inline schema carrying the rule: a one-item `allOf`, or for a rule that allows `null`,
    /// `oneOf: [the named schema, {nullable: true, enum: [null]}]` — OpenAPI 3.0's only way to
    /// say "that schema or null" that linters accept (`nullable` needs a `type` beside it) and
    /// that TypeScript, Python and Rust generators all read as optional.
    fn schema_ref() -> MetaSchemaRef {
        let reference = match T::schema_ref() {
            MetaSchemaRef::Inline(schema) => {
                let mut schema = *schema;
                R::state(&mut schema);
                return MetaSchemaRef::Inline(Box::new(schema));
            }
            reference => reference,
        };
        let mut schema = MetaSchema::ANY;
        R::state(&mut schema);
        if schema.nullable {
            let null = MetaSchema {
                ty: named_type::<T>(&reference),
                nullable: true,
                enum_items: vec![Value::Null],
                ..MetaSchema::ANY
            };
            schema.nullable = false;
            schema.one_of = vec![reference, MetaSchemaRef::Inline(Box::new(null))];
        } else {
            schema.ty = named_type::<T>(&reference);
            schema.all_of = vec![reference];
        }
        MetaSchemaRef::Inline(Box::new(schema))
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        self.0.as_raw_value()
    }

    fn raw_element_iter<'a>(
        &'a self,
    ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        self.0.raw_element_iter()
    }

    fn is_none(&self) -> bool {
        self.0.is_none()
    }
}

/// Whether `T`'s schema is `type: string`.
fn is_text<T: Type>() -> bool {
    matches!(T::schema_ref(), MetaSchemaRef::Inline(schema) if schema.ty == "string")
}

/// Strict where poem-openapi is lenient: a field the document calls a string takes only a JSON
/// string (poem-openapi's `String` would also take `7` or `false` as `"7"`/`"false"`).
impl<T: ParseFromJSON, R: Rule> ParseFromJSON for Ruled<T, R> {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        if let Some(value) = value.as_ref().filter(|v| !v.is_string() && !v.is_null())
            && is_text::<T>()
        {
            return Err(ParseError::expected_type(value.clone()));
        }
        T::parse_from_json(value)
            .map(Self::new)
            .map_err(ParseError::propagate)
    }
}

impl<T: ParseFromParameter, R: Rule> ParseFromParameter for Ruled<T, R> {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        T::parse_from_parameter(value)
            .map(Self::new)
            .map_err(ParseError::propagate)
    }

    /// Delegated too, so an absent optional parameter stays `None` instead of an error.
    fn parse_from_parameters<I: IntoIterator<Item = A>, A: AsRef<str>>(
        iter: I,
    ) -> ParseResult<Self> {
        T::parse_from_parameters(iter)
            .map(Self::new)
            .map_err(ParseError::propagate)
    }
}

/// For form bodies (pusher-js posts channel auth as a form), which poem reads with serde.
impl<'de, T: serde::Deserialize<'de>, R> serde::Deserialize<'de> for Ruled<T, R> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Self::new)
    }
}

impl<T: ToJSON, R: Rule> ToJSON for Ruled<T, R> {
    fn to_json(&self) -> Option<Value> {
        self.0.to_json()
    }
}

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

/// A display name ([`UserName`]).
pub struct PersonName;
impl Rule for PersonName {
    fn state(schema: &mut MetaSchema) {
        text(schema, 1, UserName::MAX_CHARS, NOT_BLANK_NO_NUL);
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

/// Searched text: anything without a NUL.
pub struct SearchText;
impl Rule for SearchText {
    fn state(schema: &mut MetaSchema) {
        schema.pattern = Some(NO_NUL.to_owned());
    }
}

/// A `user_ids` list (`conversation::ensure_user_list`): at most [`MAX_USER_IDS`], nobody twice.
pub struct UserIdList;
impl Rule for UserIdList {
    fn state(schema: &mut MetaSchema) {
        schema.max_items = Some(MAX_USER_IDS);
        schema.unique_items = Some(true);
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
    use poem_openapi::registry::MetaSchemaRef;

    use super::*;
    use crate::dto::UserDto;

    fn inline<T: Type>() -> MetaSchema {
        match T::schema_ref() {
            MetaSchemaRef::Inline(schema) => *schema,
            MetaSchemaRef::Reference(name) => panic!("expected an inline schema, got {name}"),
        }
    }

    #[test]
    fn a_rule_states_the_domain_limit_and_keeps_the_type() {
        let schema = inline::<Ruled<String, MessageText>>();
        assert_eq!(schema.ty, "string");
        assert_eq!(schema.max_length, Some(MessageBody::MAX_CHARS));
        assert_eq!(schema.min_length, Some(1));
        const { assert!(!<Ruled<Option<String>, MessageText>>::IS_REQUIRED) };
    }

    #[test]
    fn a_nullable_reference_is_that_schema_or_null_and_stays_required() {
        let schema = inline::<Ruled<Option<UserDto>, SentOrNull>>();
        assert!(!schema.nullable && schema.all_of.is_empty());
        let [named, MetaSchemaRef::Inline(null)] = &schema.one_of[..] else {
            panic!("oneOf of two: {:?}", schema.one_of)
        };
        assert!(matches!(named, MetaSchemaRef::Reference(name) if name == "UserDto"));
        assert!(null.nullable);
        assert_eq!(null.ty, "object");
        assert_eq!(null.enum_items, [Value::Null]);
        const { assert!(<Ruled<Option<UserDto>, SentOrNull>>::IS_REQUIRED) };
        const { assert!(!<Ruled<Option<UserDto>, NullAllowed>>::IS_REQUIRED) };
    }

    #[test]
    fn a_text_field_takes_only_json_strings() {
        for other in [Value::from(7), Value::Bool(false), serde_json::json!(["a"])] {
            assert!(<Ruled<String, NotBlank>>::parse_from_json(Some(other.clone())).is_err());
            assert!(<Ruled<Option<String>, NullAllowed>>::parse_from_json(Some(other)).is_err());
        }
        let absent = <Ruled<Option<String>, NullAllowed>>::parse_from_json(Some(Value::Null));
        assert_eq!(absent.unwrap().0, None);
        assert!(<Ruled<i64, PageNumber>>::parse_from_json(Some(Value::from(7))).is_ok());
    }

    #[test]
    fn values_travel_as_the_wrapped_type() {
        let parsed =
            <Ruled<Option<i64>, PageNumber>>::parse_from_json(Some(Value::from(3))).unwrap();
        assert_eq!(parsed.0, Some(3));
        let absent = <Ruled<Option<i64>, SentOrNull>>::new(None);
        assert_eq!(absent.to_json(), Some(Value::Null));
        assert!(<Ruled<i64, PageNumber>>::parse_from_parameter("x").is_err());
    }

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
        }
    }
}
