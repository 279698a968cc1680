//! Node bindings of hookwire (napi-rs): a thin translation of the Rust core.
//!
//! Every decision (signing, verifying, parsing, retrying) is the core's; this crate converts JS
//! values in and out, turns each `hookwire::Error` into the JS `WebhookError` subclass of its
//! code (`errors`), and catches panics so none crosses into JS. The JS package layer
//! (`index.js`, `lib/*.js`) adds the error classes and the Express/Fastify/fetch helpers.

// The test harness does not register the `#[napi]` exports, so they look unused there.
#![cfg_attr(test, allow(dead_code))]

mod delivery;
mod direct;
mod endpoint;
mod errors;
mod event;
mod input;
mod local;
mod outbox;
mod replay;
mod secret;
mod subscription;
mod tape;
mod url_guard;
mod verify;

use napi_derive::napi;

/// How many verify functions (`Verifier.directFunction()`) of this thread are alive: the tests
/// see a collected one free its verifier.
#[napi(skip_typescript)]
pub fn direct_functions_alive() -> u32 {
    direct::alive()
}

/// How many bodies `parseEvent`'s plain Node-API function (`partsFunction()`) took on this
/// thread: the tests see `parseEvent` go by it.
#[napi(skip_typescript)]
pub fn parts_direct_calls() -> f64 {
    direct::parts_taken() as f64
}

/// How many events' data `parseEvent`'s plain function wrote on the tape on this thread: the
/// tests see `.data` built from it.
#[napi(skip_typescript)]
pub fn tapes_written() -> f64 {
    direct::tapes_written() as f64
}

/// The stable error codes, in the core's order.
#[napi]
pub fn error_codes() -> Vec<&'static str> {
    hookwire::Error::CODES.to_vec()
}

/// The HTTP status a receiver should answer an error `code` with: 401 not authentic, 200
/// replayed, 409 replay in progress, 413 too large, 503 replay store down, 500 misconfigured,
/// 400 malformed (the core's `Error::response_status`).
#[napi(ts_args_type = "code: string")]
pub fn response_status(env: napi::Env, code: napi::bindgen_prelude::Unknown<'_>) -> napi::Result<u32> {
    let code: String = input::arg(&env, "code", code)?;
    Ok(u32::from(hookwire::Error::response_status_of(&code)))
}

/// The signature scheme names.
#[napi]
pub fn schemes() -> Vec<&'static str> {
    hookwire::Scheme::names().to_vec()
}

/// The event dialect names.
#[napi]
pub fn dialects() -> Vec<&'static str> {
    hookwire::Dialect::ALL.iter().map(|d| d.name()).collect()
}

/// The retry policy preset names.
#[napi]
pub fn retry_policies() -> Vec<&'static str> {
    hookwire::RetryPolicy::names().to_vec()
}
