//! Secrets: the `Secret` class, and the one rule for a secret argument (text, raw key bytes, a
//! `Secret`, or a list of those) that `Signer`, `Verifier` and `Endpoint` share.

use napi::bindgen_prelude::{ClassInstance, FromNapiValue, JsValue, Uint8ArraySlice, Unknown};
use napi::{Env, ValueType};
use napi_derive::napi;

use crate::errors::{argument, run, to_js};

/// A webhook secret. Its string form never shows the key.
///
/// ```js
/// const secret = Secret.generate(); // whsec_ + 32 random bytes
/// new Signer(secret).sign('{}')
/// ```
#[napi]
pub struct Secret(hookwire::Secret);

impl Secret {
    pub fn inner(&self) -> &hookwire::Secret {
        &self.0
    }
}

#[napi]
impl Secret {
    /// Parses secret text (`whsec_…`, `whsk_…`, `whpk_…`, or a provider's text) or takes raw key bytes.
    #[napi(constructor, ts_args_type = "secret: string | Uint8Array")]
    pub fn new(env: Env, secret: Unknown<'_>) -> napi::Result<Self> {
        one(&env, &secret).map(Secret)
    }

    /// A new random secret: `whsec_` + 32 random bytes.
    #[napi]
    pub fn generate(env: Env) -> napi::Result<Secret> {
        run(&env, || Ok(Secret(hookwire::Secret::generate())))
    }

    /// A new ed25519 signing key (`whsk_…`); `publicKey()` gives the `whpk_…` to verify with.
    #[napi]
    pub fn generate_ed25519(env: Env) -> napi::Result<Secret> {
        run(&env, || Ok(Secret(hookwire::Secret::generate_ed25519())))
    }

    /// Raw key bytes.
    #[napi(ts_args_type = "bytes: Uint8Array")]
    pub fn from_bytes(env: Env, bytes: Unknown<'_>) -> napi::Result<Secret> {
        let bytes = match bytes.is_typedarray()? {
            true => Uint8ArraySlice::from_unknown(bytes).ok(),
            false => None,
        };
        let Some(bytes) = bytes else {
            return Err(to_js(&env, &argument("bytes", "must be a Uint8Array or Buffer of key bytes")));
        };
        run(&env, || hookwire::Secret::from_bytes(&bytes)).map(Secret)
    }

    /// The public key of an ed25519 signing key, or null.
    #[napi]
    pub fn public_key(&self) -> Option<Secret> {
        self.0.public_key().map(Secret)
    }

    /// The secret's text (e.g. to store it); null for raw key bytes.
    #[napi]
    pub fn expose_text(&self) -> Option<String> {
        self.0.expose_text().map(|text| text.as_str().to_owned())
    }

    /// Redacted: `Secret(whsec_…redacted)`.
    #[napi(js_name = "toString")]
    pub fn to_display(&self) -> String {
        format!("{:?}", self.0)
    }
}

/// One secret or several (rotation): text, raw key bytes, a `Secret`, or an array of those.
pub fn secrets(env: &Env, value: &Unknown<'_>) -> napi::Result<Vec<hookwire::Secret>> {
    if value.get_type()? == ValueType::Object && value.is_array()? {
        let items: Vec<Unknown> = Vec::from_unknown(*value)?;
        return items.iter().map(|item| one(env, item)).collect();
    }
    Ok(vec![one(env, value)?])
}

/// One secret: text (`whsec_…`, `whsk_…`, provider text), raw key bytes, or a `Secret`.
pub fn one(env: &Env, value: &Unknown<'_>) -> napi::Result<hookwire::Secret> {
    match value.get_type()? {
        ValueType::String => {
            // The text is wiped when dropped, like the key the core derives from it.
            let text = zeroize::Zeroizing::new(String::from_unknown(*value)?);
            run(env, || hookwire::Secret::parse(&text))
        }
        ValueType::Object if value.is_typedarray()? => match Uint8ArraySlice::from_unknown(*value) {
            Ok(bytes) => run(env, || hookwire::Secret::from_bytes(&bytes)),
            // An Int16Array, Float64Array, ...: napi would say "Expected $name, got 3".
            Err(_) => Err(not_a_secret(env)),
        },
        // The class is checked (napi type tag) before the object is read as a `Secret`.
        ValueType::Object => match ClassInstance::<Secret>::from_unknown(*value) {
            Ok(wrapped) => Ok(wrapped.inner().clone()),
            Err(_) => Err(not_a_secret(env)),
        },
        _ => Err(not_a_secret(env)),
    }
}

fn not_a_secret(env: &Env) -> napi::Error {
    to_js(
        env,
        &hookwire::Error::InvalidSecret {
            reason: "a secret is a string, a Uint8Array/Buffer of key bytes, a Secret, or an array of those"
                .into(),
        },
    )
}
