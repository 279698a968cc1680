//! Exact JSON pieces for events: objects read without losing a byte of what we don't type,
//! decimals kept as their digits, ids kept as the number or string they were, timestamps kept
//! as written.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::value::RawValue;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::Error;

/// Deepest nesting of arrays and objects accepted in an event body.
pub const MAX_DEPTH: usize = 64;
/// Largest event body accepted by the parsers: 8 MiB.
pub const MAX_EVENT_BYTES: usize = 8 << 20;

/// Where a field sits, for error messages; only rendered when an error is reported.
#[derive(Clone, Copy)]
pub(crate) enum Path<'a> {
    Root(&'static str),
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl<'a> Path<'a> {
    pub(crate) fn key(&'a self, key: &'a str) -> Path<'a> {
        Path::Key(self, key)
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root(name) => f.write_str(name),
            Path::Key(parent, key) => write!(f, "{parent}.{key}"),
            Path::Index(parent, index) => write!(f, "{parent}[{index}]"),
        }
    }
}

/// Why a key hookwire reads is refused when it is repeated.
pub(crate) const REPEATED: &str =
    "appears more than once; JSON parsers disagree on which copy counts (RFC 8259), so hookwire reads neither";

pub(crate) fn invalid(path: &Path<'_>, what: &str) -> Error {
    Error::InvalidPayload { reason: format!("`{path}` {what}").into() }
}

pub(crate) fn invalid_body(what: impl Into<Cow<'static, str>>) -> Error {
    Error::InvalidPayload { reason: what.into() }
}

/// Refuses bodies that are too large or nested too deep, before any parser recurses.
pub(crate) fn check_shape(body: &[u8]) -> Result<(), Error> {
    if body.len() > MAX_EVENT_BYTES {
        return Err(invalid_body(format!("the body is {} bytes; events are limited to 8 MiB", body.len())));
    }
    // Nesting deeper than the limit needs more opening brackets than the limit: most bodies
    // have fewer, and counting them (branch-free, vectorised) is far cheaper than the scan.
    if opening_brackets(body) <= MAX_DEPTH {
        return Ok(());
    }
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &byte in body {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(invalid_body(format!("the JSON is nested deeper than {MAX_DEPTH} levels")));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// How many `[` and `{` bytes `body` holds: counted in blocks of 64 bytes into a byte-wide
/// counter each (at most 64, no overflow), which the compiler turns into wide compares.
fn opening_brackets(body: &[u8]) -> usize {
    let count = |block: &[u8]| block.iter().fold(0u8, |n, &b| n + u8::from((b == b'[') | (b == b'{')));
    let blocks = body.chunks_exact(64);
    let tail = usize::from(count(blocks.remainder()));
    blocks.map(|block| usize::from(count(block))).sum::<usize>() + tail
}

/// Parses a whole body as one JSON value (after [`check_shape`]).
pub(crate) fn parse_body(body: &[u8]) -> Result<&RawValue, Error> {
    check_shape(body)?;
    serde_json::from_slice::<&RawValue>(body).map_err(|e| invalid_body(format!("the body is not JSON: {e}")))
}

/// A JSON object being read: its fields in order, values still raw and borrowed.
pub(crate) struct RawObject<'a> {
    fields: Vec<(Cow<'a, str>, &'a RawValue)>,
}

pub(crate) struct Key<'a>(pub(crate) Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

impl<'de> Deserialize<'de> for RawObject<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor;
        impl<'de> Visitor<'de> for ObjectVisitor {
            type Value = RawObject<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some(Key(key)) = map.next_key()? {
                    fields.push((key, map.next_value::<&'de RawValue>()?));
                }
                Ok(RawObject { fields })
            }
        }
        deserializer.deserialize_map(ObjectVisitor)
    }
}

impl<'a> RawObject<'a> {
    /// Reads `raw` as an object.
    pub(crate) fn parse(raw: &'a RawValue, path: &Path<'_>) -> Result<RawObject<'a>, Error> {
        if !raw.get().starts_with('{') {
            return Err(invalid(path, "must be an object"));
        }
        serde_json::from_str(raw.get()).map_err(|_| invalid(path, "must be an object"))
    }

    /// Reads a whole body as an object in one pass (the usual case); on failure, the two-step
    /// path gives the precise error.
    pub(crate) fn parse_body(body: &'a [u8], path: &Path<'_>) -> Result<RawObject<'a>, Error> {
        check_shape(body)?;
        match serde_json::from_slice(body) {
            Ok(object) => Ok(object),
            Err(_) => RawObject::parse(parse_body(body)?, path),
        }
    }

    /// Removes the field `key` and returns its raw value; a second field of the same name is an
    /// error (two parsers could disagree on which one counts).
    pub(crate) fn take(&mut self, key: &str, path: &Path<'_>) -> Result<Option<&'a RawValue>, Error> {
        let Some(at) = self.fields.iter().position(|(k, _)| k == key) else { return Ok(None) };
        self.check_once(key, path)?;
        Ok(Some(self.fields.remove(at).1))
    }

    /// Removes and converts the field `key`. A `null` stays in the object untouched (so it is
    /// written back as it came) and reads as `None`. A key given twice is an error, a null
    /// first included: the typed field cannot hold both, and dropping one would lose data.
    pub(crate) fn field<T: FromJson>(&mut self, key: &str, path: &Path<'_>) -> Result<Option<T>, Error> {
        match self.fields.iter().find(|(k, _)| k == key) {
            Some((_, value)) if value.get() == "null" => {
                self.check_once(key, path)?;
                return Ok(None);
            }
            None => return Ok(None),
            Some(_) => {}
        }
        let raw = self.take(key, path)?;
        raw.map(|raw| T::from_json(raw, &path.key(key))).transpose()
    }

    /// Whether a field named `key` exists.
    pub(crate) fn contains(&self, key: &str) -> bool {
        self.fields.iter().any(|(k, _)| k == key)
    }

    fn check_once(&self, key: &str, path: &Path<'_>) -> Result<(), Error> {
        if self.fields.iter().filter(|(k, _)| k == key).nth(1).is_some() {
            return Err(invalid(&path.key(key), REPEATED));
        }
        Ok(())
    }

    /// What is left, owned: the fields nobody typed.
    pub(crate) fn into_extra(self) -> Extra {
        Extra { fields: self.fields.into_iter().map(|(k, v)| (k.into_owned(), v.to_owned())).collect() }
    }
}

/// Conversion of one raw JSON value into a typed field, naming the field on failure.
pub(crate) trait FromJson: Sized {
    /// Whether [`from_de`](FromJson::from_de) reads field by field (objects and arrays); a
    /// scalar's is its raw token through [`from_json`](FromJson::from_json).
    const STREAMED: bool = false;

    fn from_json(raw: &RawValue, path: &Path<'_>) -> Result<Self, Error>;

    /// Reads the value in the same pass as its parent. Scalars go through their raw text
    /// (a token); objects and arrays override this to read field by field, so typed data is
    /// scanned once however deep it is.
    fn from_de<'de, D: Deserializer<'de>>(deserializer: D, cx: &Cx<'_>) -> Result<Self, D::Error> {
        let raw = <&'de RawValue>::deserialize(deserializer)?;
        Self::from_json(raw, cx.path).map_err(|e| cx.fail(e))
    }

    /// Reads the value onto the end of `items` (an array's next element). Records override
    /// this to fill their place in the array directly: moving a record of a few hundred bytes
    /// through every layer of the reader was a sixth of the time an order took.
    fn push_de<'de, D: Deserializer<'de>>(
        deserializer: D,
        cx: &Cx<'_>,
        items: &mut Vec<Self>,
    ) -> Result<(), D::Error> {
        items.push(Self::from_de(deserializer, cx)?);
        Ok(())
    }
}

/// Where a streamed read is, and the first typed error it met (serde's error type cannot carry
/// ours, so it waits here and replaces serde's at the end).
pub(crate) struct Cx<'a> {
    pub(crate) path: &'a Path<'a>,
    pub(crate) error: &'a Cell<Option<Error>>,
}

impl Cx<'_> {
    /// Records `error` (the innermost one wins) and returns a serde error to unwind with.
    pub(crate) fn fail<E: de::Error>(&self, error: Error) -> E {
        let first = self.error.take().unwrap_or(error);
        self.error.set(Some(first));
        E::custom("typed field")
    }
}

/// Reads `text` as `T` in one pass, with typed errors naming the field.
pub(crate) fn read_streamed<T: FromJson>(text: &str, path: &Path<'_>) -> Result<T, Error> {
    let error = Cell::new(None);
    let cx = Cx { path, error: &error };
    let mut deserializer = serde_json::Deserializer::from_str(text);
    match T::from_de(&mut deserializer, &cx).and_then(|value| deserializer.end().map(|()| value)) {
        Ok(value) => Ok(value),
        Err(e) => Err(error.take().unwrap_or_else(|| invalid(path, &format!("is not valid JSON ({e})")))),
    }
}

/// A field that may be `null` (read as `None`, so the caller can keep the null as it came).
pub(crate) struct Nullable<'c, T>(pub(crate) &'c Cx<'c>, PhantomData<T>);

impl<'c, T> Nullable<'c, T> {
    pub(crate) fn new(cx: &'c Cx<'c>) -> Self {
        Nullable(cx, PhantomData)
    }
}

impl<'de, T: FromJson> DeserializeSeed<'de> for Nullable<'_, T> {
    type Value = Option<T>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<T>, D::Error> {
        struct V<'c, T>(&'c Cx<'c>, PhantomData<T>);
        impl<'de, T: FromJson> Visitor<'de> for V<'_, T> {
            type Value = Option<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a value or null")
            }
            fn visit_none<E: de::Error>(self) -> Result<Option<T>, E> {
                Ok(None)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Option<T>, E> {
                Ok(None)
            }
            fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<T>, D::Error> {
                T::from_de(deserializer, self.0).map(Some)
            }
        }
        deserializer.deserialize_option(V(self.0, PhantomData))
    }
}

/// The next element of a streamed array, read onto the end of the items.
struct Element<'c, 'v, T> {
    cx: &'c Cx<'c>,
    items: &'v mut Vec<T>,
}

impl<'de, T: FromJson> DeserializeSeed<'de> for Element<'_, '_, T> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        let path = Path::Index(self.cx.path, self.items.len());
        T::push_de(deserializer, &Cx { path: &path, error: self.cx.error }, self.items)
    }
}

/// Visitor methods for every JSON kind but the expected one: each fails with `$what`.
macro_rules! refuse_other_kinds {
    ($what:literal; $($method:ident($($arg:ty)?)),*) => {
        $(
            fn $method<E: de::Error>(self $(, _: $arg)?) -> Result<Self::Value, E> {
                Err(self.cx().fail(invalid(self.cx().path, $what)))
            }
        )*
    };
}
pub(crate) use refuse_other_kinds;

/// A visitor that knows its context.
pub(crate) trait HasCx<'c> {
    fn cx(&self) -> &'c Cx<'c>;
}

/// A `null`, owned, for an extra field.
pub(crate) fn null_raw() -> Box<RawValue> {
    RawValue::NULL.to_owned()
}

impl FromJson for String {
    fn from_json(raw: &RawValue, path: &Path<'_>) -> Result<Self, Error> {
        let text = raw.get();
        if !text.starts_with('"') {
            return Err(invalid(path, "must be a string"));
        }
        if !text.contains('\\') {
            return Ok(text[1..text.len() - 1].to_owned());
        }
        serde_json::from_str(text).map_err(|_| invalid(path, "must be a string"))
    }
}

impl FromJson for bool {
    fn from_json(raw: &RawValue, path: &Path<'_>) -> Result<Self, Error> {
        match raw.get() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(invalid(path, "must be true or false")),
        }
    }
}

impl FromJson for i64 {
    fn from_json(raw: &RawValue, path: &Path<'_>) -> Result<Self, Error> {
        raw.get().parse().map_err(|_| invalid(path, "must be an integer"))
    }
}

impl FromJson for Json {
    fn from_json(raw: &RawValue, _: &Path<'_>) -> Result<Self, Error> {
        Ok(Json(raw.to_owned()))
    }
}

/// Any JSON value, kept exactly as written (formatting, number digits and key order included).
///
/// ```
/// let json = hookwire::Json::from_serializable(&serde_json::json!({"device_count": 5}))?;
/// assert_eq!(json.get(), r#"{"device_count":5}"#);
/// assert_eq!(json.to_value()["device_count"], 5);
/// # Ok::<(), hookwire::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Json(Box<RawValue>);

impl Json {
    /// The JSON text.
    pub fn get(&self) -> &str {
        self.0.get()
    }

    /// Parsed into a `serde_json::Value` (numbers beyond `f64` precision are rounded there).
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::from_str(self.0.get()).unwrap_or(serde_json::Value::Null)
    }

    /// Writes any serializable value as JSON.
    pub fn from_serializable(value: &impl Serialize) -> Result<Json, Error> {
        serde_json::value::to_raw_value(value)
            .map(Json)
            .map_err(|e| invalid_body(format!("not representable as JSON: {e}")))
    }

    /// Parses JSON text (checked for validity, depth and size).
    pub fn parse(text: &str) -> Result<Json, Error> {
        Ok(Json(parse_body(text.as_bytes())?.to_owned()))
    }

    pub(crate) fn raw(&self) -> &RawValue {
        &self.0
    }
}

impl PartialEq for Json {
    fn eq(&self, other: &Self) -> bool {
        self.0.get() == other.0.get()
    }
}

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    const STREAMED: bool = true;

    fn from_json(raw: &RawValue, path: &Path<'_>) -> Result<Self, Error> {
        read_streamed(raw.get(), path)
    }

    fn from_de<'de, D: Deserializer<'de>>(deserializer: D, cx: &Cx<'_>) -> Result<Self, D::Error> {
        struct V<'c, T>(&'c Cx<'c>, PhantomData<T>);
        impl<'c, T> HasCx<'c> for V<'c, T> {
            fn cx(&self) -> &'c Cx<'c> {
                self.0
            }
        }
        impl<'de, T: FromJson> Visitor<'de> for V<'_, T> {
            type Value = Vec<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
                while seq.next_element_seed(Element { cx: self.0, items: &mut items })?.is_some() {}
                Ok(items)
            }
            fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Vec<T>, A::Error> {
                Err(self.0.fail(invalid(self.0.path, "must be an array")))
            }
            refuse_other_kinds!("must be an array"; visit_bool(bool), visit_i64(i64), visit_u64(u64),
                visit_f64(f64), visit_str(&str), visit_unit());
        }
        deserializer.deserialize_any(V(cx, PhantomData))
    }
}

/// Fields of a JSON object that hookwire does not type, kept exactly as they arrived (and
/// written back in the same order, after the typed fields).
///
/// A field named like one the surrounding object owns (a typed field such as `user_id`, or an
/// envelope key such as `type` when an event is written natively) is not written, so output
/// never repeats a key: the typed value owns the name. The one exception is a `null` the input
/// had where the typed field is absent, which is kept as it came. Such names appear only when
/// a field came from a format that has no such key (a HomeChef envelope carrying its own `id`,
/// written as a native event) or was inserted by hand.
///
/// ```
/// let event = hookwire::Event::from_json(br#"{"id":"e1","type":"user.login","data":{"user_id":7,"ip":"10.0.0.1"}}"#)?;
/// let hookwire::Payload::User(user) = event.payload() else { unreachable!() };
/// assert_eq!(user.extra.get("ip").map(|raw| raw.get()), Some(r#""10.0.0.1""#));
/// # Ok::<(), hookwire::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Extra {
    fields: Vec<(String, Box<RawValue>)>,
}

impl Extra {
    /// The raw JSON of field `key`, if present.
    pub fn get(&self, key: &str) -> Option<&RawValue> {
        self.fields.iter().find(|(k, _)| k == key).map(|(_, v)| &**v)
    }

    /// Sets field `key` to `value` (replacing an existing one).
    pub fn insert(&mut self, key: impl Into<String>, value: &impl Serialize) -> Result<(), Error> {
        let key = key.into();
        let raw = serde_json::value::to_raw_value(value)
            .map_err(|e| invalid_body(format!("`{key}` cannot be written as JSON: {e}")))?;
        match self.fields.iter_mut().find(|(k, _)| *k == key) {
            Some((_, slot)) => *slot = raw,
            None => self.fields.push((key, raw)),
        }
        Ok(())
    }

    /// Removes field `key`, returning its raw JSON.
    pub fn remove(&mut self, key: &str) -> Option<Box<RawValue>> {
        let at = self.fields.iter().position(|(k, _)| k == key)?;
        Some(self.fields.remove(at).1)
    }

    /// The fields in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &RawValue)> {
        self.fields.iter().map(|(k, v)| (k.as_str(), &**v))
    }

    /// How many fields there are.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    pub(crate) fn from_fields(fields: Vec<(String, Box<RawValue>)>) -> Extra {
        Extra { fields }
    }

    /// Writes the fields into `map`, except those named in `owned` (the typed fields or
    /// envelope keys of the surrounding object, each with whether it was written), so the
    /// output never repeats a key nor changes what a typed field reads: such a field is
    /// written only when it is a kept `null` and its typed twin was not written, and then once
    /// (hookwire refuses a repeat of a key it reads).
    pub(crate) fn write<M: SerializeMap>(&self, map: &mut M, owned: &[(&str, bool)]) -> Result<(), M::Error> {
        let mut nulls_written: Vec<&str> = Vec::new();
        for (key, value) in &self.fields {
            if let Some((_, written)) = owned.iter().find(|(name, _)| name == key) {
                if *written || value.get() != "null" || nulls_written.contains(&key.as_str()) {
                    continue;
                }
                nulls_written.push(key);
            }
            map.serialize_entry(key, value)?;
        }
        Ok(())
    }
}

impl PartialEq for Extra {
    fn eq(&self, other: &Self) -> bool {
        self.fields.len() == other.fields.len()
            && self.fields.iter().zip(&other.fields).all(|((a, x), (b, y))| a == b && x.get() == y.get())
    }
}

impl Serialize for Extra {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.fields.len()))?;
        self.write(&mut map, &[])?;
        map.end()
    }
}

/// An exact decimal number, kept as the digits it was written with: `45.99` stays `45.99`
/// (money never passes through `f64`).
///
/// ```
/// use hookwire::Decimal;
/// let amount: Decimal = "45.99".parse()?;
/// assert_eq!(amount.as_str(), "45.99");
/// assert_eq!(amount.to_f64(), 45.99);
/// assert_eq!("12".parse::<Decimal>()?.to_i64(), Some(12));
/// assert_eq!("1,5".parse::<Decimal>().unwrap_err().code(), "invalid_payload");
/// # Ok::<(), hookwire::Error>(())
/// ```
#[derive(Clone)]
pub struct Decimal(Digits);

/// Room for the digits kept inline: every price, amount and reading a payload carries.
const INLINE_DIGITS: usize = 22;

/// A decimal's text: inline when short, so reading an order's ten prices allocates nothing
/// for them; on the heap beyond.
#[derive(Clone)]
enum Digits {
    Inline { len: u8, bytes: [u8; INLINE_DIGITS] },
    Heap(Box<str>),
}

impl Decimal {
    /// Keeps `text`, which the caller checked to be a JSON number.
    fn from_checked(text: &str) -> Decimal {
        match u8::try_from(text.len()) {
            Ok(len) if text.len() <= INLINE_DIGITS => {
                let mut bytes = [0; INLINE_DIGITS];
                bytes[..text.len()].copy_from_slice(text.as_bytes());
                Decimal(Digits::Inline { len, bytes })
            }
            _ => Decimal(Digits::Heap(text.into())),
        }
    }

    /// The number as written.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            // The bytes were copied whole from a `str`, so they are one.
            Digits::Inline { len, bytes } => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or_default()
            }
            Digits::Heap(text) => text,
        }
    }

    /// The nearest `f64` (for display or arithmetic where exactness does not matter).
    pub fn to_f64(&self) -> f64 {
        self.as_str().parse().unwrap_or(f64::NAN)
    }

    /// The value as an integer, if it is written as one.
    pub fn to_i64(&self) -> Option<i64> {
        self.as_str().parse().ok()
    }
}

impl fmt::Debug for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Decimal").field(&self.as_str()).finish()
    }
}

impl PartialEq for Decimal {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Decimal {}

impl std::hash::Hash for Decimal {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

/// JSON number grammar (RFC 8259 §6).
fn is_json_number(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    let int_start = i;
    let int_len = digits(&mut i);
    if int_len == 0 || (int_len > 1 && b[int_start] == b'0') {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

impl FromStr for Decimal {
    type Err = Error;
    fn from_str(text: &str) -> Result<Self, Error> {
        if is_json_number(text) {
            Ok(Decimal::from_checked(text))
        } else {
            Err(invalid_body(format!("`{text}` is not a decimal number")))
        }
    }
}

impl From<i64> for Decimal {
    fn from(value: i64) -> Self {
        Decimal::from_checked(&value.to_string())
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromJson for Decimal {
    fn from_json(raw: &RawValue, path: &Path<'_>) -> Result<Self, Error> {
        // A raw value is valid JSON, where only numbers start with `-` or a digit.
        if raw.get().as_bytes().first().is_some_and(|&b| b == b'-' || b.is_ascii_digit()) {
            Ok(Decimal::from_checked(raw.get()))
        } else {
            Err(invalid(path, "must be a number"))
        }
    }
}

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Validated JSON number text: written verbatim, never through f64. The raw value borrows
        // the digits (no copy on the heap per number written).
        raw_number(self.as_str())?.serialize(serializer)
    }
}

/// A number's checked text as a raw JSON value, borrowed where it lies.
fn raw_number<E: serde::ser::Error>(text: &str) -> Result<&RawValue, E> {
    serde_json::from_str(text).map_err(E::custom)
}

/// An identifier that one system sends as a number (`1001`) and another as a string
/// (`"order_123"`); it is written back the way it came, digit for digit.
///
/// ```
/// use hookwire::{Event, Id, Payload};
/// assert_eq!(Id::from(1001).to_string(), "1001");
/// assert_eq!(Id::from("order_123").as_str(), Some("order_123"));
///
/// // An integer beyond i64 keeps its exact digits.
/// let body = br#"{"type":"user.created","data":{"user_id":18446744073709551616}}"#;
/// let event = Event::from_json(body)?;
/// let Payload::User(user) = event.payload() else { unreachable!() };
/// assert_eq!(user.user_id, Some(Id::BigInt("18446744073709551616".into())));
/// assert_eq!(event.to_json(), body);
/// # Ok::<(), hookwire::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Id {
    /// Sent as a JSON integer that fits an `i64`.
    Int(i64),
    /// Sent as a JSON integer an `i64` cannot hold as written (beyond its range, or `-0`),
    /// kept as its exact digits.
    BigInt(Box<str>),
    /// Sent as a JSON string.
    Text(String),
}

impl Id {
    /// The id if it was sent as a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Id::Text(text) => Some(text),
            Id::Int(_) | Id::BigInt(_) => None,
        }
    }

    /// The id if it was sent as an integer that fits an `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Id::Int(n) => Some(*n),
            Id::BigInt(_) | Id::Text(_) => None,
        }
    }
}

impl From<i64> for Id {
    fn from(value: i64) -> Self {
        Id::Int(value)
    }
}

impl From<&str> for Id {
    fn from(value: &str) -> Self {
        Id::Text(value.to_owned())
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Id::Int(n) => write!(f, "{n}"),
            Id::BigInt(digits) => f.write_str(digits),
            Id::Text(text) => f.write_str(text),
        }
    }
}

impl FromJson for Id {
    fn from_json(raw: &RawValue, path: &Path<'_>) -> Result<Self, Error> {
        let text = raw.get();
        if text.starts_with('"') {
            return String::from_json(raw, path).map(Id::Text);
        }
        match json_integer(text) {
            Some(Some(n)) => Ok(Id::Int(n)),
            Some(None) => Ok(Id::BigInt(text.into())),
            None => Err(invalid(path, "must be a string or an integer")),
        }
    }
}

/// `text` read as a JSON integer, `-?(0|[1-9][0-9]*)`, checked and converted in one pass (an
/// order holds two dozen ids): `None` when it is not one; `Some(None)` when an `i64` cannot
/// hold it as written (beyond its range, or `-0`, the one integer an `i64` would write back
/// differently); else its value.
fn json_integer(text: &str) -> Option<Option<i64>> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(digits) => (true, digits.as_bytes()),
        None => (false, text.as_bytes()),
    };
    if digits.is_empty() || (digits[0] == b'0' && digits.len() > 1) {
        return None;
    }
    // Summed as a negative number, so that `i64::MIN` fits; `None` once out of range.
    let mut sum = Some(0i64);
    for &byte in digits {
        if !byte.is_ascii_digit() {
            return None;
        }
        sum = sum.and_then(|n| n.checked_mul(10)).and_then(|n| n.checked_sub(i64::from(byte - b'0')));
    }
    Some(match sum {
        Some(0) if negative => None,
        Some(n) if negative => Some(n),
        sum => sum.and_then(i64::checked_neg),
    })
}

impl Serialize for Id {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Id::Int(n) => serializer.serialize_i64(*n),
            // Validated integer text: written verbatim.
            Id::BigInt(digits) => raw_number(digits)?.serialize(serializer),
            Id::Text(text) => serializer.serialize_str(text),
        }
    }
}

/// A point in time as an event carries it: RFC 3339 text (kept as written, so it round-trips
/// byte for byte) or unix seconds.
///
/// Text without an offset (as Python's `datetime.isoformat()` writes for naive datetimes) is
/// read as UTC.
///
/// ```
/// use hookwire::Timestamp;
/// let t: Timestamp = "2025-08-08T10:00:00+02:00".parse()?;
/// assert_eq!(t.unix_seconds(), 1_754_640_000);
/// assert_eq!(t.to_string(), "2025-08-08T10:00:00+02:00");
/// assert_eq!(Timestamp::from_unix(1_754_640_000)?.unix_seconds(), 1_754_640_000);
/// # Ok::<(), hookwire::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timestamp {
    at: OffsetDateTime,
    text: Option<String>,
}

const NAIVE: &[time::format_description::BorrowedFormatItem<'static>] = time::macros::format_description!(
    "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]"
);

impl Timestamp {
    /// A timestamp written as unix seconds.
    pub fn from_unix(seconds: i64) -> Result<Timestamp, Error> {
        let at = OffsetDateTime::from_unix_timestamp(seconds)
            .map_err(|_| invalid_body(format!("{seconds} is out of range for a timestamp")))?;
        Ok(Timestamp { at, text: None })
    }

    /// The instant.
    pub fn to_offset_date_time(&self) -> OffsetDateTime {
        self.at
    }

    /// Seconds since the unix epoch.
    pub fn unix_seconds(&self) -> i64 {
        self.at.unix_timestamp()
    }

    /// Whether it was written as unix seconds rather than text.
    pub fn is_unix(&self) -> bool {
        self.text.is_none()
    }

    /// Parses RFC 3339 text (or the offset-less form), keeping `text` as it is.
    fn from_text(text: String) -> Result<Timestamp, Error> {
        let at = OffsetDateTime::parse(&text, &Rfc3339)
            .or_else(|_| PrimitiveDateTime::parse(&text, NAIVE).map(PrimitiveDateTime::assume_utc))
            .map_err(|_| invalid_body(format!("`{text}` is not an RFC 3339 timestamp")))?;
        Ok(Timestamp { at, text: Some(text) })
    }
}

impl From<OffsetDateTime> for Timestamp {
    fn from(at: OffsetDateTime) -> Self {
        let text = at.format(&Rfc3339).ok();
        Timestamp { at, text }
    }
}

impl FromStr for Timestamp {
    type Err = Error;
    fn from_str(text: &str) -> Result<Self, Error> {
        Timestamp::from_text(text.to_owned())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.text {
            Some(text) => f.write_str(text),
            None => write!(f, "{}", self.at.unix_timestamp()),
        }
    }
}

impl FromJson for Timestamp {
    fn from_json(raw: &RawValue, path: &Path<'_>) -> Result<Self, Error> {
        let text = raw.get();
        let parsed = if text.starts_with('"') {
            // The string read once and kept: no second copy of its text.
            Timestamp::from_text(String::from_json(raw, path)?)
        } else {
            let seconds = i64::from_json(raw, path).map_err(|_| invalid(path, "must be a timestamp"))?;
            Timestamp::from_unix(seconds)
        };
        parsed.map_err(|_| invalid(path, "must be an RFC 3339 timestamp or unix seconds"))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.text {
            Some(text) => serializer.serialize_str(text),
            None => serializer.serialize_i64(self.at.unix_timestamp()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_number_grammar() {
        for ok in ["0", "-0", "45.99", "1e5", "1E-5", "-12.5e+3", "1234567.89"] {
            assert!(is_json_number(ok), "{ok}");
        }
        for bad in ["", "-", "01", "1.", ".5", "1e", "+1", "NaN", "1,5", "0x10", " 1"] {
            assert!(!is_json_number(bad), "{bad}");
        }
    }

    #[test]
    fn integer_ids_are_i64_exactly_where_they_write_back_the_same_digits() {
        let raw = |text: &str| RawValue::from_string(text.to_owned()).unwrap();
        let root = Path::Root("id");
        for (text, expected) in [
            ("0", Id::Int(0)),
            ("-0", Id::BigInt("-0".into())),
            ("-1", Id::Int(-1)),
            ("9223372036854775807", Id::Int(i64::MAX)),
            ("-9223372036854775808", Id::Int(i64::MIN)),
            ("9223372036854775808", Id::BigInt("9223372036854775808".into())),
            ("-9223372036854775809", Id::BigInt("-9223372036854775809".into())),
        ] {
            let id = Id::from_json(&raw(text), &root).unwrap();
            assert_eq!(id, expected, "{text}");
            assert_eq!(id.to_string(), text);
        }
        for bad in ["1.0", "1e3", "-0.0", "true", "null", "[1]", "-1e0", "0.5"] {
            assert!(Id::from_json(&raw(bad), &root).is_err(), "{bad}");
        }
    }

    #[test]
    fn integer_grammar_and_value_in_one_pass() {
        for (text, expected) in [
            ("7", Some(Some(7))),
            ("-7", Some(Some(-7))),
            ("100", Some(Some(100))),
            ("-0", Some(None)),
            ("99999999999999999999", Some(None)),
            ("-9223372036854775808", Some(Some(i64::MIN))),
            ("9223372036854775807", Some(Some(i64::MAX))),
            ("9223372036854775808", Some(None)),
            ("-9223372036854775809", Some(None)),
        ] {
            assert_eq!(json_integer(text), expected, "{text}");
            // The one-pass reading agrees with the standard library wherever it takes a value.
            if let Some(Some(n)) = expected {
                assert_eq!(text.parse::<i64>(), Ok(n));
            }
        }
        // Past the range, every byte is still checked.
        let past = ["99999999999999999999x", "-99999999999999999999.5", "9223372036854775808 "];
        for bad in
            ["", "-", "01", "-01", "00", "1-", "1.5", "+1", " 1", "1 ", "--1", "1e2", "١"].iter().chain(&past)
        {
            assert_eq!(json_integer(bad), None, "{bad}");
        }
    }

    #[test]
    fn decimals_keep_their_digits_short_or_long() {
        let long = format!("{}.5", "9".repeat(40));
        for text in ["0", "-0", "45.99", "1e-7", "12345678901234567890.5", "123456789012345678901.5", &long] {
            let parsed: Decimal = text.parse().unwrap();
            let raw = Decimal::from_json(&RawValue::from_string(text.to_owned()).unwrap(), &Path::Root("d"))
                .unwrap();
            assert_eq!((parsed.as_str(), raw.as_str(), parsed.to_string()), (text, text, text.to_owned()));
            assert_eq!(parsed, raw);
            assert_eq!(format!("{parsed:?}"), format!("Decimal({text:?})"));
            assert_eq!(serde_json::to_string(&parsed).unwrap(), text);
        }
        for not_a_number in ["\"1\"", "true", "null", "[1]", "{}"] {
            let raw = RawValue::from_string(not_a_number.to_owned()).unwrap();
            assert!(Decimal::from_json(&raw, &Path::Root("d")).is_err(), "{not_a_number}");
        }
        assert_ne!(Decimal::from(1), Decimal::from(10));
    }

    #[test]
    fn bracket_count_matches_a_plain_count_at_every_length() {
        let text: Vec<u8> = (0..300u32).map(|i| b"[{x\"}]"[(i * 7 % 6) as usize]).collect();
        for len in 0..text.len() {
            let body = &text[..len];
            assert_eq!(
                opening_brackets(body),
                body.iter().filter(|&&b| b == b'[' || b == b'{').count(),
                "{len}"
            );
        }
    }

    #[test]
    fn shape_check_counts_only_structure_outside_strings() {
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert_eq!(check_shape(deep.as_bytes()).unwrap_err().code(), "invalid_payload");
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(check_shape(ok.as_bytes()).is_ok());
        let in_string = format!("{{\"a\":\"{}\\\"\"}}", "[".repeat(1000));
        assert!(check_shape(in_string.as_bytes()).is_ok());
    }

    #[test]
    fn objects_keep_nulls_and_refuse_duplicate_typed_keys() {
        let raw: &RawValue =
            serde_json::from_str(r#"{"a":null,"b":"x","b":"y","c":1,"d":null,"d":2}"#).unwrap();
        let root = Path::Root("data");
        let mut obj = RawObject::parse(raw, &root).unwrap();
        assert_eq!(obj.field::<String>("a", &root).unwrap(), None);
        let repeated =
            |err: Error| err.to_string().starts_with("invalid payload: `data.b` appears more than once");
        assert!(repeated(obj.field::<String>("b", &root).unwrap_err()));
        // A null first does not hide the repeat (the value after it used to be dropped).
        let err = obj.field::<i64>("d", &root).unwrap_err();
        assert!(err.to_string().contains("`data.d` appears more than once"), "{err}");
        let err = obj.field::<String>("c", &root).unwrap_err();
        assert_eq!(err.to_string(), "invalid payload: `data.c` must be a string");
    }
}
