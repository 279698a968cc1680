//! Keeping webhooks away from internal networks (server-side request forgery).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::Error;

/// A checked destination: what to resolve and where to connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedUrl {
    https: bool,
    host: Host,
    port: u16,
}

impl CheckedUrl {
    /// Whether the scheme is `https`.
    pub fn is_https(&self) -> bool {
        self.https
    }

    /// The host: a name to resolve (then check every address with
    /// [`UrlGuard::check_addr`]) or an address already checked.
    pub fn host(&self) -> &Host {
        &self.host
    }

    /// The port, explicit or the scheme's default.
    pub fn port(&self) -> u16 {
        self.port
    }
}

/// A URL's host: a name or an address, nothing else (so not `non_exhaustive`: a match on both
/// is complete).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    /// A DNS name (lower case, without a trailing dot).
    Name(String),
    /// An address literal, in any of the forms clients accept (`127.0.0.1`, `0x7f.1`,
    /// `2130706433`, `[::1]`), already checked.
    Ip(IpAddr),
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Name(name) => f.write_str(name),
            Host::Ip(IpAddr::V4(ip)) => write!(f, "{ip}"),
            Host::Ip(IpAddr::V6(ip)) => write!(f, "[{ip}]"),
        }
    }
}

/// Refuses webhook destinations inside the sender's own networks.
///
/// Two checks, because a name can resolve anywhere: [`check_url`](UrlGuard::check_url) on the
/// URL text (scheme `http`/`https` — or `https` only —, no userinfo, a plain port, address
/// literals in every form clients accept, and no names that only resolve inside a network:
/// `localhost` and its aliases, dotless names, `.internal`, `.local`, `.home.arpa`, `.svc`),
/// then [`check_resolved`](UrlGuard::check_resolved) on **every** address the name resolves
/// to. Resolve once, check all, and connect to a checked
/// address (not the name again), or a DNS answer that changes between check and connect
/// (rebinding) walks around the guard. Redirects are never followed.
///
/// Refused: loopback, private (10/8, 172.16/12, 192.168/16), link-local (169.254/16 with the
/// cloud metadata address, fe80::/10), CGNAT 100.64/10, "this network" 0/8, IETF and
/// benchmarking ranges, multicast, reserved 240/4 and broadcast, documentation ranges,
/// unspecified, IPv6 unique-local fc00::/7 and site-local fec0::/10, and every IPv6 form that
/// embeds an IPv4 address (IPv4-mapped ::ffff:0:0/96, IPv4-translated ::ffff:0:0:0/96,
/// IPv4-compatible ::/96, NAT64
/// 64:ff9b::/96 and 64:ff9b:1::/48, 6to4 2002::/16, Teredo 2001::/32), unless allow-listed.
///
/// ```
/// use std::net::IpAddr;
/// use hookwire::{Host, UrlGuard};
///
/// let guard = UrlGuard::default().with_https_only(true);
/// let url = guard.check_url("https://hooks.example.com/in")?;
/// assert_eq!((url.host(), url.port()), (&Host::Name("hooks.example.com".into()), 443));
/// // After resolving hooks.example.com, check every address:
/// assert!(guard.check_addr("93.184.215.14".parse::<IpAddr>().unwrap()).is_ok());
/// assert_eq!(guard.check_addr("169.254.169.254".parse::<IpAddr>().unwrap()).unwrap_err().code(), "blocked_url");
///
/// for refused in ["http://hooks.example.com", "https://0x7f.1/", "https://[::ffff:127.0.0.1]/", "https://user@example.com"] {
///     assert_eq!(guard.check_url(refused).unwrap_err().code(), "blocked_url");
/// }
/// // An internal receiver, on purpose:
/// let internal = UrlGuard::default().with_allowed_net("10.20.0.0/16")?;
/// assert!(internal.check_url("http://10.20.1.5:8080/hook").is_ok());
/// // Loopback and every private network (a development setup, a receiver on the same host):
/// let local = UrlGuard::allowing_private_networks();
/// assert!(local.check_url("http://127.0.0.1:8080/hook").is_ok());
/// assert_eq!(local.check_url("http://169.254.169.254/").unwrap_err().code(), "blocked_url");
/// # Ok::<(), hookwire::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UrlGuard {
    https_only: bool,
    allowed: Vec<(IpAddr, u8)>,
}

/// One refused network: the first address as bits, the prefix length, and why.
type Range<T> = (T, u8, &'static str);

const V4_BLOCKED: &[Range<u32>] = &[
    (0x0000_0000, 8, "\"this network\" 0.0.0.0/8"),
    (0x0A00_0000, 8, "private 10.0.0.0/8"),
    (0x6440_0000, 10, "carrier-grade NAT 100.64.0.0/10"),
    (0x7F00_0000, 8, "loopback 127.0.0.0/8"),
    (0xA9FE_0000, 16, "link-local 169.254.0.0/16 (cloud metadata)"),
    (0xAC10_0000, 12, "private 172.16.0.0/12"),
    (0xC000_0000, 24, "IETF protocol assignments 192.0.0.0/24"),
    (0xC000_0200, 24, "documentation 192.0.2.0/24"),
    (0xC058_6300, 24, "6to4 relay 192.88.99.0/24"),
    (0xC0A8_0000, 16, "private 192.168.0.0/16"),
    (0xC612_0000, 15, "benchmarking 198.18.0.0/15"),
    (0xC633_6400, 24, "documentation 198.51.100.0/24"),
    (0xCB00_7100, 24, "documentation 203.0.113.0/24"),
    (0xE000_0000, 4, "multicast 224.0.0.0/4"),
    (0xF000_0000, 4, "reserved 240.0.0.0/4 (and broadcast)"),
];

const V6_BLOCKED: &[Range<u128>] = &[
    (0, 128, "unspecified ::"),
    (1, 128, "loopback ::1"),
    (0xFFFF_0000_0000, 96, "IPv4-mapped ::ffff:0:0/96"),
    (0xFFFF_u128 << 48, 96, "IPv4-translated ::ffff:0:0:0/96"),
    (0, 96, "IPv4-compatible ::/96"),
    (0x0064_FF9B_u128 << 96, 96, "NAT64 64:ff9b::/96"),
    (0x0064_FF9B_0001_u128 << 80, 48, "local NAT64 64:ff9b:1::/48"),
    (0x0100_u128 << 112, 64, "discard-only 100::/64"),
    (0x2001_0000_u128 << 96, 32, "Teredo 2001::/32"),
    (0x2001_0002_0000_u128 << 80, 48, "benchmarking 2001:2::/48"),
    (0x2001_0010_u128 << 96, 28, "ORCHID 2001:10::/28"),
    (0x2001_0020_u128 << 96, 28, "ORCHIDv2 2001:20::/28"),
    (0x2001_0DB8_u128 << 96, 32, "documentation 2001:db8::/32"),
    (0x2002_u128 << 112, 16, "6to4 2002::/16"),
    (0x3FFF_u128 << 112, 20, "documentation 3fff::/20"),
    (0xFC00_u128 << 112, 7, "unique-local fc00::/7"),
    (0xFE80_u128 << 112, 10, "link-local fe80::/10"),
    (0xFEC0_u128 << 112, 10, "site-local fec0::/10"),
    (0xFF00_u128 << 112, 8, "multicast ff00::/8"),
];

/// A network in CIDR notation, or one address.
fn parse_net(cidr: &str) -> Result<(IpAddr, u8), Error> {
    let bad = || Error::argument("allowed_net", format!("`{cidr}` is not an address or a CIDR network"));
    let (addr, prefix) = match cidr.split_once('/') {
        Some((addr, prefix)) => (addr, Some(prefix)),
        None => (cidr, None),
    };
    let addr: IpAddr = addr.trim().parse().map_err(|_| bad())?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix {
        Some(text) if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => {
            text.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(bad)?
        }
        Some(_) => return Err(bad()),
        None => max,
    };
    Ok((addr, prefix))
}

fn within<T>(addr: T, net: T, prefix: u8, bits: u32) -> bool
where
    T: Copy + PartialEq + std::ops::Shr<u32, Output = T>,
{
    let shift = bits - u32::from(prefix);
    // A shift by the full width is not defined: a /0 network holds everything.
    shift == bits || addr >> shift == net >> shift
}

impl UrlGuard {
    /// A guard with the defaults: `http` and `https`, nothing allow-listed.
    pub fn new() -> UrlGuard {
        UrlGuard::default()
    }

    /// The loopback and private networks ([`PRIVATE_NETWORKS`](UrlGuard::PRIVATE_NETWORKS)):
    /// 127.0.0.0/8, ::1, 10/8, 172.16/12, 192.168/16 and fc00::/7.
    pub const PRIVATE_NETWORKS: [&'static str; 6] =
        ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"];

    /// The default guard that also allows loopback and the private networks
    /// ([`PRIVATE_NETWORKS`](UrlGuard::PRIVATE_NETWORKS)), for receivers on the same host or
    /// network on purpose (development, an internal service). Link-local (cloud metadata) and
    /// the other refused ranges stay refused, and so do names such as `localhost` (the URL check
    /// refuses them: use an address, `127.0.0.1`).
    pub fn allowing_private_networks() -> UrlGuard {
        let allowed = UrlGuard::PRIVATE_NETWORKS.iter().filter_map(|cidr| parse_net(cidr).ok()).collect();
        UrlGuard { https_only: false, allowed }
    }

    /// Refuse plain `http` (default: both).
    pub fn with_https_only(mut self, https_only: bool) -> UrlGuard {
        self.https_only = https_only;
        self
    }

    /// Allows a network (`10.20.0.0/16`, `fd00::/8`) or one address (`10.0.0.7`) that would be
    /// refused otherwise, such as an internal receiver. Errors: `invalid_argument`.
    pub fn with_allowed_net(mut self, cidr: &str) -> Result<UrlGuard, Error> {
        self.allowed.push(parse_net(cidr)?);
        Ok(self)
    }

    /// Whether plain `http` is refused.
    pub fn https_only(&self) -> bool {
        self.https_only
    }

    /// The networks allowed on top of the defaults, as (first address, prefix length).
    pub fn allowed_nets(&self) -> &[(IpAddr, u8)] {
        &self.allowed
    }

    /// Checks a URL's text. Errors: `blocked_url`, saying why; the message never shows what
    /// stands before an `@` (credentials).
    pub fn check_url(&self, url: &str) -> Result<CheckedUrl, Error> {
        let uri: http::Uri = url
            .parse()
            .map_err(|_| Error::blocked(format!("`{}` is not an absolute http(s) URL", shown_url(url))))?;
        self.check_uri(&uri)
    }

    /// Checks a parsed URL (see [`check_url`](UrlGuard::check_url)).
    pub fn check_uri(&self, uri: &http::Uri) -> Result<CheckedUrl, Error> {
        let https = match uri.scheme_str().map(str::to_ascii_lowercase).as_deref() {
            Some("https") => true,
            Some("http") if self.https_only => {
                return Err(Error::blocked("plain http is not allowed: use https"))
            }
            Some("http") => false,
            _ => return Err(Error::blocked("only http and https URLs can receive webhooks")),
        };
        let authority = uri.authority().ok_or_else(|| Error::blocked("the URL has no host"))?;
        if authority.as_str().contains('@') {
            return Err(Error::blocked("credentials in the URL (user@host) are not allowed: use a header"));
        }
        // The port as written: 1 to 65535 in plain digits, or none. Anything else (`:0`,
        // `:65536`, `:+80`, `:0080`) is read differently by different clients.
        let port_text = authority.as_str().strip_prefix(authority.host()).unwrap_or(":");
        let port = match port_text.strip_prefix(':') {
            None if port_text.is_empty() => {
                if https {
                    443
                } else {
                    80
                }
            }
            Some(digits)
                if (1..=5).contains(&digits.len())
                    && digits.bytes().all(|b| b.is_ascii_digit())
                    && !digits.starts_with('0') =>
            {
                digits
                    .parse::<u16>()
                    .map_err(|_| Error::blocked(format!("port `{digits}` is out of range")))?
            }
            // Shown only when it is digits: in `https://user:pass/x@host` a URL parser reads the
            // password as the port.
            Some(digits) if digits.len() <= 20 && digits.bytes().all(|b| b.is_ascii_digit()) => {
                return Err(Error::blocked(format!("`:{digits}` is not a port from 1 to 65535")))
            }
            _ => return Err(Error::blocked("the port is not a number from 1 to 65535")),
        };
        let host = parse_host(authority.host())?;
        if let Host::Ip(ip) = host {
            self.check_addr(ip)?;
        }
        Ok(CheckedUrl { https, host, port })
    }

    /// Checks every address a host name resolved to and returns the one to connect to (the
    /// first). All must pass: a name with one internal address among public ones is refused,
    /// because a client may pick any of them. Errors: `blocked_url` (also for no address).
    ///
    /// ```
    /// use std::net::IpAddr;
    /// let guard = hookwire::UrlGuard::default();
    /// let public: IpAddr = "93.184.215.14".parse().unwrap();
    /// let private: IpAddr = "10.0.0.5".parse().unwrap();
    /// assert_eq!(guard.check_resolved(&[public])?, public);
    /// assert_eq!(guard.check_resolved(&[public, private]).unwrap_err().code(), "blocked_url");
    /// # Ok::<(), hookwire::Error>(())
    /// ```
    pub fn check_resolved(&self, addrs: &[IpAddr]) -> Result<IpAddr, Error> {
        let first = *addrs.first().ok_or_else(|| Error::blocked("the host name resolved to no address"))?;
        addrs.iter().try_for_each(|&ip| self.check_addr(ip))?;
        Ok(first)
    }

    /// Checks one address a host name resolved to. Errors: `blocked_url`, naming the range.
    pub fn check_addr(&self, ip: IpAddr) -> Result<(), Error> {
        if self.allowed.iter().any(|&(net, prefix)| match (ip, net) {
            (IpAddr::V4(ip), IpAddr::V4(net)) => within(u32::from(ip), u32::from(net), prefix, 32),
            (IpAddr::V6(ip), IpAddr::V6(net)) => within(u128::from(ip), u128::from(net), prefix, 128),
            _ => false,
        }) {
            return Ok(());
        }
        let range = match ip {
            IpAddr::V4(v4) => V4_BLOCKED
                .iter()
                .find(|(net, prefix, _)| within(u32::from(v4), *net, *prefix, 32))
                .map(|r| r.2),
            IpAddr::V6(v6) => V6_BLOCKED
                .iter()
                .find(|(net, prefix, _)| within(u128::from(v6), *net, *prefix, 128))
                .map(|r| r.2),
        };
        match range {
            Some(range) => Err(Error::blocked(format!("{ip} is in {range}"))),
            None => Ok(()),
        }
    }
}

/// Names that system resolvers map to loopback: the `/etc/hosts` entries of Debian
/// (`ip6-localhost`, `ip6-loopback`) and Red Hat (`localhost4.localdomain4`,
/// `localhost6.localdomain6`). Dotless ones are refused as dotless anyway; listed for the
/// message.
const LOOPBACK_NAMES: [&str; 7] = [
    "localhost.localdomain",
    "localhost4",
    "localhost6",
    "localhost4.localdomain4",
    "localhost6.localdomain6",
    "ip6-localhost",
    "ip6-loopback",
];

/// Suffixes that never resolve on the public internet: `.internal` (reserved for private use,
/// cloud metadata such as `metadata.google.internal`), `.local` (mDNS), `.home.arpa` (RFC
/// 8375), `.localdomain` (and Red Hat's `.localdomain4`/`.localdomain6`), and Kubernetes
/// cluster names.
const INTERNAL_SUFFIXES: [&str; 8] = [
    ".internal",
    ".local",
    ".home.arpa",
    ".localdomain",
    ".localdomain4",
    ".localdomain6",
    ".svc",
    ".cluster.local",
];

/// A URL as error messages and `Debug` show it: whatever stands before the last `@` after the
/// scheme (user and password, also when the text is not a valid URL) is replaced by `…`,
/// control characters are escaped, and it is cut at 200 characters.
pub(crate) fn shown_url(url: &str) -> String {
    let (scheme, rest) = match url.find("://") {
        Some(at) => url.split_at(at + 3),
        None => ("", url),
    };
    let rest = match rest.rfind('@') {
        Some(at) => format!("…{}", &rest[at..]),
        None => rest.to_owned(),
    };
    let mut shown: String = format!("{scheme}{rest}").escape_debug().collect();
    if let Some((cut, _)) = shown.char_indices().nth(200) {
        shown.truncate(cut);
        shown.push('…');
    }
    shown
}

/// Reads a URL host the way HTTP clients do, so that no spelling of an internal address
/// passes as a name: bracketed IPv6, and IPv4 in the WHATWG forms (`127.1`, `0x7f.0.0.1`,
/// `0177.0.0.1`, `2130706433`).
fn parse_host(host: &str) -> Result<Host, Error> {
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        let ip: Ipv6Addr = inner.parse().map_err(|_| {
            Error::blocked(format!("`{host}` is not an IPv6 address (zones are not allowed)"))
        })?;
        return Ok(Host::Ip(IpAddr::V6(ip)));
    }
    let name = host.to_ascii_lowercase();
    let name = name.strip_suffix('.').unwrap_or(&name);
    if name.is_empty() || name.split('.').any(str::is_empty) {
        return Err(Error::blocked(format!("`{host}` is not a host name")));
    }
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_') {
        return Err(Error::blocked(format!("`{host}` has characters a host name cannot have")));
    }
    let last = name.rsplit('.').next().unwrap_or(name);
    if ends_in_number(last) {
        let ip = parse_ipv4(name)
            .ok_or_else(|| Error::blocked(format!("`{host}` is not a valid IPv4 address")))?;
        return Ok(Host::Ip(IpAddr::V4(ip)));
    }
    if name == "localhost" || name.ends_with(".localhost") || LOOPBACK_NAMES.contains(&name) {
        return Err(Error::blocked(format!("`{host}` is loopback (RFC 6761)")));
    }
    if !name.contains('.') {
        return Err(Error::blocked(format!(
            "`{host}` has no dot: it resolves through local search domains to an internal host"
        )));
    }
    if let Some(suffix) = INTERNAL_SUFFIXES.iter().find(|suffix| name.ends_with(*suffix)) {
        return Err(Error::blocked(format!(
            "`{host}` is under `{suffix}`, which only resolves inside a network"
        )));
    }
    Ok(Host::Name(name.to_owned()))
}

/// WHATWG "ends in a number": the last label is digits, or `0x` with hex digits.
fn ends_in_number(label: &str) -> bool {
    label.bytes().all(|b| b.is_ascii_digit())
        || label.strip_prefix("0x").is_some_and(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The WHATWG IPv4 parser: one to four parts, each decimal, octal (leading `0`) or hex
/// (`0x`); the last part fills the remaining bytes.
fn parse_ipv4(host: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = host.split('.').collect();
    if parts.len() > 4 {
        return None;
    }
    let numbers: Vec<u64> = parts.iter().map(|part| parse_ipv4_number(part)).collect::<Option<_>>()?;
    let (last, init) = numbers.split_last()?;
    if init.iter().any(|&n| n > 255) {
        return None;
    }
    let room = 8 * (5 - numbers.len() as u32);
    if *last >= 1u64 << room {
        return None;
    }
    let mut address = *last;
    for (i, &n) in init.iter().enumerate() {
        address += n << (8 * (3 - i as u32));
    }
    u32::try_from(address).ok().map(Ipv4Addr::from)
}

fn parse_ipv4_number(part: &str) -> Option<u64> {
    let (digits, radix) = if let Some(hex) = part.strip_prefix("0x") {
        (hex, 16)
    } else if part.len() > 1 && part.starts_with('0') {
        (&part[1..], 8)
    } else {
        (part, 10)
    };
    if digits.is_empty() {
        // `0x` alone is zero.
        return (radix == 16).then_some(0);
    }
    // Longer than any 32-bit value can be written: refuse instead of overflowing.
    if digits.len() > 12 {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}
