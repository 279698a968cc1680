//! UrlGuard: keeps webhooks away from internal networks (SSRF).

use std::net::IpAddr;

use hookwire::Host;
use napi::bindgen_prelude::Unknown;
use napi::Env;
use napi_derive::napi;

use crate::errors::{argument, run, to_js};
use crate::input::{self, Options};

/// Options of `new UrlGuard(options)`.
#[napi(object)]
pub struct UrlGuardOptions {
    /// Refuse plain `http://`.
    pub https_only: Option<bool>,
    /// Addresses or CIDR networks allowed even though private (e.g. `10.1.0.0/16`).
    pub allow: Option<Vec<String>>,
}

/// A URL that passed the guard.
#[napi(object)]
pub struct CheckedUrl {
    /// The host name, or the IP address (IPv6 in brackets).
    pub host: String,
    pub port: u16,
    pub https: bool,
}

/// Checks webhook URLs and the addresses their hosts resolve to.
///
/// ```js
/// const guard = new UrlGuard({ httpsOnly: true })
/// guard.checkUrl('https://hooks.example.com/x') // { host, port: 443, https: true }
/// guard.checkResolved(await dns.resolve4(host)) // the address to connect to; throws BlockedUrl
/// ```
#[napi]
pub struct UrlGuard(hookwire::UrlGuard);

fn ip(env: &Env, text: &str) -> napi::Result<IpAddr> {
    text.parse().map_err(|_| to_js(env, &argument("address", format!("`{text}` is not an IP address"))))
}

#[napi]
impl UrlGuard {
    #[napi(constructor, ts_args_type = "options?: UrlGuardOptions")]
    pub fn new(env: Env, options: Unknown<'_>) -> napi::Result<UrlGuard> {
        let read = Options::read(&env, options, &["httpsOnly", "allow"])?;
        let options = UrlGuardOptions { https_only: read.get("httpsOnly")?, allow: read.get("allow")? };
        let guard = hookwire::UrlGuard::new().with_https_only(options.https_only.unwrap_or(false));
        let allow = options.allow.unwrap_or_default();
        run(&env, || allow.iter().try_fold(guard, |guard, cidr| guard.with_allowed_net(cidr))).map(UrlGuard)
    }

    /// Checks a URL (scheme, credentials, port, literal IP hosts); throws `BlockedUrl`.
    #[napi(ts_args_type = "url: string")]
    pub fn check_url(&self, env: Env, url: Unknown<'_>) -> napi::Result<CheckedUrl> {
        let url: String = input::arg(&env, "url", url)?;
        let checked = run(&env, || self.0.check_url(&url))?;
        let host = match checked.host() {
            Host::Name(name) => name.clone(),
            other => other.to_string(),
        };
        Ok(CheckedUrl { host, port: checked.port(), https: checked.is_https() })
    }

    /// Checks one resolved address; throws `BlockedUrl`.
    #[napi(ts_args_type = "address: string")]
    pub fn check_ip(&self, env: Env, address: Unknown<'_>) -> napi::Result<()> {
        let address: String = input::arg(&env, "address", address)?;
        let address = ip(&env, &address)?;
        run(&env, || self.0.check_addr(address))
    }

    /// Checks every resolved address and returns the one to connect to; throws `BlockedUrl`.
    #[napi(ts_args_type = "addresses: Array<string>")]
    pub fn check_resolved(&self, env: Env, addresses: Unknown<'_>) -> napi::Result<String> {
        let addresses: Vec<String> = input::arg(&env, "addresses", addresses)?;
        let addresses = addresses.iter().map(|a| ip(&env, a)).collect::<napi::Result<Vec<_>>>()?;
        run(&env, || self.0.check_resolved(&addresses)).map(|ip| ip.to_string())
    }
}
