//! Node bindings of hookwire (napi-rs): a thin translation of the Rust core.

use napi_derive::napi;

/// The stable error codes, in the core's order.
#[napi]
pub fn error_codes() -> Vec<&'static str> {
    hookwire::Error::CODES.to_vec()
}
