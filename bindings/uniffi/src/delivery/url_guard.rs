//! `UrlGuard`: keep webhooks away from internal networks.

use std::net::IpAddr;
use std::sync::Arc;

use crate::error::{argument, run, WebhookError};

/// A checked destination.
#[derive(uniffi::Record, Debug, Clone, PartialEq, Eq)]
pub struct CheckedUrl {
    /// The host: a name to resolve (then `check_resolved` its addresses) or an address
    /// literal already checked (IPv6 in brackets).
    pub host: String,
    /// The port, explicit or the scheme's default.
    pub port: i32,
    /// Whether the scheme is https.
    pub https: bool,
}

impl From<hookwire::CheckedUrl> for CheckedUrl {
    fn from(checked: hookwire::CheckedUrl) -> CheckedUrl {
        CheckedUrl {
            host: checked.host().to_string(),
            port: i32::from(checked.port()),
            https: checked.is_https(),
        }
    }
}

/// Refuses webhook destinations inside the sender's networks (loopback, private, link-local,
/// metadata, CGNAT, ...), unless allow-listed.
///
/// ```kotlin
/// val guard = UrlGuard(httpsOnly = true)
/// val checked = guard.checkUrl("https://hooks.example.com/in")
/// val address = guard.checkResolved(InetAddress.getAllByName(checked.host).map { it.hostAddress })
/// ```
#[derive(uniffi::Object)]
pub struct UrlGuard(hookwire::UrlGuard);

#[uniffi::export]
impl UrlGuard {
    /// A guard; `https_only` refuses plain http; `allow` lists networks (`10.20.0.0/16`) or
    /// addresses that would be refused otherwise. Errors: `invalid_argument`.
    #[uniffi::constructor(default(https_only = false, allow = []))]
    pub fn new(https_only: bool, allow: Vec<String>) -> Result<Arc<UrlGuard>, WebhookError> {
        run(|| {
            let guard = allow
                .iter()
                .try_fold(hookwire::UrlGuard::new().with_https_only(https_only), |guard, cidr| {
                    guard.with_allowed_net(cidr)
                })?;
            Ok(Arc::new(UrlGuard(guard)))
        })
    }

    /// Checks a URL's text. Errors: `blocked_url`, saying why.
    pub fn check_url(&self, url: String) -> Result<CheckedUrl, WebhookError> {
        run(|| Ok(self.0.check_url(&url)?.into()))
    }

    /// Checks one address (`10.0.0.5`, `::1`). Errors: `blocked_url`; `invalid_argument` for
    /// text that is not an address.
    pub fn check_ip(&self, address: String) -> Result<(), WebhookError> {
        run(|| Ok(self.0.check_addr(ip(&address)?)?))
    }

    /// Checks every address a name resolved to and returns the one to connect to (the
    /// first). Errors: `blocked_url` (also for none).
    pub fn check_resolved(&self, addresses: Vec<String>) -> Result<String, WebhookError> {
        run(|| {
            let addresses = addresses.iter().map(|a| ip(a)).collect::<Result<Vec<_>, _>>()?;
            Ok(self.0.check_resolved(&addresses)?.to_string())
        })
    }
}

fn ip(text: &str) -> Result<IpAddr, WebhookError> {
    text.trim().parse().map_err(|_| argument("address", format!("`{text}` is not an IP address")))
}
