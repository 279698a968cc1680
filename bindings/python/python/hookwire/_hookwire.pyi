import os
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Awaitable, Iterable, Literal, Mapping, Optional, Sequence, Tuple, TypedDict, Union

from .payloads import Actor, Device, Job, Order, User

# A body is bytes-like, or a str sent and signed as its UTF-8 (the same rule in Node).
Body = Union[bytes, bytearray, memoryview, str]
Headers = Union[Mapping[str, str], Iterable[Tuple[str, str]], Iterable[Tuple[bytes, bytes]], Any]
SecretLike = Union[str, bytes, "Secret"]

ERROR_CODES: list[str]
SCHEMES: list[str]
DIALECTS: list[str]
RETRY_POLICIES: list[str]

class Secret:
    def __init__(self, secret: Union[str, bytes, "Secret"]) -> None: ...
    @staticmethod
    def generate() -> "Secret": ...
    @staticmethod
    def from_bytes(key: bytes) -> "Secret": ...
    @staticmethod
    def generate_ed25519() -> "Secret": ...
    def public_key(self) -> Optional["Secret"]: ...
    def expose_text(self) -> Optional[str]: ...

class Signer:
    def __init__(self, secret: Union[SecretLike, Sequence[SecretLike]], scheme: str = "hookwire") -> None: ...
    @property
    def scheme(self) -> str: ...
    def sign(
        self,
        body: Body,
        msg_id: Optional[str] = None,
        timestamp: Optional[int] = None,
        event_type: Optional[str] = None,
    ) -> dict[str, str]: ...

class SeenStore:
    """Where verified messages are claimed, committed and released (see ``Verifier``)."""

    @staticmethod
    def memory(capacity: int) -> "SeenStore":
        """This process only; full (``capacity`` messages within their window): ``StoreError``."""
    @staticmethod
    def sqlite(
        path: Union[str, "os.PathLike[str]"], namespace: Optional[str] = None, timeout_ms: Optional[int] = None
    ) -> "SeenStore":
        """A SQLite file shared by the processes of one machine, kept across restarts."""
    @staticmethod
    def postgres(url: str, namespace: Optional[str] = None, timeout_ms: Optional[int] = None) -> "SeenStore":
        """PostgreSQL (``postgres://user:password@host:port/db``), for receivers on many machines."""
    @staticmethod
    def redis(url: str, namespace: Optional[str] = None, timeout_ms: Optional[int] = None) -> "SeenStore":
        """Redis (``redis://host:port/db``), for receivers on many machines."""
    @staticmethod
    def open(url: str, namespace: Optional[str] = None, timeout_ms: Optional[int] = None) -> "SeenStore":
        """The store a URL names: ``memory``, ``sqlite:///path``, ``postgres://…``, ``redis://…``."""
    @property
    def kind(self) -> Literal["memory", "sqlite", "postgres", "redis"]: ...

class Verifier:
    def __init__(
        self,
        secret: Union[SecretLike, Sequence[SecretLike]],
        scheme: str = "hookwire",
        tolerance: int = 300,
        max_body: Optional[int] = None,
        seen_store: Optional[SeenStore] = None,
        claim_ttl: Optional[int] = None,
        replay_capacity: Optional[int] = None,
    ) -> None:
        """``seen_store``: claim every verified message there (``claim_ttl`` seconds, default
        60, until it is committed or released). ``replay_capacity=n`` is the shorthand of
        ``seen_store=SeenStore.memory(n)``."""
    def verify(self, body: Body, headers: Headers, now: Optional[int] = None) -> "Message":
        """Checks and claims; a duplicate raises ``ReplayInProgress`` while the first is being
        handled and ``Replayed`` once it was committed; a store that cannot answer raises
        ``StoreError`` (within its timeout). The GIL is released while the store answers."""
    async def verify_async(self, body: Body, headers: Headers, now: Optional[int] = None) -> "Message":
        """``verify`` for asyncio: the store's claim is awaited, the event loop never blocks."""
    @property
    def seen_store(self) -> Optional[SeenStore]: ...

class Message:
    @property
    def id(self) -> Optional[str]: ...
    @property
    def timestamp(self) -> Optional[int]: ...
    @property
    def timestamp_signed(self) -> bool: ...
    @property
    def event_type(self) -> Optional[str]: ...
    @property
    def secret_index(self) -> int: ...
    @property
    def body(self) -> bytes: ...
    @property
    def event(self) -> "Event": ...
    def json(self) -> Any: ...
    def event_as(self, dialect: str) -> "Event": ...
    @property
    def claimed(self) -> bool:
        """Whether the message is claimed in a replay store (False without one)."""
    @property
    def claim_until(self) -> Optional[int]:
        """When the claim lapses (unix s) if neither committed nor released."""
    def commit(self, now: Optional[int] = None) -> bool:
        """Records the message as handled: later deliveries raise ``Replayed``. ``now``
        defaults to the ``now`` given to ``verify``, else the clock.

        Returns False, and changes nothing, when the claim was lost: it lapsed (the handler
        took longer than ``claim_ttl``) and another delivery of the message took it. Also
        False without a replay store. Raises ``StoreError`` when the store cannot answer."""
    def release(self) -> bool:
        """Gives the claim up (the handler failed): the sender's retry is accepted. False when
        nothing was released (committed, lost, or no replay store)."""
    async def commit_async(self, now: Optional[int] = None) -> bool:
        """``commit``, awaited (a lost claim: False, nothing changed)."""
    async def release_async(self) -> bool:
        """``release``, awaited."""
    def __enter__(self) -> "Message": ...
    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        """Commits when the block ends normally, releases when it raises (and re-raises)."""
    async def __aenter__(self) -> "Message": ...
    async def __aexit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None: ...

# The core's name lists (bindings/names.json, from tests/names.rs); tests/test_stubs.py holds
# each alias below to it.
Family = Literal["device", "order", "job", "user", "other"]

class Event:
    @property
    def id(self) -> Optional[str]: ...
    @property
    def type(self) -> str: ...
    @property
    def timestamp(self) -> Optional[str]: ...
    @property
    def family(self) -> Family: ...
    @property
    def data(self) -> Union[Device, Order, Job, User, Any]: ...
    @property
    def actor(self) -> Optional[Actor]: ...
    def data_json(self) -> str: ...
    def to_json(self) -> bytes: ...
    def encode(self, dialect: str) -> bytes: ...

def parse_event(
    body: Body, dialect: str = "hookwire", type_hint: Optional[str] = None, strict: bool = False
) -> Event: ...

def event_types() -> list[tuple[str, str, str]]: ...
def response_status(code: str) -> int: ...
def sample_event(event_type: str) -> Event: ...

Seconds = Union[int, float, timedelta]
"""A span: a timedelta, or seconds as a number. Instants are aware datetimes (naive ones are
refused: they could be in any zone)."""

class Subscription:
    """Which events go to an endpoint (routing only: the Endpoint says where and how)."""

    def __init__(
        self,
        patterns: Sequence[str] = ["*"],
        filters: Optional[Mapping[str, Any]] = None,
        active: bool = True,
    ) -> None: ...
    def matches(self, event: Event) -> bool: ...
    def matches_type(self, event_type: str) -> bool: ...
    @property
    def patterns(self) -> list[str]: ...
    @property
    def filters(self) -> dict[str, Any]: ...
    @property
    def active(self) -> bool: ...

class Request:
    """One attempt's request: POST ``body`` to ``url`` with ``headers``; never follow redirects."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes

class Endpoint:
    """Where webhooks go and how (the core's ``hookwire::Endpoint``); ``request()`` builds
    each attempt's signed request for the HTTP client of your choice."""

    def __init__(
        self,
        url: str,
        secret: Union[SecretLike, Sequence[SecretLike]],
        scheme: str = "hookwire",
        subscription: Optional[Subscription] = None,
        retry: Union["RetryPolicy", str, None] = None,
        headers: Optional[Mapping[str, str]] = None,
        timeout: Optional[Seconds] = None,
        rate_limit: Optional[tuple[int, Seconds]] = None,
        max_payload: Optional[int] = None,
        allow_private: bool = False,
    ) -> None:
        """Every secret of ``secret`` signs (rotation); ``retry``: a policy or preset name
        (default ``standard-webhooks``); ``timeout`` default 30 s; ``max_payload`` default
        1 MiB; ``allow_private``: an internal receiver on purpose (refused otherwise)."""
    def request(
        self, body: Body, msg_id: str, event_type: Optional[str] = None, now: Optional[datetime] = None
    ) -> Request:
        """The request of one attempt, signed at ``now`` (default: the clock): call it for
        every attempt (a fresh timestamp, the same id). Raises ``PayloadTooLarge`` and
        ``BlockedUrl``."""
    def matches(self, event: Event) -> bool: ...
    @property
    def url(self) -> str: ...
    @property
    def scheme(self) -> str: ...
    @property
    def subscription(self) -> Subscription: ...
    @property
    def headers(self) -> dict[str, str]: ...
    @property
    def retry_policy(self) -> "RetryPolicy": ...
    @property
    def timeout(self) -> timedelta: ...
    @property
    def rate_limit(self) -> Optional[tuple[int, timedelta]]: ...
    @property
    def max_payload(self) -> int: ...
    @property
    def url_guard(self) -> "UrlGuard":
        """Check the addresses you resolve the host to with it, and connect to the one it returns."""

OutcomeClass = Literal[
    "success", "retryable", "throttled", "permanent", "endpoint_gone", "aborted", "disable_requested"
]
FailureKind = Literal["timeout", "connect", "tls", "dns", "blocked", "invalid_request", "other"]
DecisionAction = Literal["done", "retry", "give_up"]
GiveUpReason = Literal[
    "exhausted", "max_age", "permanent", "endpoint_gone", "aborted", "endpoint_disabled", "manual_attempt_failed"
]
JitterKind = Literal["none", "proportional", "full", "decorrelated"]
HealthTransitionName = Literal["started_failing", "recovered", "disabled"]

class Outcome:
    @staticmethod
    def response(status: int, headers: Optional[Headers] = None, elapsed: Seconds = 0) -> "Outcome": ...
    @staticmethod
    def transport(failure: FailureKind, elapsed: Seconds = 0) -> "Outcome": ...
    @property
    def outcome_class(self) -> OutcomeClass: ...
    @property
    def status(self) -> Optional[int]: ...
    @property
    def failure(self) -> Optional[FailureKind]: ...
    @property
    def is_success(self) -> bool: ...
    @property
    def elapsed(self) -> timedelta: ...
    @property
    def disables_endpoint(self) -> bool: ...

class Decision:
    @property
    def action(self) -> DecisionAction: ...
    @property
    def at(self) -> Optional[datetime]: ...
    @property
    def delay(self) -> Optional[timedelta]: ...
    @property
    def reason(self) -> Optional[GiveUpReason]: ...

class RetryPolicy:
    @staticmethod
    def from_name(name: str) -> "RetryPolicy": ...
    @staticmethod
    def table(name: str, delays: Sequence[Seconds]) -> "RetryPolicy": ...
    @staticmethod
    def exponential(name: str, initial: Seconds, factor: float, cap: Seconds, max_attempts: int) -> "RetryPolicy": ...
    def with_jitter(
        self, kind: JitterKind, fraction: float = 0.0
    ) -> "RetryPolicy": ...
    def with_seed(self, seed: int) -> "RetryPolicy": ...
    def with_max_attempts(self, max_attempts: int) -> "RetryPolicy": ...
    def with_max_age(self, max_age: Seconds) -> "RetryPolicy": ...
    @property
    def name(self) -> str: ...
    @property
    def max_attempts(self) -> int: ...
    @property
    def max_age(self) -> Optional[timedelta]: ...
    def schedule(self) -> list[timedelta]: ...
    def next(self, attempt: int, first_attempt_at: datetime, now: datetime, outcome: Outcome) -> Decision: ...

class Attempt:
    number: int
    started_at: datetime
    duration: timedelta
    status: Optional[int]
    outcome_class: OutcomeClass
    failure: Optional[FailureKind]
    response_body: str
    response_truncated: bool
    manual: bool

DeliveryStateName = Literal["pending", "retrying", "succeeded", "failed", "cancelled"]

class Delivery:
    def __init__(self, id: str, now: datetime, response_body_limit: Optional[int] = None) -> None: ...
    def record(
        self,
        policy: RetryPolicy,
        started_at: datetime,
        outcome: Outcome,
        response_body: Body,
        now: datetime,
    ) -> DeliveryStateName: ...
    def cancel(self, now: datetime) -> None: ...
    def retry(self, now: datetime) -> None: ...
    @property
    def id(self) -> str: ...
    @property
    def state(self) -> DeliveryStateName: ...
    @property
    def due(self) -> Optional[datetime]: ...
    @property
    def attempts(self) -> list[Attempt]: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> "Delivery": ...

class Scheduler:
    def __init__(self) -> None: ...
    def schedule(self, key: str, due: datetime) -> bool: ...
    def reschedule(self, key: str, due: datetime) -> bool: ...
    def cancel(self, key: str) -> bool: ...
    def pop_due(self, now: datetime, limit: int = 1000) -> list[tuple[str, datetime]]: ...
    def next_due(self) -> Optional[datetime]: ...
    def contains(self, key: str) -> bool: ...
    def __contains__(self, key: str) -> bool: ...
    def len(self) -> int: ...
    def __len__(self) -> int: ...

class EndpointHealth:
    def __init__(
        self, disable_after: Optional[Seconds] = timedelta(days=5), disable_after_failures: Optional[int] = None
    ) -> None: ...
    def record(self, outcome: Outcome, now: datetime) -> Optional[HealthTransitionName]: ...
    @property
    def disable_after(self) -> Optional[timedelta]: ...
    @property
    def disable_after_failures(self) -> Optional[int]: ...
    @property
    def is_disabled(self) -> bool: ...
    @property
    def disabled_reason(self) -> Optional[str]: ...
    @property
    def consecutive_failures(self) -> int: ...
    @property
    def failing_since(self) -> Optional[datetime]: ...
    def enable(self) -> None: ...

class CheckedUrl:
    host: str
    port: int
    https: bool

class UrlGuard:
    def __init__(self, https_only: bool = False, allow: Sequence[str] = ()) -> None: ...
    def check_url(self, url: str) -> CheckedUrl: ...
    def check_ip(self, address: str) -> None: ...
    def check_resolved(self, addresses: Sequence[str]) -> str: ...

# ---- Durable delivery: the outbox (hookwire-outbox) ----
# Instants are aware datetimes in UTC; durations are timedeltas (arguments also take seconds as a
# number). Every method that reads or writes the database has an `*_async` twin returning an
# asyncio future of the running loop (FastAPI handlers): `await outbox.publish_async(...)`.

OUTBOX_ERROR_CODES: list[str]

# The outbox's statuses are the core's delivery states.
DeliveryStatus = DeliveryStateName

class RetrySpec(TypedDict, total=False):
    """A retry policy as data: a core preset, or a delay table (the first entry: the first attempt)."""

    preset: str
    delays: Sequence[Seconds]
    max_attempts: int
    max_age: Seconds
    throttle_min: Seconds

class EndpointRecord:
    """An endpoint as the outbox stores it (``Endpoint`` is the sans-IO sender's)."""

    id: str
    url: str
    scheme: str
    secret_count: int
    events: list[str]
    filters: dict[str, Any]
    headers: dict[str, str]
    retry: dict[str, Any]
    rate_limit: Optional[tuple[int, timedelta]]
    max_in_flight: int
    timeout: timedelta
    allow_private: bool
    tenant: Optional[str]
    description: Optional[str]
    enabled: bool
    disabled_reason: Optional[str]
    disabled_at: Optional[datetime]
    consecutive_failures: int
    failing_since: Optional[datetime]
    created_at: datetime

class DeliveryRecord:
    id: str
    message_id: str
    endpoint_id: str
    event_type: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: Optional[datetime]
    last_status: Optional[int]
    last_error: Optional[str]
    give_up_reason: Optional[GiveUpReason]
    created_at: datetime
    updated_at: datetime
    finished_at: Optional[datetime]

class AttemptRecord:
    delivery_id: str
    number: int
    started_at: datetime
    duration: timedelta
    status: Optional[int]
    outcome_class: OutcomeClass
    failure: Optional[FailureKind]
    error: Optional[str]
    response_headers: list[tuple[str, str]]
    response_body: str
    response_truncated: bool
    manual: bool
    worker: str

class MessageRecord:
    id: str
    event_type: str
    payload: bytes
    idempotency_key: Optional[str]
    tenant: Optional[str]
    created_at: datetime

class EndpointStats:
    endpoint_id: str
    url: str
    enabled: bool
    pending: int
    retrying: int
    succeeded: int
    failed: int
    cancelled: int
    attempts: int
    success_rate: Optional[float]
    p50_latency: Optional[timedelta]
    p95_latency: Optional[timedelta]
    last_failure_at: Optional[datetime]
    last_failure: Optional[str]

class OutboxMetrics:
    delivered: int
    failed: int
    retried: int
    queue_depth: int
    due_now: int
    oldest_due: Optional[datetime]

class WorkerReport:
    attempts: int
    succeeded: int
    lease_lost: int
    released: int

class Purged:
    deliveries: int
    messages: int

EndpointRef = Union[str, EndpointRecord]
Secrets = Union[str, Secret, Sequence[Union[str, Secret]]]
# A dict (or other JSON value) is the event's data; bytes-like or str is the exact body sent.
Data = Union[Mapping[str, Any], Sequence[Any], bytes, bytearray, memoryview, str]

class Outbox:
    def __init__(self, url: str, max_payload: Optional[int] = None) -> None: ...
    @property
    def max_payload(self) -> int: ...
    @property
    def running(self) -> bool: ...
    def add_endpoint(
        self,
        url: str,
        scheme: str = "standard-webhooks",
        secret: Optional[Secrets] = None,
        events: Sequence[str] = ("*",),
        retry: Union[str, RetrySpec] = "standard-webhooks",
        allow_private: bool = False,
        *,
        id: Optional[str] = None,
        filters: Optional[Mapping[str, Any]] = None,
        headers: Optional[Mapping[str, str]] = None,
        rate_limit: Optional[tuple[int, Seconds]] = None,
        max_in_flight: Optional[int] = None,
        timeout: Optional[Seconds] = None,
        tenant: Optional[str] = None,
        description: Optional[str] = None,
        any_event_type: bool = False,
    ) -> EndpointRecord: ...
    def add_endpoint_async(
        self,
        url: str,
        scheme: str = "standard-webhooks",
        secret: Optional[Secrets] = None,
        events: Sequence[str] = ("*",),
        retry: Union[str, RetrySpec] = "standard-webhooks",
        allow_private: bool = False,
        *,
        id: Optional[str] = None,
        filters: Optional[Mapping[str, Any]] = None,
        headers: Optional[Mapping[str, str]] = None,
        rate_limit: Optional[tuple[int, Seconds]] = None,
        max_in_flight: Optional[int] = None,
        timeout: Optional[Seconds] = None,
        tenant: Optional[str] = None,
        description: Optional[str] = None,
        any_event_type: bool = False,
    ) -> Awaitable[EndpointRecord]: ...
    def update_endpoint(
        self,
        endpoint: EndpointRef,
        *,
        url: Optional[str] = None,
        scheme: Optional[str] = None,
        secret: Optional[Secrets] = None,
        events: Optional[Sequence[str]] = None,
        retry: Optional[Union[str, RetrySpec]] = None,
        allow_private: Optional[bool] = None,
        filters: Optional[Mapping[str, Any]] = None,
        headers: Optional[Mapping[str, str]] = None,
        rate_limit: Union[tuple[int, Seconds], Literal[False], None] = None,
        max_in_flight: Optional[int] = None,
        timeout: Optional[Seconds] = None,
        description: Optional[str] = None,
        any_event_type: Optional[bool] = None,
    ) -> EndpointRecord: ...
    def update_endpoint_async(
        self,
        endpoint: EndpointRef,
        *,
        url: Optional[str] = None,
        scheme: Optional[str] = None,
        secret: Optional[Secrets] = None,
        events: Optional[Sequence[str]] = None,
        retry: Optional[Union[str, RetrySpec]] = None,
        allow_private: Optional[bool] = None,
        filters: Optional[Mapping[str, Any]] = None,
        headers: Optional[Mapping[str, str]] = None,
        rate_limit: Union[tuple[int, Seconds], Literal[False], None] = None,
        max_in_flight: Optional[int] = None,
        timeout: Optional[Seconds] = None,
        description: Optional[str] = None,
        any_event_type: Optional[bool] = None,
    ) -> Awaitable[EndpointRecord]: ...
    def delete_endpoint(self, endpoint: EndpointRef) -> None: ...
    def delete_endpoint_async(self, endpoint: EndpointRef) -> Awaitable[None]: ...
    def endpoint(self, endpoint: EndpointRef) -> EndpointRecord: ...
    def endpoint_async(self, endpoint: EndpointRef) -> Awaitable[EndpointRecord]: ...
    def endpoints(self) -> list[EndpointRecord]: ...
    def endpoints_async(self) -> Awaitable[list[EndpointRecord]]: ...
    def enable_endpoint(self, endpoint: EndpointRef) -> EndpointRecord: ...
    def enable_endpoint_async(self, endpoint: EndpointRef) -> Awaitable[EndpointRecord]: ...
    def disable_endpoint(self, endpoint: EndpointRef) -> EndpointRecord: ...
    def disable_endpoint_async(self, endpoint: EndpointRef) -> Awaitable[EndpointRecord]: ...
    def publish(
        self,
        event_type: str,
        data: Data,
        idempotency_key: Optional[str] = None,
        *,
        tenant: Optional[str] = None,
        dialect: Optional[str] = None,
    ) -> str: ...
    def publish_async(
        self,
        event_type: str,
        data: Data,
        idempotency_key: Optional[str] = None,
        *,
        tenant: Optional[str] = None,
        dialect: Optional[str] = None,
    ) -> Awaitable[str]: ...
    def deliveries(
        self,
        status: Optional[DeliveryStatus] = None,
        endpoint: Optional[EndpointRef] = None,
        *,
        message: Optional[str] = None,
        event_type: Optional[str] = None,
        since: Optional[datetime] = None,
        until: Optional[datetime] = None,
        limit: Optional[int] = None,
    ) -> list[DeliveryRecord]: ...
    def deliveries_async(
        self,
        status: Optional[DeliveryStatus] = None,
        endpoint: Optional[EndpointRef] = None,
        *,
        message: Optional[str] = None,
        event_type: Optional[str] = None,
        since: Optional[datetime] = None,
        until: Optional[datetime] = None,
        limit: Optional[int] = None,
    ) -> Awaitable[list[DeliveryRecord]]: ...
    def delivery(self, delivery_id: str) -> DeliveryRecord: ...
    def delivery_async(self, delivery_id: str) -> Awaitable[DeliveryRecord]: ...
    def attempts(self, delivery_id: str) -> list[AttemptRecord]: ...
    def attempts_async(self, delivery_id: str) -> Awaitable[list[AttemptRecord]]: ...
    def message(self, message_id: str) -> MessageRecord: ...
    def message_async(self, message_id: str) -> Awaitable[MessageRecord]: ...
    def retry(self, delivery_id: str) -> DeliveryRecord: ...
    def retry_async(self, delivery_id: str) -> Awaitable[DeliveryRecord]: ...
    def cancel(self, delivery_id: str) -> DeliveryRecord: ...
    def cancel_async(self, delivery_id: str) -> Awaitable[DeliveryRecord]: ...
    def resend(self, message_id: str, endpoint: EndpointRef) -> DeliveryRecord: ...
    def resend_async(self, message_id: str, endpoint: EndpointRef) -> Awaitable[DeliveryRecord]: ...
    def recover(
        self, endpoint: EndpointRef, since: datetime, until: Optional[datetime] = None, dry_run: bool = False
    ) -> list[str]: ...
    def recover_async(
        self, endpoint: EndpointRef, since: datetime, until: Optional[datetime] = None, dry_run: bool = False
    ) -> Awaitable[list[str]]: ...
    def send_test_event(self, endpoint: EndpointRef, event_type: str) -> DeliveryRecord: ...
    def send_test_event_async(self, endpoint: EndpointRef, event_type: str) -> Awaitable[DeliveryRecord]: ...
    def stats(self) -> list[EndpointStats]: ...
    def stats_async(self) -> Awaitable[list[EndpointStats]]: ...
    def metrics(self) -> OutboxMetrics: ...
    def metrics_async(self) -> Awaitable[OutboxMetrics]: ...
    def queue_depth(self) -> int: ...
    def queue_depth_async(self) -> Awaitable[int]: ...
    def purge(self, older_than: Seconds) -> Purged: ...
    def purge_async(self, older_than: Seconds) -> Awaitable[Purged]: ...
    def start(
        self, concurrency: Optional[int] = None, lease: Optional[Seconds] = None, poll_interval: Optional[Seconds] = None
    ) -> None: ...
    def stop(self, timeout: Seconds = 10) -> Optional[WorkerReport]: ...
    def stop_async(self, timeout: Seconds = 10) -> Awaitable[Optional[WorkerReport]]: ...
    def run_until_idle(
        self,
        timeout: Seconds = 60,
        concurrency: Optional[int] = None,
        lease: Optional[Seconds] = None,
        poll_interval: Optional[Seconds] = None,
    ) -> WorkerReport: ...
    def run_until_idle_async(
        self,
        timeout: Seconds = 60,
        concurrency: Optional[int] = None,
        lease: Optional[Seconds] = None,
        poll_interval: Optional[Seconds] = None,
    ) -> Awaitable[WorkerReport]: ...
