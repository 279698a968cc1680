"""hookwire: sign, verify and parse webhooks with a Rust core.

>>> import hookwire
>>> signer = hookwire.Signer("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
>>> headers = signer.sign(b'{"type":"order.created","data":{}}', msg_id="msg_1", timestamp=1700000000)
>>> verifier = hookwire.Verifier("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
>>> verifier.verify(b'{"type":"order.created","data":{}}', headers, now=1700000010).id
'msg_1'
"""

from __future__ import annotations

from . import errors
from ._hookwire import ERROR_CODES, SCHEMES, Event, Message, Secret, Signer, Verifier, parse_event
from .errors import (
    BlockedUrl,
    InternalError,
    InvalidArgument,
    InvalidPayload,
    InvalidSecret,
    InvalidSignature,
    InvalidState,
    MalformedHeader,
    MissingHeader,
    PayloadTooLarge,
    Replayed,
    StoreError,
    TimestampOutOfTolerance,
    TimestampTooNew,
    TimestampTooOld,
    UnknownDialect,
    UnknownEventType,
    UnknownScheme,
    WebhookError,
)

__all__ = [
    "ERROR_CODES",
    "SCHEMES",
    "BlockedUrl",
    "Event",
    "InternalError",
    "InvalidArgument",
    "InvalidPayload",
    "InvalidSecret",
    "InvalidSignature",
    "InvalidState",
    "MalformedHeader",
    "Message",
    "MissingHeader",
    "PayloadTooLarge",
    "Replayed",
    "Secret",
    "Signer",
    "StoreError",
    "TimestampOutOfTolerance",
    "TimestampTooNew",
    "TimestampTooOld",
    "UnknownDialect",
    "UnknownEventType",
    "UnknownScheme",
    "Verifier",
    "WebhookError",
    "errors",
    "parse_event",
]
