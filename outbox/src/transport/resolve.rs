//! Name resolution, with fixed answers for chosen names (like curl's `--resolve`).

use std::collections::HashMap;
use std::io;
use std::net::IpAddr;
use std::sync::Arc;

/// Resolves endpoint host names: the system resolver, except for names given fixed
/// addresses. Every answer still passes the endpoint's URL guard, so a fixed answer cannot
/// open a way into a private network that the endpoint does not allow.
///
/// ```
/// use hookwire_outbox::Resolver;
/// let resolver = Resolver::system().with_fixed("hooks.example.com", ["127.0.0.1".parse().unwrap()]);
/// # let _ = resolver;
/// ```
#[derive(Debug, Clone, Default)]
pub struct Resolver {
    fixed: Arc<HashMap<String, Vec<IpAddr>>>,
}

impl Resolver {
    /// The system resolver (`getaddrinfo`, on tokio's blocking pool).
    pub fn system() -> Resolver {
        Resolver::default()
    }

    /// Answers `name` with `addrs` instead of asking the system.
    pub fn with_fixed(mut self, name: &str, addrs: impl IntoIterator<Item = IpAddr>) -> Resolver {
        Arc::make_mut(&mut self.fixed).insert(name.to_ascii_lowercase(), addrs.into_iter().collect());
        self
    }

    /// Every address `name` resolves to.
    pub(crate) async fn resolve(&self, name: &str, port: u16) -> io::Result<Vec<IpAddr>> {
        if let Some(addrs) = self.fixed.get(&name.to_ascii_lowercase()) {
            return Ok(addrs.clone());
        }
        let addrs: Vec<IpAddr> = tokio::net::lookup_host((name, port)).await?.map(|addr| addr.ip()).collect();
        if addrs.is_empty() {
            return Err(io::Error::new(io::ErrorKind::NotFound, format!("{name} has no address")));
        }
        Ok(addrs)
    }
}
