//! Signs one payload with every scheme hookwire ships, verifies it back, and shows that a
//! tampered body and a stale timestamp are refused. Run with `make demo`.

use hookwire::{Scheme, Secret, Signer, Verifier};

fn main() -> Result<(), hookwire::Error> {
    let body = br#"{"id":"evt_1","type":"order.created","data":{"order_id":1001,"total_amount":45.99}}"#;
    let now = 1_700_000_000;
    let hmac = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
    let ed25519 = Secret::generate_ed25519();

    println!("payload: {}\n", String::from_utf8_lossy(body));
    let columns = ["scheme", "signature header", "value", "verify", "tampered body", "10 min later"];
    println!(
        "{:<22} {:<24} {:<34} {:<8} {:<18} {}",
        columns[0], columns[1], columns[2], columns[3], columns[4], columns[5]
    );
    println!("{}", "-".repeat(130));

    let mut rows: Vec<(String, Scheme, Secret, Secret)> = Scheme::names()
        .iter()
        .map(|name| (name.to_string(), Scheme::from_name(name).unwrap(), hmac.clone(), hmac.clone()))
        .collect();
    rows.push((
        "standard-webhooks v1a".into(),
        Scheme::standard_webhooks(),
        ed25519.clone(),
        ed25519.public_key().unwrap(),
    ));

    for (label, scheme, signing, verifying) in rows {
        let headers =
            Signer::new(scheme.clone(), signing).sign_event("msg_2KxV8", now, "order.created", body)?;
        let verifier = Verifier::new(scheme.clone(), [verifying]);
        let value = headers[scheme.signature_header().to_ascii_lowercase().as_str()].to_str().unwrap_or("?");
        let shown = if value.len() > 32 { format!("{}…", &value[..31]) } else { value.to_owned() };
        let ok = match verifier.verify_at(&headers, body, now) {
            Ok(_) => "ok".to_owned(),
            Err(err) => err.code().to_owned(),
        };
        let mut tampered = body.to_vec();
        tampered[60] ^= 1;
        let tampered = verifier.verify_at(&headers, &tampered, now).err().map_or("ACCEPTED", |e| e.code());
        let later = match verifier.verify_at(&headers, body, now + 600) {
            Ok(_) if scheme.timestamp().is_none() => "ok (no timestamp)",
            Ok(_) => "ACCEPTED",
            Err(err) => err.code(),
        };
        println!("{label:<22} {:<24} {shown:<34} {ok:<8} {tampered:<18} {later}", scheme.signature_header());
    }
    Ok(())
}
