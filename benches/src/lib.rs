//! Benchmarks for hookwire; see the `[[bench]]` targets.

use std::hint::black_box;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use hmac::{KeyInit, Mac};
use sha2::Sha256;

/// The reference every verify row is measured against (`verify`, `speed`, the `verify_loop`
/// example): HMAC-SHA256 whose keyed state is computed once and cloned for each message, fed
/// `{id}.{ts}.{body}` in parts and compared with the expected tag. No header is read and
/// nothing is decoded: what is left when verifying has no fixed cost of its own.
pub struct BareHmac {
    keyed: hmac::Hmac<Sha256>,
    msg_id: String,
    ts: String,
    tag: Vec<u8>,
}

impl BareHmac {
    /// The keyed state of a Standard Webhooks secret (`whsec_` and base64), and the tag of
    /// `body` signed with `msg_id` and `ts`.
    pub fn new(secret: &str, msg_id: &str, ts: i64, body: &[u8]) -> Self {
        let key = BASE64.decode(secret.strip_prefix("whsec_").unwrap_or(secret)).expect("base64 secret");
        let keyed = hmac::Hmac::<Sha256>::new_from_slice(&key).expect("hmac key");
        let ts = ts.to_string();
        let mut mac = keyed.clone();
        for part in [msg_id.as_bytes(), b".", ts.as_bytes(), b".", body] {
            mac.update(part);
        }
        let tag = mac.finalize().into_bytes().to_vec();
        Self { keyed, msg_id: msg_id.to_owned(), ts, tag }
    }

    /// One timed check of `body` against the tag.
    #[inline]
    pub fn verify(&self, body: &[u8]) -> bool {
        let mut mac = self.keyed.clone();
        mac.update(black_box(self.msg_id.as_bytes()));
        mac.update(b".");
        mac.update(black_box(self.ts.as_bytes()));
        mac.update(b".");
        mac.update(black_box(body));
        mac.verify_slice(black_box(&self.tag[..])).is_ok()
    }
}

/// A JSON order event of exactly `len` bytes (at least 64): as many line items as fit, padded
/// with a note. The body of the verify benchmarks (`verify`, `speed`).
pub fn json_body(len: usize) -> Vec<u8> {
    assert!(len >= 64, "bodies shorter than 64 bytes are not supported");
    let head = r#"{"id":"evt_01HZX3K9","type":"order.created","data":{"items":["#;
    let mut out = String::with_capacity(len);
    out.push_str(head);
    // Closing text once the items end: `],"note":"<pad>"}}`.
    let tail_fixed = r#"],"note":""}}"#.len();
    let mut i: u64 = 0;
    loop {
        let item = format!(
            r#"{}{{"sku":"SKU-{:05}","qty":{},"price":"{}.{:02}","name":"Widget {}"}}"#,
            if i == 0 { "" } else { "," },
            (i * 7919) % 100_000,
            1 + i % 9,
            3 + (i * 37) % 500,
            (i * 13) % 100,
            i
        );
        if out.len() + item.len() + tail_fixed > len {
            break;
        }
        out.push_str(&item);
        i += 1;
    }
    out.push_str(r#"],"note":""#);
    let pad = len - out.len() - 3;
    out.extend(std::iter::repeat_n('x', pad));
    out.push_str(r#""}}"#);
    assert_eq!(out.len(), len);
    out.into_bytes()
}

/// The order event of issue 18's typed-parse row (933 bytes): a HomeChef-style order with nine
/// line items in the native envelope (`events`, `speed`, the `parse_loop` example).
pub fn order_event() -> Vec<u8> {
    let items: Vec<String> = (0..9)
        .map(|i| {
            format!(r#"{{"id":{i},"menu_item_id":{},"quantity":2,"price":12.99,"modifiers":[]}}"#, 10 + i)
        })
        .collect();
    format!(
        r#"{{"id":"evt_2KWPBgLlAfxdpx2AI54pPJ85f4W","type":"order.created","timestamp":"2025-08-08T10:00:00Z","data":{{"id":1001,"order_number":"ORD-2025-001","restaurant_id":1,"customer_id":456,"chef_id":"chef_789","status":"pending","total_amount":116.91,"items":[{}],"created_at":"2025-08-08T10:00:00Z","notes":"ring twice"}}}}"#,
        items.join(",")
    )
    .into_bytes()
}
