"""hookwire's exceptions: one base class with the stable ``code`` string, a subclass per family.

The codes are the same in every language hookwire is bound to (``err.code`` in JavaScript, the
error enum in Kotlin and Swift), so callers can branch on them and log them. What the core knows
about an error reaches Python as attributes (``err.header``, ``err.limit``, ``err.age``), also
gathered in ``err.details``; the classes, their codes and their detail attributes are held to
the core's table (``bindings/errors.json``) by ``tests/test_errors.py``.
"""

from __future__ import annotations


class WebhookError(Exception):
    """Every hookwire failure. ``code`` is the stable machine-readable code."""

    code: str = "internal"
    details: dict[str, object]

    def __init__(self, message: str, code: str | None = None, details: dict[str, object] | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.details = dict(details or {})
        for name, value in self.details.items():
            setattr(self, name, value)


class InvalidSignature(WebhookError):
    code = "invalid_signature"


class MissingHeader(WebhookError):
    code = "missing_header"
    header: str
    scheme: str


class MalformedHeader(WebhookError):
    code = "malformed_header"
    header: str


class TimestampOutOfTolerance(WebhookError):
    """The timestamp is outside the tolerance window (too old or too new)."""


class TimestampTooOld(TimestampOutOfTolerance):
    code = "timestamp_too_old"
    age: int
    tolerance: int


class TimestampTooNew(TimestampOutOfTolerance):
    code = "timestamp_too_new"
    ahead: int
    tolerance: int
    hint: str


class Replayed(WebhookError):
    code = "replayed"
    id: str


class ReplayInProgress(WebhookError):
    code = "replay_in_progress"
    id: str


class PayloadTooLarge(WebhookError):
    code = "payload_too_large"
    size: int
    limit: int


class InvalidSecret(WebhookError):
    code = "invalid_secret"


class InvalidArgument(WebhookError, TypeError, ValueError):
    """An argument of the wrong type, out of range, or not usable; its message names it. Also a
    ``TypeError`` and a ``ValueError``, so that idiomatic ``except`` clauses still catch it."""

    code = "invalid_argument"
    argument: str


class InvalidPayload(WebhookError, ValueError):
    code = "invalid_payload"


class UnknownScheme(WebhookError, ValueError):
    code = "unknown_scheme"
    scheme: str
    known: list[str]


class UnknownEventType(WebhookError):
    code = "unknown_event_type"
    event_type: str


class UnknownDialect(WebhookError, ValueError):
    code = "unknown_dialect"
    dialect: str
    known: list[str]


class BlockedUrl(WebhookError):
    code = "blocked_url"


class InvalidState(WebhookError):
    code = "invalid_state"


class StoreError(WebhookError):
    code = "store_error"


class InternalError(WebhookError):
    code = "internal"


# The outbox's own codes (``hookwire.OUTBOX_ERROR_CODES``, from ``hookwire_outbox::Error::CODES``).


class NotFound(WebhookError, LookupError):
    """No endpoint, message or delivery has this id."""

    code = "not_found"


class LeaseLost(WebhookError):
    """A worker's lease on a delivery expired before it could record its attempt."""

    code = "lease_lost"


class SchemaTooNew(WebhookError):
    """The outbox's database was made by a newer hookwire."""

    code = "schema_too_new"


class Timeout(WebhookError, TimeoutError):
    """Deliveries were still due when ``run_until_idle``'s time ran out."""

    code = "timeout"


_BY_CODE = {
    cls.code: cls
    for cls in (
        InvalidSignature,
        MissingHeader,
        MalformedHeader,
        TimestampTooOld,
        TimestampTooNew,
        Replayed,
        ReplayInProgress,
        PayloadTooLarge,
        InvalidSecret,
        InvalidArgument,
        InvalidPayload,
        UnknownScheme,
        UnknownEventType,
        UnknownDialect,
        BlockedUrl,
        InvalidState,
        StoreError,
        InternalError,
        NotFound,
        LeaseLost,
        SchemaTooNew,
        Timeout,
    )
}


def from_code(code: str, message: str, details: dict[str, object] | None = None) -> WebhookError:
    """The exception for an error code of the core or the outbox, with its details (used by the
    extension module)."""
    return _BY_CODE.get(code, WebhookError)(message, code, details)
