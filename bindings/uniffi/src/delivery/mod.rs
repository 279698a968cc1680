//! The sender's building blocks. Instants are uniffi timestamps (Kotlin `Instant`, Swift
//! `Date`) and spans uniffi durations (Kotlin `Duration`, Swift `TimeInterval`).

pub mod endpoint;
pub mod health;
pub mod outcome;
pub mod policy;
pub mod scheduler;
pub mod state;
pub mod url_guard;
