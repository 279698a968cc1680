//! The sender's building blocks. Instants are unix milliseconds and spans are milliseconds
//! (`*_ms`), as `Long` / `Int64`.

pub mod health;
pub mod outcome;
pub mod policy;
pub mod scheduler;
pub mod state;
pub mod url_guard;
