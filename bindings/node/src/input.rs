//! JS values in: arguments, options objects, raw bodies, header values and secrets. Only
//! translation; every rule is the core's. (index.js picks the scheme's headers from a plain
//! object, a fetch `Headers`, a `Map`, Node's `IncomingHttpHeaders` or `[name, value]` pairs: JS
//! reads JS objects faster than napi calls can.)
//!
//! Every argument arrives as an `Unknown` and is converted here, by name: napi's own conversions
//! throw plain errors (`StringExpected`, `NumberExpected`, "Expected $name, got 3") that name
//! neither the argument nor a hookwire code, and drop the keys of an options object they do not
//! know. Here a value of the wrong type is `invalid_argument` naming the argument, and an
//! unknown option key is refused.

use http::{HeaderMap, HeaderName, HeaderValue};
use napi::bindgen_prelude::{
    ClassInstance, Either, FromNapiValue, Function, JsObjectValue, JsValue, Null, Object, Uint8ArraySlice,
    Unknown,
};
use napi::{Env, JsDate, ValueType};
use napi_derive::napi;

use crate::errors::{argument, to_js};

const RAW_BODY: &str = "pass the raw request body (a Buffer, Uint8Array or string, exactly as received), \
                        not a parsed object: with Express mount express.raw({ type: '*/*' }) instead of \
                        express.json() on the webhook route";

/// A JS type an argument can be converted to, with its name for people.
pub trait Js: FromNapiValue {
    /// What the argument must be: "a string", "a number", ...
    const WHAT: &'static str;

    /// Whether `value` may be converted at all (napi's conversion alone is too lenient for
    /// some types: it reads a string as an empty map).
    fn admits(_value: &Unknown<'_>) -> bool {
        true
    }
}

impl Js for String {
    const WHAT: &'static str = "a string";
}
impl Js for f64 {
    const WHAT: &'static str = "a number";
}
impl Js for bool {
    const WHAT: &'static str = "a boolean";
}
impl Js for Vec<String> {
    const WHAT: &'static str = "an array of strings";
}
impl Js for Vec<f64> {
    const WHAT: &'static str = "an array of numbers";
}
impl<'env> Js for Vec<Unknown<'env>> {
    const WHAT: &'static str = "an array";

    fn admits(value: &Unknown<'_>) -> bool {
        value.is_array().unwrap_or(false)
    }
}
impl Js for Either<f64, Null> {
    const WHAT: &'static str = "a number or null";
}
impl Js for serde_json::Map<String, serde_json::Value> {
    const WHAT: &'static str = "an object of JSON values";

    fn admits(value: &Unknown<'_>) -> bool {
        matches!(value.get_type(), Ok(ValueType::Object)) && !value.is_array().unwrap_or(true)
    }
}

/// The JS type of `value`, for messages (`typeof`, with arrays and null told apart).
pub fn type_of(value: &Unknown<'_>) -> &'static str {
    match value.get_type() {
        Ok(ValueType::Undefined) => "undefined",
        Ok(ValueType::Null) => "null",
        Ok(ValueType::Boolean) => "boolean",
        Ok(ValueType::Number) => "number",
        Ok(ValueType::String) => "string",
        Ok(ValueType::Symbol) => "symbol",
        Ok(ValueType::Function) => "function",
        Ok(ValueType::BigInt) => "bigint",
        Ok(ValueType::Object) if value.is_array().unwrap_or(false) => "array",
        Ok(ValueType::Object) if value.is_typedarray().unwrap_or(false) => "typed array",
        Ok(ValueType::Object) => "object",
        _ => "an unknown value",
    }
}

/// The argument `name` as `T`; any other type (`undefined` too) is `invalid_argument`.
pub fn arg<T: Js>(env: &Env, name: &'static str, value: Unknown<'_>) -> napi::Result<T> {
    let wrong = || to_js(env, &argument(name, format!("must be {}, got {}", T::WHAT, type_of(&value))));
    if !T::admits(&value) {
        return Err(wrong());
    }
    T::from_unknown(value).map_err(|_| wrong())
}

/// An optional argument: `undefined` (or left out) is `None`; anything else must be a `T`
/// (`null` too is refused: it is not a `T`).
pub fn optional<T: Js>(env: &Env, name: &'static str, value: Unknown<'_>) -> napi::Result<Option<T>> {
    if value.get_type()? == ValueType::Undefined {
        return Ok(None);
    }
    arg(env, name, value).map(Some)
}

/// `new X()` of a class made only by factories.
pub fn not_constructible(env: &Env, class: &str, factories: &str) -> napi::Error {
    let reason = format!("{class} has no constructor: use {factories}");
    to_js(env, &hookwire::Error::InvalidArgument { argument: "new", reason: reason.into() })
}

/// The argument `name` as an instance of the class `T` (napi checks the class's type tag).
pub fn instance<'env, T>(
    env: &Env,
    name: &'static str,
    value: Unknown<'env>,
) -> napi::Result<ClassInstance<'env, T>>
where
    ClassInstance<'env, T>: FromNapiValue,
{
    let class = std::any::type_name::<T>().rsplit("::").next().unwrap_or("hookwire object");
    ClassInstance::<T>::from_unknown(value).map_err(|_| {
        to_js(env, &argument(name, format!("must be a hookwire {class}, got {}", type_of(&value))))
    })
}

/// An options object: `undefined` or `null` is no options; anything but an object is
/// `invalid_argument`, and so is a key outside `known` (napi would drop a misspelled or
/// snake_case option such as `https_only` without a word, and the guard would run without it).
/// Each option is then read by [`Options::get`], which names it when its type is wrong.
pub struct Options<'env> {
    env: &'env Env,
    object: Option<Object<'env>>,
}

impl<'env> Options<'env> {
    /// Checks `value` against `known` and keeps it for [`get`](Options::get).
    pub fn read(env: &'env Env, value: Unknown<'env>, known: &[&str]) -> napi::Result<Options<'env>> {
        let object = check_options(env, value, known)?;
        Ok(Options { env, object })
    }

    /// The option `key`: `None` when absent or `undefined`, else it must be a `T`.
    pub fn get<T: Js>(&self, key: &'static str) -> napi::Result<Option<T>> {
        match &self.object {
            None => Ok(None),
            Some(object) => optional(self.env, key, object.get_named_property::<Unknown>(key)?),
        }
    }

    /// The option `key` as it is, for options of several types: `None` when absent or
    /// `undefined`.
    pub fn raw(&self, key: &'static str) -> napi::Result<Option<Unknown<'env>>> {
        let Some(object) = &self.object else { return Ok(None) };
        let value = object.get_named_property::<Unknown>(key)?;
        Ok((value.get_type()? != ValueType::Undefined).then_some(value))
    }

    /// The option `key` as an instance of the class `T`: `None` when absent or `undefined`.
    pub fn instance<T>(&self, key: &'static str) -> napi::Result<Option<ClassInstance<'env, T>>>
    where
        ClassInstance<'env, T>: FromNapiValue,
    {
        let Some(object) = &self.object else { return Ok(None) };
        let value = object.get_named_property::<Unknown>(key)?;
        if value.get_type()? == ValueType::Undefined {
            return Ok(None);
        }
        instance(self.env, key, value).map(Some)
    }
}

fn check_options<'env>(
    env: &Env,
    value: Unknown<'env>,
    known: &[&str],
) -> napi::Result<Option<Object<'env>>> {
    match value.get_type()? {
        ValueType::Undefined | ValueType::Null => return Ok(None),
        ValueType::Object if !value.is_array()? => {}
        _ => {
            let got = type_of(&value);
            return Err(to_js(env, &argument("options", format!("must be an object of options, got {got}"))));
        }
    }
    let object = Object::from_unknown(value)?;
    let names = object.get_property_names()?;
    for index in 0..names.get_array_length()? {
        let key: String = names.get_element(index)?;
        if !known.contains(&key.as_str()) {
            let known = known.join(", ");
            return Err(to_js(env, &argument("options", format!("unknown option `{key}` (known: {known})"))));
        }
    }
    Ok(Some(object))
}

/// The one rule for the options objects of the package's JS layer (the Express and Fastify
/// helpers): `options` must be `undefined`, `null` or an object whose keys are all in `known`.
#[napi(skip_typescript)]
pub fn check_options_object(env: Env, options: Unknown<'_>, known: Vec<String>) -> napi::Result<()> {
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    check_options(&env, options, &known).map(|_| ())
}

/// The rule for a `now` option (`undefined`, or unix seconds as a whole number), for the JS
/// layer where no addon call reads it (the commit of a message without a replay store).
#[napi(skip_typescript)]
pub fn check_now(env: Env, now: Unknown<'_>) -> napi::Result<()> {
    optional::<f64>(&env, "now", now)?.map(|now| signed(&env, "now", now)).transpose().map(|_| ())
}

/// The largest integer a JS number holds exactly (`Number.MAX_SAFE_INTEGER`).
const MAX_SAFE: f64 = 9_007_199_254_740_991.0;

/// A number argument that must be a whole number ≥ 0 (and a safe integer): napi's own `u32`
/// and `i64` conversions would wrap `-1` to 4294967295 or read `NaN` as 0 without a word.
pub fn count(env: &Env, name: &'static str, value: Unknown<'_>) -> napi::Result<u64> {
    whole(env, name, arg(env, name, value)?)
}

/// [`count`] of a number already read (an option).
pub fn whole(env: &Env, name: &'static str, value: f64) -> napi::Result<u64> {
    if value.is_finite() && value.fract() == 0.0 && (0.0..=MAX_SAFE).contains(&value) {
        // Exact: a safe integer ≥ 0.
        Ok(value as u64)
    } else {
        Err(to_js(env, &argument(name, format!("must be a whole number ≥ 0, got {value}"))))
    }
}

/// [`count`] for values that must fit in `u32` (attempts, limits).
pub fn count32(env: &Env, name: &'static str, value: Unknown<'_>) -> napi::Result<u32> {
    let whole = count(env, name, value)?;
    u32::try_from(whole)
        .map_err(|_| to_js(env, &argument(name, format!("must be at most {}, got {whole}", u32::MAX))))
}

/// [`count`] for values that must fit in `u16` (HTTP statuses).
pub fn count16(env: &Env, name: &'static str, value: Unknown<'_>) -> napi::Result<u16> {
    let whole = count(env, name, value)?;
    u16::try_from(whole)
        .map_err(|_| to_js(env, &argument(name, format!("must be at most {}, got {whole}", u16::MAX))))
}

/// A delivery-side instant: a `Date`, or unix milliseconds (a whole number, what `Date.now()`
/// gives). Both name one instant exactly; unix *seconds* are the receive side's unit and never
/// read here. An invalid `Date` (`new Date('x')`) is `invalid_argument`.
pub fn instant(env: &Env, name: &'static str, value: Unknown<'_>) -> napi::Result<hookwire::UnixTime> {
    if value.get_type()? == ValueType::Object && value.is_date()? {
        let at = JsDate::from_unknown(value)?.value_of()?;
        return signed(env, name, at).map(hookwire::UnixTime::from_millis);
    }
    if value.get_type()? != ValueType::Number {
        let got = type_of(&value);
        return Err(to_js(env, &argument(name, format!("must be a Date or unix milliseconds, got {got}"))));
    }
    signed(env, name, f64::from_unknown(value)?).map(hookwire::UnixTime::from_millis)
}

/// An optional [`instant`]: `undefined` is `None`.
pub fn optional_instant(
    env: &Env,
    name: &'static str,
    value: Unknown<'_>,
) -> napi::Result<Option<hookwire::UnixTime>> {
    match value.get_type()? {
        ValueType::Undefined => Ok(None),
        _ => instant(env, name, value).map(Some),
    }
}

/// An instant handed to JS: a `Date`.
pub fn date(at: hookwire::UnixTime) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(at.as_millis()).unwrap_or_default()
}

/// A span handed to JS: milliseconds.
pub fn ms(span: std::time::Duration) -> f64 {
    span.as_millis() as f64
}

/// [`instant`] of a number already read (an option).
pub fn signed(env: &Env, name: &'static str, value: f64) -> napi::Result<i64> {
    if value.is_finite() && value.fract() == 0.0 && value.abs() <= MAX_SAFE {
        // Exact: a safe integer.
        Ok(value as i64)
    } else {
        Err(to_js(env, &argument(name, format!("must be a whole number, got {value}"))))
    }
}

/// Bytes borrowed from the caller's `Buffer`/`Uint8Array`, or owned: the UTF-8 of a string, or a
/// copy of bytes in shared memory.
pub enum Body<T> {
    Js(T),
    Text(Vec<u8>),
}

impl<T: std::ops::Deref<Target = [u8]>> Body<T> {
    pub fn bytes(&self) -> &[u8] {
        match self {
            Body::Js(bytes) => bytes,
            Body::Text(bytes) => bytes,
        }
    }
}

/// The raw body, without copying a `Buffer`/`Uint8Array`. A parsed object or array is refused
/// with the advice to pass the raw request body.
pub fn body<T: FromNapiValue>(env: &Env, value: &Unknown<'_>) -> napi::Result<Body<T>> {
    // Bytes in shared memory, which another thread may write while the core reads them twice:
    // a copy, read once.
    if let Some(copy) = crate::direct::shared_copy(env, value) {
        return Ok(Body::Text(copy));
    }
    // A Uint8Array or Buffer, nearly every body, in one napi call (its typed-array info) where the
    // checks below make three (issue 18: a tenth of a 1 KB verify). Anything else fails it and
    // goes through the checks below, which accept and refuse exactly as before.
    if let Ok(bytes) = T::from_unknown(*value) {
        return Ok(Body::Js(bytes));
    }
    match value.get_type()? {
        ValueType::String => Ok(Body::Text(String::from_unknown(*value)?.into_bytes())),
        ValueType::Object if value.is_typedarray()? => match T::from_unknown(*value) {
            Ok(bytes) => Ok(Body::Js(bytes)),
            Err(_) => Err(to_js(env, &argument("body", "a typed array body must be a Uint8Array or Buffer"))),
        },
        ValueType::Object if value.is_arraybuffer()? => Err(to_js(
            env,
            &argument("body", format!("got an ArrayBuffer: wrap it as new Uint8Array(buffer); {RAW_BODY}")),
        )),
        ValueType::Object => Err(to_js(env, &argument("body", format!("got a parsed object: {RAW_BODY}")))),
        _ => Err(to_js(env, &argument("body", format!("got {}: {RAW_BODY}", type_of(value))))),
    }
}

/// What an object holding bytes that are not a typed array is (`an ArrayBuffer`, `a
/// SharedArrayBuffer`, `a DataView`), for refusing it by name: JSON would write it as `{}`.
pub fn buffer_kind(env: &Env, value: &Unknown<'_>) -> napi::Result<Option<&'static str>> {
    if value.is_arraybuffer()? {
        return Ok(Some("an ArrayBuffer"));
    }
    if value.is_dataview()? {
        return Ok(Some("a DataView"));
    }
    // napi has no test for it (before Node 24): `instanceof` the global constructor.
    let shared: Unknown = env.get_global()?.get_named_property_unchecked("SharedArrayBuffer")?;
    if shared.get_type()? == ValueType::Function
        && value.instanceof(Function::<(), Unknown>::from_unknown(shared)?)?
    {
        return Ok(Some("a SharedArrayBuffer"));
    }
    Ok(None)
}

/// Text or bytes that are not a request body (a response body to log): a string or a
/// `Uint8Array`/`Buffer`.
pub fn bytes<'a>(env: &Env, name: &'static str, value: Unknown<'a>) -> napi::Result<Slice<'a>> {
    match value.get_type()? {
        ValueType::String => Ok(Body::Text(String::from_unknown(value)?.into_bytes())),
        ValueType::Object if value.is_typedarray()? => Uint8ArraySlice::from_unknown(value)
            .map(Body::Js)
            .map_err(|_| to_js(env, &argument(name, "a typed array must be a Uint8Array or Buffer"))),
        _ => Err(to_js(
            env,
            &argument(name, format!("must be a string or a Uint8Array, got {}", type_of(&value))),
        )),
    }
}

/// A body borrowed for the call: nothing is kept after it.
pub type Slice<'a> = Body<Uint8ArraySlice<'a>>;

/// A header the scheme reads.
pub struct Wanted {
    pub name: HeaderName,
}

impl Wanted {
    pub fn new(name: &str) -> Option<Wanted> {
        HeaderName::from_bytes(name.as_bytes()).ok().map(|name| Wanted { name })
    }
}

/// The value(s) `lib/message.js` picked for the header `name` the scheme reads, as (name, value)
/// pairs for the core: `undefined`/`null` (absent), a string, or an array of strings (a
/// repeated header).
pub fn header_values<'n>(
    env: &Env,
    name: &'n str,
    value: Unknown<'_>,
    pairs: &mut Vec<(&'n str, String)>,
) -> napi::Result<()> {
    match value.get_type()? {
        ValueType::Undefined | ValueType::Null => {}
        ValueType::String => pairs.push((name, String::from_unknown(value)?)),
        _ => {
            for text in arg::<Vec<String>>(env, "headers", value)? {
                pairs.push((name, text));
            }
        }
    }
    Ok(())
}

/// Every header of `value`, in order: a plain object (a value may be an array: a repeated
/// header), a `Map` or fetch `Headers` (anything with `entries()`), or `[name, value]` pairs.
/// Values are strings (numbers are written as JS writes them).
pub fn header_map(env: &Env, value: Unknown<'_>) -> napi::Result<HeaderMap> {
    let bad = |reason: String| to_js(env, &argument("headers", reason));
    let pairs: Unknown = match value.get_type()? {
        ValueType::Object if value.is_array()? => value,
        ValueType::Object => {
            let object = Object::from_unknown(value)?;
            let entries: Unknown = object.get_named_property("entries")?;
            let global = env.get_global()?;
            if entries.get_type()? == ValueType::Function {
                // A Map or fetch Headers: `Array.from(headers.entries())`.
                let iterator: Unknown = Function::<(), Unknown>::from_unknown(entries)?.apply(object, ())?;
                let array: Object = global.get_named_property_unchecked("Array")?;
                array.get_named_property::<Function<Unknown, Unknown>>("from")?.call(iterator)?
            } else {
                let class: Object = global.get_named_property_unchecked("Object")?;
                class.get_named_property::<Function<Unknown, Unknown>>("entries")?.call(value)?
            }
        }
        _ => {
            let got = type_of(&value);
            return Err(bad(format!(
                "must be an object, a Map, a fetch Headers or [name, value] pairs, got {got}"
            )));
        }
    };
    let pairs: Vec<Unknown> = Vec::from_unknown(pairs)?;
    let mut map = HeaderMap::with_capacity(pairs.len());
    for pair in pairs {
        let pair: Vec<Unknown> = match pair.is_array() {
            Ok(true) => Vec::from_unknown(pair)?,
            _ => Vec::new(),
        };
        let [name, value] = pair.as_slice() else {
            return Err(bad("expected [name, value] pairs".into()));
        };
        let name: String =
            String::from_unknown(*name).map_err(|_| bad("a header name is not a string".into()))?;
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| bad(format!("`{name}` is not a header name")))?;
        let values: Vec<Unknown> = if value.is_array()? { Vec::from_unknown(*value)? } else { vec![*value] };
        for value in values {
            let text = match value.get_type()? {
                ValueType::String => String::from_unknown(value)?,
                ValueType::Number => value.coerce_to_string()?.into_utf8()?.into_owned()?,
                _ => {
                    return Err(bad(format!(
                        "the value of `{name}` must be a string, got {}",
                        type_of(&value)
                    )))
                }
            };
            let text = HeaderValue::try_from(text)
                .map_err(|_| bad(format!("the value of `{name}` is not a header value")))?;
            map.append(name.clone(), text);
        }
    }
    Ok(map)
}
