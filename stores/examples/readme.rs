// Receivers in several processes share one replay store: the first delivery of a message is
// claimed in it, and copies are refused wherever they arrive (409 while it is handled, 200
// once committed). Run: cargo run -p hookwire-stores --example readme
use hookwire::{Scheme, Secret, Signer, Verifier};
use hookwire_stores::{Store, StoreOptions};

fn main() -> Result<(), hookwire::Error> {
    let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
    // sqlite:///var/lib/app/replay.db, postgres://user@host/db, redis://host:6379/0
    let store = Store::open("sqlite://replay.db", &StoreOptions::default().namespace("shop"))?;
    let verifier = Verifier::try_new(Scheme::hookwire(), [secret.clone()])?.seen_store(store);

    let body = br#"{"type":"order.created","data":{"id":1001}}"#;
    let id = hookwire::new_message_id();
    let headers = Signer::new(Scheme::hookwire(), secret).sign(&id, hookwire::unix_now().as_secs(), body)?;
    let message = verifier.verify(&headers, body)?; // claimed in the file: every process sees it
    message.commit()?; // handled
    let copy = verifier.verify(&headers, body).unwrap_err();
    println!("{} {}", copy.code(), copy.response_status()); // replayed 200
    Ok(())
}
