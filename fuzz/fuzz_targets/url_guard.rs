//! Any text as a webhook URL: refused with `blocked_url` (never showing the credentials before
//! an `@`), or accepted with a host that no client would read as a refused address.
#![no_main]

use std::net::{Ipv4Addr, Ipv6Addr};

use hookwire::{Host, UrlGuard};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let guard = UrlGuard::default();
    let checked = match guard.check_url(text) {
        Ok(checked) => checked,
        Err(err) => {
            assert_eq!(err.code(), "blocked_url", "{err}");
            // What stands between `://` and the last `@` is userinfo: a long enough token of it
            // that appears nowhere else in the text, raw or as the message escapes it (a NUL
            // shows as `\0`), must not appear where the message echoes the URL (between its
            // backticks; the message's own words may be anything a fuzzer types).
            if let Some(scheme_end) = text.find("://") {
                let after_scheme = &text[scheme_end + 3..];
                if let Some(at) = after_scheme.rfind('@') {
                    let (userinfo, rest) = after_scheme.split_at(at);
                    let elsewhere =
                        |part: &str| part.contains(userinfo) || part.escape_debug().to_string().contains(userinfo);
                    let shown = err.to_string();
                    let echoed = match (shown.find('`'), shown.rfind('`')) {
                        (Some(open), Some(close)) if open < close => &shown[open + 1..close],
                        _ => shown.as_str(),
                    };
                    // Credentials are tokens; other text could coincide with the elision (`…`).
                    let token = userinfo.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_:".contains(&b));
                    if token && userinfo.len() >= 8 && !elsewhere(rest) && !elsewhere(&text[..scheme_end + 3]) {
                        assert!(!echoed.contains(userinfo), "{text:?} shows its userinfo: {err}");
                    }
                }
            }
            return;
        }
    };
    assert_ne!(checked.port(), 0);
    match checked.host() {
        Host::Ip(ip) => assert!(guard.check_addr(*ip).is_ok(), "{text} accepted a refused {ip}"),
        Host::Name(name) => {
            // A name is never something the standard library reads as an address...
            assert!(name.parse::<Ipv4Addr>().is_err() && name.parse::<Ipv6Addr>().is_err(), "{text}");
            assert!(!name.is_empty() && !name.ends_with('.') && name != "localhost", "{text}");
            assert_eq!(name.to_ascii_lowercase(), *name);
            // ...nor ends in a number (the WHATWG IPv4 forms).
            let last = name.rsplit('.').next().unwrap_or_default();
            assert!(!last.bytes().all(|b| b.is_ascii_digit()), "{text}");
        }
    }
    // Every address the same URL could name through an allow-list of everything is accepted.
    let open = UrlGuard::default().with_allowed_net("0.0.0.0/0").unwrap().with_allowed_net("::/0").unwrap();
    assert!(open.check_url(text).is_ok());
});
