//! Replay protection: timestamp tolerance, and replay claims (the [`SeenStore`] contract,
//! [`ClaimRequest`], [`MemorySeenStore`]).
//!
//! A verified message is *claimed* while the application handles it, then *committed* (refused
//! as `replayed` until its timestamp leaves the window) or *released* (the handler failed: the
//! sender's retry is accepted). The I/O of a shared store (SQLite, PostgreSQL, Redis) lives in
//! the `hookwire-stores` crate; this module holds the contract those stores implement and the
//! decisions (keys, deadlines, what an answer means), so every store behaves alike.

mod memory;
mod store;

pub use memory::MemorySeenStore;
pub use store::{ClaimOutcome, ClaimRequest, ClaimToken, SeenStore, DEFAULT_CLAIM_TTL};
