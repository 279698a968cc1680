"""A typed use of hookwire; `test_typing.py` runs mypy on it (not collected by pytest)."""

from datetime import datetime, timedelta
from decimal import Decimal

import hookwire


def receive(raw: bytes, headers: dict[str, str]) -> str:
    verifier = hookwire.Verifier("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", tolerance=300)
    try:
        message: hookwire.Message = verifier.verify(raw, headers)
    except hookwire.WebhookError as err:
        return err.code
    event: hookwire.Event = message.event
    kind: str = event.type
    ident: "str | None" = message.id
    return f"{kind} {ident} {event.data_json()}"


def send(body: bytes) -> dict[str, str]:
    return hookwire.Signer("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", scheme="standard-webhooks").sign(body)


def order_total(raw: bytes) -> "Decimal | None":
    event = hookwire.parse_event(raw)
    data = event.data
    if isinstance(data, hookwire.Order):
        total: "Decimal | None" = data.total_amount
        first: "hookwire.OrderItem | None" = data.items[0] if data.items else None
        return total if first is None else first.price
    if isinstance(data, hookwire.Device) and data.probes:
        unit: "str | None" = data.probes[0].unit
        return None if unit is None else data.probes[0].temperature
    return None


def next_attempt(status: int, attempt: int, first_at: datetime, now: datetime) -> "datetime | None":
    policy = hookwire.RetryPolicy.from_name("svix").with_jitter("proportional", 0.2)
    decision = policy.next(attempt, first_at, now, hookwire.Outcome.response(status, elapsed=timedelta(seconds=1)))
    scheduler = hookwire.Scheduler()
    if decision.action == "retry" and decision.at is not None:
        scheduler.schedule("msg_1", decision.at)
    due: "list[tuple[str, datetime]]" = scheduler.pop_due(now)
    hookwire.UrlGuard(https_only=True).check_url("https://hooks.example.com/in")
    return due[0][1] if due else None


def request_of(body: "bytes | str", now: datetime) -> "tuple[str, dict[str, str], bytes]":
    endpoint = hookwire.Endpoint(
        "https://hooks.example.com/in", ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], scheme="standard-webhooks",
        subscription=hookwire.Subscription(["order.*"], filters={"restaurant_id": 1}), retry="svix",
        timeout=timedelta(seconds=10), rate_limit=(1000, timedelta(hours=1)),
    )
    request: hookwire.Request = endpoint.request(body, "msg_1", event_type="order.created", now=now)
    span: timedelta = endpoint.timeout
    attempts: int = endpoint.retry_policy.max_attempts
    return request.url, request.headers, request.body + bytes(attempts + span.seconds)


def receive_claimed(raw: bytes, headers: dict[str, str], path: str) -> int:
    store = hookwire.SeenStore.sqlite(path, namespace="shop")
    verifier = hookwire.Verifier("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", seen_store=store, claim_ttl=60)
    try:
        with verifier.verify(raw, headers) as message:
            kind: str = message.event.type
    except hookwire.WebhookError as err:
        return hookwire.response_status(err.code)
    return 204 if kind else 200


async def receive_async(raw: bytes, headers: dict[str, str]) -> bool:
    store = hookwire.SeenStore.redis("redis://localhost:6379/0", timeout_ms=1000)
    verifier = hookwire.Verifier("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", seen_store=store)
    message = await verifier.verify_async(raw, headers)
    async with message:
        until: "int | None" = message.claim_until
    released: bool = await message.release_async()
    return released and until is not None and await message.commit_async(now=1_700_000_000)
