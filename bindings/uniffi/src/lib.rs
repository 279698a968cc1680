//! Kotlin and Swift bindings of hookwire through uniffi: a thin translation of the Rust core.

uniffi::setup_scaffolding!();

/// The stable error codes, in the core's order.
#[uniffi::export]
pub fn error_codes() -> Vec<String> {
    hookwire::Error::CODES.iter().map(|c| (*c).to_owned()).collect()
}
