//! The one error type of the binding: a variant per stable code of [`hookwire::Error`], and the
//! guard that turns a panic into [`WebhookError::Internal`] instead of unwinding into Kotlin or
//! Swift.

use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Declares [`WebhookError`] from one list of `Variant = "code" { detail fields }`, so that the
/// variants, their codes and their fields cannot disagree with each other; `tests/errors.rs`
/// holds the list to `bindings/errors.json` (the core's `Error::KINDS`).
macro_rules! webhook_error {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal { $( $(#[$fdoc:meta])* $field:ident : $fty:ty ),* $(,)? }, )*) => {
        /// Every failure of hookwire: one variant per stable code (Kotlin: the subclasses of the
        /// sealed `WebhookException`; Swift: the cases of `enum WebhookError`). `reason` is the
        /// human text, the other fields the error's structured details (the core's
        /// `Error::details`: `header`, `limit`, `age`, ...); [`code`](WebhookError::code) is
        /// the stable string, identical in every language.
        #[derive(Debug, Clone, PartialEq, Eq, uniffi::Error)]
        #[uniffi::export(Display)]
        pub enum WebhookError {
            $( $(#[$doc])* $variant {
                /// What went wrong, for people (never contains secret material).
                reason: String,
                $( $(#[$fdoc])* $field: $fty, )*
            }, )*
        }

        impl WebhookError {
            /// The codes of the variants, in declaration order.
            pub const CODES: &'static [&'static str] = &[$($code),*];

            /// The stable code of this error.
            pub fn code_str(&self) -> &'static str {
                match self {
                    $( WebhookError::$variant { .. } => $code, )*
                }
            }

            /// The human text.
            pub fn reason(&self) -> &str {
                match self {
                    $( WebhookError::$variant { reason, .. } )|* => reason,
                }
            }

            /// The variant of `code` with the details found in `details` (by name; a detail
            /// not given is empty or zero), if `code` is one.
            pub(crate) fn with_details(code: &str, reason: String, details: &[(&str, hookwire::Detail<'_>)]) -> Option<WebhookError> {
                #[allow(unused_variables)]
                let detail = |name: &str| details.iter().find(|(n, _)| *n == name).map(|(_, d)| *d);
                match code {
                    $( $code => Some(WebhookError::$variant {
                        reason,
                        $( $field: FromDetail::from_detail(detail(stringify!($field))), )*
                    }), )*
                    _ => None,
                }
            }

            /// The variant of `code` without details, if it is one.
            pub fn with_code(code: &str, reason: String) -> Option<WebhookError> {
                WebhookError::with_details(code, reason, &[])
            }
        }
    };
}

/// A detail field's value from the core's [`hookwire::Detail`]: text as `String`, numbers as
/// `i64` (Kotlin `Long`, Swift `Int64`: signed like every count of this binding, saturating),
/// names as a list.
trait FromDetail: Sized {
    fn from_detail(detail: Option<hookwire::Detail<'_>>) -> Self;
}

impl FromDetail for String {
    fn from_detail(detail: Option<hookwire::Detail<'_>>) -> String {
        match detail {
            Some(hookwire::Detail::Text(text)) => text.to_owned(),
            _ => String::new(),
        }
    }
}

impl FromDetail for i64 {
    fn from_detail(detail: Option<hookwire::Detail<'_>>) -> i64 {
        match detail {
            Some(hookwire::Detail::Number(n)) => i64::try_from(n).unwrap_or(i64::MAX),
            _ => 0,
        }
    }
}

impl FromDetail for Vec<String> {
    fn from_detail(detail: Option<hookwire::Detail<'_>>) -> Vec<String> {
        match detail {
            Some(hookwire::Detail::Names(names)) => names.iter().map(|n| (*n).to_owned()).collect(),
            _ => Vec::new(),
        }
    }
}

webhook_error! {
    /// No signature matched any configured secret.
    InvalidSignature = "invalid_signature" {},
    /// A header the scheme requires is absent.
    MissingHeader = "missing_header" {
        /// The header name, as the scheme spells it.
        header: String,
        /// The scheme that requires it.
        scheme: String,
    },
    /// A header is present but unusable.
    MalformedHeader = "malformed_header" {
        /// The header name, as the scheme spells it.
        header: String,
    },
    /// The timestamp is older than the tolerance.
    TimestampTooOld = "timestamp_too_old" {
        /// Seconds between the timestamp and now.
        age: i64,
        /// The configured tolerance in seconds.
        tolerance: i64,
    },
    /// The timestamp is further in the future than the tolerance.
    TimestampTooNew = "timestamp_too_new" {
        /// Seconds between now and the timestamp.
        ahead: i64,
        /// The configured tolerance in seconds.
        tolerance: i64,
        /// The most likely cause.
        hint: String,
    },
    /// The message id was already accepted.
    Replayed = "replayed" {
        /// The replay key (the message id where the scheme signs it, else a digest of the signed
        /// timestamp and the body; never the signature).
        id: String,
    },
    /// Another delivery of the message is being handled.
    ReplayInProgress = "replay_in_progress" {
        /// The replay key of the message.
        id: String,
    },
    /// The body is larger than the limit.
    PayloadTooLarge = "payload_too_large" {
        /// Size of the body in bytes.
        size: i64,
        /// The configured limit in bytes.
        limit: i64,
    },
    /// A secret cannot be used.
    InvalidSecret = "invalid_secret" {},
    /// An argument is not acceptable.
    InvalidArgument = "invalid_argument" {
        /// The argument's name.
        argument: String,
    },
    /// A body is not the JSON asked for.
    InvalidPayload = "invalid_payload" {},
    /// An unknown scheme name.
    UnknownScheme = "unknown_scheme" {
        /// The name that was asked for.
        scheme: String,
        /// The names hookwire knows.
        known: Vec<String>,
    },
    /// An event type outside the catalog, in strict mode.
    UnknownEventType = "unknown_event_type" {
        /// The type that was found.
        event_type: String,
    },
    /// An unknown dialect name.
    UnknownDialect = "unknown_dialect" {
        /// The name that was asked for.
        dialect: String,
        /// The names hookwire knows.
        known: Vec<String>,
    },
    /// A destination refused by the URL guard.
    BlockedUrl = "blocked_url" {},
    /// An operation that does not fit the current state.
    InvalidState = "invalid_state" {},
    /// The replay store could not answer.
    Store = "store_error" {},
    /// A bug in hookwire or this binding (a caught panic). Please report it.
    Internal = "internal" {},
}

#[uniffi::export]
impl WebhookError {
    /// The stable code (`invalid_signature`, ...), the same string in every language.
    pub fn code(&self) -> String {
        self.code_str().to_owned()
    }
}

impl fmt::Display for WebhookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason())
    }
}

impl std::error::Error for WebhookError {}

impl From<hookwire::Error> for WebhookError {
    fn from(error: hookwire::Error) -> Self {
        let code = error.code();
        WebhookError::with_details(code, error.to_string(), &error.details()).unwrap_or_else(|| {
            WebhookError::Internal {
                reason: format!("hookwire error code `{code}` is not known to this binding: {error}"),
            }
        })
    }
}

/// The error of the code `code` with the text `reason`, as the call that fails with it would
/// throw it (for tests and for mapping codes received from elsewhere). An unknown code gives
/// `invalid_argument`.
#[uniffi::export]
pub fn error_from_code(code: String, reason: String) -> WebhookError {
    WebhookError::with_code(&code, reason).unwrap_or_else(|| {
        argument("code", format!("`{code}` is not a hookwire error code; see error_codes()"))
    })
}

/// An `invalid_argument` error about the argument `name`, worded as the core words it.
pub(crate) fn argument(name: &str, reason: impl fmt::Display) -> WebhookError {
    WebhookError::InvalidArgument {
        reason: format!("invalid argument `{name}`: {reason}"),
        argument: name.to_owned(),
    }
}

/// Runs `f`, turning a panic into [`WebhookError::Internal`] so that it never crosses the FFI
/// boundary as uniffi's generic panic error.
pub(crate) fn run<T>(f: impl FnOnce() -> Result<T, WebhookError>) -> Result<T, WebhookError> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(WebhookError::Internal {
            reason: format!("internal error: a bug in hookwire (caught panic: {what}); please report it"),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_are_exactly_the_core_codes_in_order() {
        assert_eq!(WebhookError::CODES, hookwire::Error::CODES);
        for code in hookwire::Error::CODES {
            let error = WebhookError::with_code(code, "why".into()).expect(code);
            assert_eq!(error.code(), *code);
            assert_eq!(error.reason(), "why");
        }
    }

    #[test]
    fn core_errors_keep_their_code_and_text() {
        let core = hookwire::Error::UnknownDialect { dialect: "x".into(), known: &["a", "b"] };
        let error = WebhookError::from(core.clone());
        assert!(matches!(error, WebhookError::UnknownDialect { .. }));
        assert_eq!(error.to_string(), core.to_string());
        let core = hookwire::Error::Store { reason: "full".into() };
        assert_eq!(WebhookError::from(core).code(), "store_error");
    }

    #[test]
    fn core_details_become_fields_of_the_variant() {
        let cases = [
            (
                hookwire::Error::PayloadTooLarge { size: 2_000_000, limit: 1_048_576 },
                WebhookError::PayloadTooLarge { reason: String::new(), size: 2_000_000, limit: 1_048_576 },
            ),
            (
                hookwire::Error::MissingHeader { header: "webhook-id".into(), scheme: "svix".into() },
                WebhookError::MissingHeader {
                    reason: String::new(),
                    header: "webhook-id".into(),
                    scheme: "svix".into(),
                },
            ),
            (
                hookwire::Error::TimestampTooOld { age: 301, tolerance: 300 },
                WebhookError::TimestampTooOld { reason: String::new(), age: 301, tolerance: 300 },
            ),
            (
                hookwire::Error::UnknownDialect { dialect: "x".into(), known: &["a", "b"] },
                WebhookError::UnknownDialect {
                    reason: String::new(),
                    dialect: "x".into(),
                    known: vec!["a".into(), "b".into()],
                },
            ),
            (
                hookwire::Error::Replayed { id: "msg_1".into() },
                WebhookError::Replayed { reason: String::new(), id: "msg_1".into() },
            ),
        ];
        for (core, mut expected) in cases {
            let text = core.to_string();
            if let Some(reason) = reason_mut(&mut expected) {
                *reason = text;
            }
            assert_eq!(WebhookError::from(core), expected);
        }
        let argument = argument("now", "before 1970");
        assert!(matches!(&argument, WebhookError::InvalidArgument { argument, .. } if argument == "now"));
    }

    fn reason_mut(error: &mut WebhookError) -> Option<&mut String> {
        match error {
            WebhookError::PayloadTooLarge { reason, .. }
            | WebhookError::MissingHeader { reason, .. }
            | WebhookError::TimestampTooOld { reason, .. }
            | WebhookError::UnknownDialect { reason, .. }
            | WebhookError::Replayed { reason, .. } => Some(reason),
            _ => None,
        }
    }

    #[test]
    fn a_panic_becomes_internal() {
        let error = run::<()>(|| panic!("boom")).unwrap_err();
        assert_eq!(error.code(), "internal");
        assert!(error.reason().contains("boom"), "{error}");
    }

    #[test]
    fn unknown_codes_are_invalid_arguments() {
        assert_eq!(error_from_code("nope".into(), "x".into()).code(), "invalid_argument");
        assert_eq!(
            error_from_code("replayed".into(), "x".into()),
            WebhookError::Replayed { reason: "x".into(), id: String::new() }
        );
    }
}
