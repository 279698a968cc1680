//! JS values in: raw bodies, header values and secrets. Only translation; every rule is the
//! core's. (index.js picks the scheme's headers from a plain object, a fetch `Headers`, Node's
//! `IncomingHttpHeaders` or `[name, value]` pairs: JS reads JS objects faster than napi calls.)

use http::{HeaderMap, HeaderName, HeaderValue};
use napi::bindgen_prelude::{
    ClassInstance, FromNapiValue, JsObjectValue, JsValue, Object, Uint8ArraySlice, Unknown,
};
use napi::{Env, ValueType};

use crate::errors::{argument, run, to_js};
use crate::verify::Secret;

const RAW_BODY: &str = "pass the raw request body (a Buffer, Uint8Array or string, exactly as received), \
                        not a parsed object: with Express mount express.raw({ type: '*/*' }) instead of \
                        express.json() on the webhook route";

/// Bytes borrowed from the caller's `Buffer`/`Uint8Array`, or the UTF-8 of a string.
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
/// `value` read as the options object `T`, refusing keys `T` does not know: napi would drop a
/// misspelled or snake_case option (`replay_capacity` for `replayCapacity`) without a word,
/// and a verifier would run without the replay store its author asked for.
pub fn options<T: FromNapiValue>(
    env: &Env,
    what: &'static str,
    value: Option<Unknown<'_>>,
    known: &[&str],
) -> napi::Result<Option<T>> {
    let Some(value) = value else { return Ok(None) };
    match value.get_type()? {
        ValueType::Undefined | ValueType::Null => return Ok(None),
        ValueType::Object => {}
        _ => return Err(to_js(env, &argument(what, "must be an object of options"))),
    }
    let names = Object::from_unknown(value)?.get_property_names()?;
    for index in 0..names.get_array_length()? {
        let key: String = names.get_element(index)?;
        if !known.contains(&key.as_str()) {
            let known = known.join(", ");
            return Err(to_js(env, &argument(what, format!("unknown option `{key}` (known: {known})"))));
        }
    }
    T::from_unknown(value).map(Some)
}

/// The largest integer a JS number holds exactly (`Number.MAX_SAFE_INTEGER`).
const MAX_SAFE: f64 = 9_007_199_254_740_991.0;

/// A JS number that must be a whole number ≥ 0 (and a safe integer): napi's own `u32` and
/// `i64` conversions would wrap `-1` to 4294967295 or read `NaN` as 0 without a word.
pub fn count(env: &Env, name: &'static str, value: f64) -> napi::Result<u64> {
    if value.is_finite() && value.fract() == 0.0 && (0.0..=MAX_SAFE).contains(&value) {
        // Exact: a safe integer ≥ 0.
        Ok(value as u64)
    } else {
        Err(to_js(env, &argument(name, format!("must be a whole number ≥ 0, got {value}"))))
    }
}

/// [`count`] for values that must fit in `u32` (attempts, limits).
pub fn count32(env: &Env, name: &'static str, value: f64) -> napi::Result<u32> {
    let whole = count(env, name, value)?;
    u32::try_from(whole).map_err(|_| to_js(env, &argument(name, format!("must be at most {}", u32::MAX))))
}

/// A JS number that must be a whole number (a safe integer, any sign): unix seconds or ms.
pub fn instant(env: &Env, name: &'static str, value: f64) -> napi::Result<i64> {
    if value.is_finite() && value.fract() == 0.0 && value.abs() <= MAX_SAFE {
        // Exact: a safe integer.
        Ok(value as i64)
    } else {
        Err(to_js(env, &argument(name, format!("must be a whole number, got {value}"))))
    }
}

pub fn body<T: FromNapiValue>(env: &Env, value: &Unknown<'_>) -> napi::Result<Body<T>> {
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
        other => Err(to_js(env, &argument("body", format!("got {other}: {RAW_BODY}")))),
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

/// Appends one header value (index.js has picked it from the request's headers).
pub fn append(env: &Env, map: &mut HeaderMap, want: &Wanted, text: String) -> napi::Result<()> {
    let value = HeaderValue::try_from(text).map_err(|_| {
        to_js(env, &argument("headers", format!("the value of `{}` is not a header value", want.name)))
    })?;
    map.append(want.name.clone(), value);
    Ok(())
}

/// One secret or several (rotation): text, raw key bytes, a `Secret`, or an array of those.
pub fn secrets(env: &Env, value: &Unknown<'_>) -> napi::Result<Vec<hookwire::Secret>> {
    if value.get_type()? == ValueType::Object && value.is_array()? {
        let items: Vec<Unknown> = Vec::from_unknown(*value)?;
        return items.iter().map(|item| secret(env, item)).collect();
    }
    Ok(vec![secret(env, value)?])
}

/// One secret: text (`whsec_…`, `whsk_…`, provider text), raw key bytes, or a `Secret`.
pub fn secret(env: &Env, value: &Unknown<'_>) -> napi::Result<hookwire::Secret> {
    match value.get_type()? {
        ValueType::String => {
            // The text is wiped when dropped, like the key the core derives from it.
            let text = zeroize::Zeroizing::new(String::from_unknown(*value)?);
            run(env, || hookwire::Secret::parse(&text))
        }
        ValueType::Object if value.is_typedarray()? => {
            let bytes = Uint8ArraySlice::from_unknown(*value)?;
            run(env, || hookwire::Secret::from_bytes(&bytes))
        }
        // The class is checked (napi type tag) before the object is read as a `Secret`.
        ValueType::Object => match ClassInstance::<Secret>::from_unknown(*value) {
            Ok(wrapped) => Ok(wrapped.inner().clone()),
            Err(_) => Err(not_a_secret(env)),
        },
        _ => Err(not_a_secret(env)),
    }
}

fn not_a_secret(env: &Env) -> napi::Error {
    to_js(
        env,
        &hookwire::Error::InvalidSecret {
            reason: "a secret is a string, a Uint8Array/Buffer of key bytes, a Secret, or an array of those"
                .into(),
        },
    )
}
