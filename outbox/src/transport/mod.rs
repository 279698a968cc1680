//! The HTTP side of the worker: a pooled keep-alive client (hyper + rustls with the `ring`
//! provider) whose connector resolves names itself, checks **every** address with the
//! endpoint's [`UrlGuard`](hookwire::UrlGuard) and connects to the checked address. Redirects
//! are never followed (hyper does not follow them; the core classifies 3xx as a failure).

mod client;
mod resolve;

pub use self::client::{HttpClient, HttpResponse, SendError};
pub use self::resolve::Resolver;
