//! Core errors become the JS `WebhookError` subclass of their code; panics never reach JS.
//!
//! The JS layer (`lib/errors.js`) registers its `fromCode(code, message)` factory once at load
//! time, so the subclasses live in JS (where `instanceof` works) while the codes stay the core's.

use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};

use hookwire::Error;
use napi::bindgen_prelude::{FnArgs, Function, FunctionRef, Unknown};
use napi::{Env, Status};
use napi_derive::napi;

type Factory = FunctionRef<FnArgs<(&'static str, String)>, Unknown<'static>>;

thread_local! {
    // One per JS thread: each worker thread loads the addon and registers its own factory.
    static FACTORY: RefCell<Option<Factory>> = const { RefCell::new(None) };
}

/// Registers the JS function that builds the error object of a code (done by `index.js`).
#[napi]
pub fn set_error_factory(
    factory: Function<FnArgs<(&'static str, String)>, Unknown<'static>>,
) -> napi::Result<()> {
    let factory = factory.create_ref()?;
    FACTORY.with(|slot| *slot.borrow_mut() = Some(factory));
    Ok(())
}

/// The JS error for `error`: built by the registered factory, or a plain `Error` whose `code`
/// is the core's code when the addon is used without `index.js`.
pub fn to_js(env: &Env, error: &Error) -> napi::Error {
    coded(env, error.code(), error.to_string())
}

/// The JS error of `code` (the core's codes and the outbox's own) with `message`.
pub fn coded(env: &Env, code: &'static str, message: String) -> napi::Error {
    let built = FACTORY.with(|slot| {
        let slot = slot.borrow();
        let factory = slot.as_ref()?;
        let result = factory.borrow_back(env).and_then(|f| f.call(FnArgs::from((code, message.clone()))));
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
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(to_js(env, &error)),
        Err(_) => Err(to_js(env, &internal())),
    }
}

fn internal() -> Error {
    Error::Internal { reason: "a bug in hookwire (caught panic); please report it".into() }
}

/// An `invalid_argument` error about `name`.
pub fn argument(name: &'static str, reason: impl Into<String>) -> Error {
    Error::InvalidArgument { argument: name, reason: reason.into().into() }
}
