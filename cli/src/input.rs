//! What commands read besides flags: message bodies (`--data`) and request headers
//! (`--header`), each given inline, from a file (`@FILE`) or from standard input (`-`).

use std::io::Read as _;

use http::{HeaderMap, HeaderName, HeaderValue};

use crate::exit::Failure;

/// A body and where it came from (`sign --curl` points curl at the file instead of copying it).
#[derive(Debug)]
pub enum Data {
    /// Given on the command line.
    Inline(Vec<u8>),
    /// Read from a file.
    File { path: String, bytes: Vec<u8> },
    /// Read from standard input.
    Stdin(Vec<u8>),
}

impl Data {
    /// `--data JSON`, `--data @FILE`, or `--data -` / `--data @-` (standard input). The bytes
    /// are kept exactly: a signature covers bytes, not JSON.
    pub fn read(arg: &str) -> Result<Data, Failure> {
        match arg.strip_prefix('@') {
            Some("-") => stdin().map(Data::Stdin),
            Some(path) => std::fs::read(path)
                .map(|bytes| Data::File { path: path.to_owned(), bytes })
                .map_err(|err| Failure::argument(format!("cannot read --data file {path}: {err}"))),
            None if arg == "-" => stdin().map(Data::Stdin),
            None => Ok(Data::Inline(arg.as_bytes().to_vec())),
        }
    }

    /// The body.
    pub fn bytes(&self) -> &[u8] {
        match self {
            Data::Inline(bytes) | Data::File { bytes, .. } | Data::Stdin(bytes) => bytes,
        }
    }

    /// The body, owned.
    pub fn into_bytes(self) -> Vec<u8> {
        match self {
            Data::Inline(bytes) | Data::File { bytes, .. } | Data::Stdin(bytes) => bytes,
        }
    }
}

fn stdin() -> Result<Vec<u8>, Failure> {
    let mut data = Vec::new();
    std::io::stdin()
        .read_to_end(&mut data)
        .map_err(|err| Failure::argument(format!("cannot read the body from standard input: {err}")))?;
    Ok(data)
}

/// One `--header`: a `Name: value` line, or `@FILE` with one such line per line (what
/// `hookwire sign` prints).
#[derive(Debug, Clone)]
pub enum HeaderArg {
    Line(HeaderName, HeaderValue),
    File(String),
}

/// Reads `Name: value` as HTTP does: the name must be a token, the value loses the spaces
/// around it.
pub fn header_line(text: &str) -> Result<(HeaderName, HeaderValue), String> {
    let (name, value) = text
        .split_once(':')
        .ok_or_else(|| format!("`{text}` is not a header such as 'webhook-id: msg_1'"))?;
    let name = HeaderName::from_bytes(name.trim().as_bytes())
        .map_err(|_| format!("`{}` is not a header name", name.trim()))?;
    let value = HeaderValue::from_str(value.trim_matches([' ', '\t']))
        .map_err(|_| format!("the value of `{name}` has characters a header cannot have"))?;
    Ok((name, value))
}

/// The value parser of `--header`.
pub fn header_arg(text: &str) -> Result<HeaderArg, String> {
    match text.strip_prefix('@') {
        Some(path) => Ok(HeaderArg::File(path.to_owned())),
        None => header_line(text).map(|(name, value)| HeaderArg::Line(name, value)),
    }
}

/// Every header, in the order given (files line by line; blank lines skipped).
pub fn headers(args: &[HeaderArg]) -> Result<HeaderMap, Failure> {
    let mut headers = HeaderMap::new();
    for arg in args {
        match arg {
            HeaderArg::Line(name, value) => {
                headers.append(name.clone(), value.clone());
            }
            HeaderArg::File(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|err| Failure::argument(format!("cannot read --header file {path}: {err}")))?;
                for (number, line) in text.lines().enumerate() {
                    if line.trim().is_empty() {
                        continue;
                    }
                    let (name, value) = header_line(line)
                        .map_err(|err| Failure::argument(format!("{path} line {}: {err}", number + 1)))?;
                    headers.append(name, value);
                }
            }
        }
    }
    Ok(headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lines_read_like_http() {
        let cases = [
            ("webhook-id: msg_1", Some(("webhook-id", "msg_1"))),
            ("X-Hub-Signature-256:sha256=ab", Some(("x-hub-signature-256", "sha256=ab"))),
            ("Stripe-Signature:   t=1,v1=ab  ", Some(("stripe-signature", "t=1,v1=ab"))),
            ("no colon", None),
            ("bad name: x", None),
            ("x: bell\u{7}", None),
        ];
        for (text, expected) in cases {
            let got = header_line(text).ok();
            let got = got.as_ref().map(|(n, v)| (n.as_str(), v.to_str().unwrap()));
            assert_eq!(got, expected, "{text}");
        }
    }
}
