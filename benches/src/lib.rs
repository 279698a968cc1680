//! Benchmarks for hookwire; see the `[[bench]]` targets.

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
