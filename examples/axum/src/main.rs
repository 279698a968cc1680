// A webhook endpoint in axum: `POST /webhooks`, verified with hookwire, replays refused through
// a store that every process of the receiver can share. Run:
//   WEBHOOK_SECRET=whsec_... PORT=3000 REPLAY_STORE=memory cargo run -p hookwire-example-axum
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{routing::post, Json, Router};
use hookwire::{Scheme, Secret, Verifier};
use hookwire_stores::{AsyncVerifier, Store, StoreOptions};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let secret = Secret::parse(&std::env::var("WEBHOOK_SECRET")?)?;
    // `memory` serves one process; several share `sqlite:///var/lib/app/replay.db` (one
    // machine), `postgres://…` or `redis://…` (many).
    let store =
        Store::open(&std::env::var("REPLAY_STORE").unwrap_or("memory".into()), &StoreOptions::default())?;
    // Built once. The store is awaited, never blocking a runtime thread.
    let verifier = AsyncVerifier::new(Verifier::try_new(Scheme::hookwire(), [secret])?, store);
    let app = Router::new().route("/webhooks", post(receive)).with_state(verifier);

    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".to_owned());
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port.parse()?)).await?;
    println!("listening on http://{}/webhooks", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}

/// The raw body (`Bytes`, never `Json`: a re-serialized body does not verify) and the headers.
async fn receive(State(verifier): State<AsyncVerifier>, headers: HeaderMap, body: Bytes) -> Response {
    let message = match verifier.verify(&headers, &body).await {
        Ok(message) => message, // claimed: commit when handled, release when not
        Err(err) => return reject(&err),
    };
    match message.event() {
        Ok(event) => {
            println!("{} {}", event.event_type(), message.id().unwrap_or_default()); // your handler
                                                                                     // Handled: later copies get `replayed` (200). A commit the store lost only lets a
                                                                                     // copy through again, so the answer stays 204.
            if let Err(err) = message.commit().await {
                eprintln!("commit: {err}");
            }
            StatusCode::NO_CONTENT.into_response()
        }
        Err(err) => {
            let _ = message.release().await; // not handled: the sender's retry is accepted
            reject(&err)
        }
    }
}

/// Every failure answers the core's status for its code, with `{"error", "message"}`.
fn reject(err: &hookwire::Error) -> Response {
    let status = StatusCode::from_u16(err.response_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(serde_json::json!({ "error": err.code(), "message": err.to_string() }))).into_response()
}
