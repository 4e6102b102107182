//! `Ruled<T, R>`: a DTO field that travels exactly like `T` while its OpenAPI schema also states
//! rule `R` (see `schema_rules.rs` for the rules themselves). Also strict where poem-openapi is
//! lenient: a field the document calls a string takes only a JSON string.

use std::borrow::Cow;
use std::marker::PhantomData;

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

#[cfg(test)]
mod tests {
    use poem_openapi::registry::MetaSchemaRef;

    use super::*;
    use crate::dto::{MessageText, NotBlank, NullAllowed, PageNumber, SentOrNull, UserDto};
    use confab_domain::MessageBody;

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
}
