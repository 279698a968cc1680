//! Where secrets come from: `--secret` (repeatable), `--secret-file` (one per line) or the
//! `HOOKWIRE_SECRET` environment variable, so they can stay out of shell history. The texts
//! are zeroized once parsed, and no output of the CLI contains one: the core's `Secret`
//! redacts itself and its errors never quote a secret.

use std::fmt;
use std::path::PathBuf;

use clap::Args as ClapArgs;
use hookwire::{Scheme, Secret, Signer, Verifier};
use zeroize::{Zeroize as _, Zeroizing};

use crate::exit::{self, Failure};

/// The environment variable read when neither `--secret` nor `--secret-file` is given.
pub const SECRET_ENV: &str = "HOOKWIRE_SECRET";

/// `--secret` / `--secret-file` / `HOOKWIRE_SECRET`.
#[derive(ClapArgs)]
pub struct SecretArgs {
    /// The secret. Repeat it for several (a rotation). A command line is kept in shell history
    /// and shown by ps: prefer --secret-file or the HOOKWIRE_SECRET environment variable.
    #[arg(long = "secret", value_name = "SECRET")]
    secret: Vec<String>,
    /// Read the secret from a file; several lines hold several secrets. Used instead of
    /// HOOKWIRE_SECRET, which is read when neither --secret nor --secret-file is given.
    #[arg(long, value_name = "PATH")]
    secret_file: Option<PathBuf>,
}

impl fmt::Debug for SecretArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretArgs")
            .field("secret", &format_args!("[{} redacted]", self.secret.len()))
            .field("secret_file", &self.secret_file)
            .finish()
    }
}

impl Drop for SecretArgs {
    fn drop(&mut self) {
        for secret in &mut self.secret {
            secret.zeroize();
        }
    }
}

impl SecretArgs {
    /// The secrets, parsed by the core (`invalid_secret` names what is wrong, never the
    /// text). None at all is a usage error of the command at `path` (exit 2).
    pub fn load(&self, path: &[&str]) -> Result<Vec<Secret>, Failure> {
        let mut texts: Vec<Zeroizing<String>> =
            self.secret.iter().map(|text| Zeroizing::new(text.clone())).collect();
        if let Some(file) = &self.secret_file {
            let content = Zeroizing::new(std::fs::read_to_string(file).map_err(|err| {
                Failure::argument(format!("cannot read --secret-file {}: {err}", file.display()))
            })?);
            let before = texts.len();
            // Line ends are the file's, not the secret's; any other whitespace stays and the
            // core refuses it.
            texts.extend(
                content.lines().filter(|line| !line.is_empty()).map(|line| Zeroizing::new(line.to_owned())),
            );
            if texts.len() == before {
                return Err(Failure {
                    code: "invalid_secret",
                    message: format!("invalid secret: {} holds no secret", file.display()),
                });
            }
        }
        if texts.is_empty() {
            if let Some(text) = std::env::var_os(SECRET_ENV) {
                let text = Zeroizing::new(text.into_string().map_err(|_| Failure {
                    code: "invalid_secret",
                    message: format!("invalid secret: {SECRET_ENV} is not UTF-8 text"),
                })?);
                texts.push(text);
            }
        }
        if texts.is_empty() {
            exit::usage(
                path,
                &format!("a secret is required: give --secret, --secret-file or the {SECRET_ENV} environment variable"),
            );
        }
        texts.iter().map(|text| Secret::parse(text).map_err(Failure::from)).collect()
    }
}

/// A signer that signs with every secret (one signature each); `invalid_secret` at once when
/// the scheme cannot use one.
pub fn signer(scheme: Scheme, secrets: Vec<Secret>) -> Result<Signer, Failure> {
    if secrets.is_empty() {
        return Err(Failure::argument("a secret is required"));
    }
    Ok(Signer::try_from_secrets(scheme, secrets)?)
}

/// A verifier accepting any of the secrets; `invalid_secret` at once when the scheme cannot
/// use one.
pub fn verifier(scheme: Scheme, secrets: Vec<Secret>) -> Result<Verifier, Failure> {
    Ok(Verifier::try_new(scheme, secrets)?)
}
