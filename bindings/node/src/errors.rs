//! Core errors become the JS `WebhookError` subclass of their code; panics never reach JS.
//!
//! The JS layer (`lib/errors.js`) registers its `fromCode(code, message, details)` factory once
//! at load time, so the subclasses live in JS (where `instanceof` works) while the codes stay the
//! core's. The error's structured details (`header`, `limit`, `age`: the core's
//! `Error::details`, listed in `bindings/errors.json`) go with it, as one object.

use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};

use hookwire::{Detail, Error};
use napi::bindgen_prelude::{FnArgs, Function, FunctionRef, Unknown};
use napi::{Env, Status};
use napi_derive::napi;

type Args = FnArgs<(&'static str, String, serde_json::Value)>;
type Factory = FunctionRef<Args, Unknown<'static>>;

thread_local! {
    // One per JS thread: each worker thread loads the addon and registers its own factory.
    static FACTORY: RefCell<Option<Factory>> = const { RefCell::new(None) };
}

/// Registers the JS function that builds the error object of a code (done by `index.js`).
#[napi]
pub fn set_error_factory(factory: Function<Args, Unknown<'static>>) -> napi::Result<()> {
    let factory = factory.create_ref()?;
    FACTORY.with(|slot| *slot.borrow_mut() = Some(factory));
    Ok(())
}

/// The JS error for `error`: built by the registered factory, or a plain `Error` whose `code`
/// is the core's code when the addon is used without `index.js`.
pub fn to_js(env: &Env, error: &Error) -> napi::Error {
    built(env, error.code(), error.to_string(), details(error))
}

/// The JS error of an outbox code (`not_found`, `lease_lost`, ...) with `message`; the core's
/// errors the outbox passes on go through [`to_js`], with their details.
pub fn coded(env: &Env, code: &'static str, message: String) -> napi::Error {
    built(env, code, message, serde_json::Value::Object(serde_json::Map::new()))
}

/// The core's structured details of `error` as one object, keys in camelCase (`eventType`).
pub fn details(error: &Error) -> serde_json::Value {
    let mut object = serde_json::Map::new();
    for (name, detail) in error.details() {
        let value = match detail {
            Detail::Text(text) => serde_json::Value::from(text),
            Detail::Number(number) => serde_json::Value::from(number),
            Detail::Names(names) => serde_json::Value::from(names.to_vec()),
            // A kind this binding does not know yet: its text, rather than nothing.
            other => serde_json::Value::from(format!("{other:?}")),
        };
        object.insert(camel(name), value);
    }
    serde_json::Value::Object(object)
}

/// `event_type` → `eventType`.
pub fn camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        match c {
            '_' => upper = true,
            c if upper => {
                out.extend(c.to_uppercase());
                upper = false;
            }
            c => out.push(c),
        }
    }
    out
}

fn built(env: &Env, code: &'static str, message: String, details: serde_json::Value) -> napi::Error {
    let built = FACTORY.with(|slot| {
        let slot = slot.borrow();
        let factory = slot.as_ref()?;
        let result = factory
            .borrow_back(env)
            .and_then(|f| f.call(FnArgs::from((code, message.clone(), details.clone()))));
        Some(match result {
            Ok(value) => napi::Error::from(value),
            // The factory threw: surface what it threw.
            Err(thrown) => thrown,
        })
    });
    built.unwrap_or_else(|| napi::Error::new(Status::GenericFailure, format!("[{code}] {message}")))
}

/// Runs a core call: its error becomes the JS error of its code, a panic becomes `internal`.
pub fn run<T>(env: &Env, f: impl FnOnce() -> Result<T, Error>) -> napi::Result<T> {
    caught(f).map_err(|error| to_js(env, &error))
}

/// Runs a core call, a panic becoming the `internal` error; no JS value is made (for a call
/// whose arguments borrow JS memory, converted once they are no longer used).
pub fn caught<T>(f: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| Err(internal()))
}

/// The JS error of a caught panic (`internal`), for a callback that catches its own.
pub fn panicked(env: &Env) -> napi::Error {
    to_js(env, &internal())
}

fn internal() -> Error {
    Error::Internal { reason: "a bug in hookwire (caught panic); please report it".into() }
}

/// An `invalid_argument` error about `name`.
pub fn argument(name: &'static str, reason: impl Into<String>) -> Error {
    Error::InvalidArgument { argument: name, reason: reason.into().into() }
}
