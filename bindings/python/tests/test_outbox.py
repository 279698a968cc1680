"""`hookwire.Outbox` from Python, on both engines (an SQLite file and a throwaway PostgreSQL): the
contract an external suite calls, every operation, the background worker, the asyncio variants,
times as datetimes and timedeltas, errors as `WebhookError` codes. A real receiver on 127.0.0.1
verifies every request."""

import asyncio
import datetime
import json
import threading
import time

import pytest
from outbox_support import SECRET, Receiver, outbox_url, postgres, receiver  # noqa: F401 (fixtures)

import hookwire
from hookwire import errors

UTC = datetime.timezone.utc
QUICK = {"delays": [0, 0.05, 0.05], "throttle_min": 0.05}


def contract_endpoint(outbox, receiver, **extra):
    """The contract's call, exactly."""
    return outbox.add_endpoint(receiver.url(), scheme="standard-webhooks", secret=SECRET, events=["order.*"],
                               retry=extra.pop("retry", "ops-center"), allow_private=True, **extra)


def test_the_contract_publishes_delivers_and_lists_what_happened(outbox_url, receiver):
    outbox = hookwire.Outbox(outbox_url)
    endpoint = contract_endpoint(outbox, receiver)
    assert endpoint.id.startswith("ep_") and endpoint.events == ["order.*"]
    message_id = outbox.publish("order.created", {"id": 1001, "total_amount": 45.99}, idempotency_key=None)
    raw_id = outbox.publish("order.updated", b'{"id":"x","type":"order.updated","data":{"id":1001}}')
    # The body rule of every binding: a str is a body too, sent as its UTF-8.
    text = '{"id":"y","type":"order.completed","data":{"note":"café"}}'
    text_id = outbox.publish("order.completed", text)
    assert outbox.publish("user.created", {"user_id": 7}) and outbox.queue_depth() == 3, "order.* only"

    pending = outbox.deliveries(status="pending", endpoint=endpoint)
    assert sorted(d.message_id for d in pending) == sorted([message_id, raw_id, text_id])
    report = outbox.run_until_idle(timeout=60)
    assert (report.attempts, report.succeeded) == (3, 3)

    assert sorted(receiver.ids()) == sorted([message_id, raw_id, text_id]), "the webhook id is the message id"
    bodies = {s.id: s.body for s in receiver.requests()}
    assert json.loads(bodies[message_id])["data"] == {"id": 1001, "total_amount": 45.99}
    assert bodies[raw_id] == b'{"id":"x","type":"order.updated","data":{"id":1001}}', "bytes are sent exactly"
    assert bodies[text_id] == text.encode("utf-8"), "a str is sent as its UTF-8"
    deliveries = outbox.deliveries()
    for d in deliveries:
        assert (d.endpoint_id, d.status, d.attempts) == (endpoint.id, "succeeded", 1)
        assert d.id.startswith("dlv_") and d.message_id in (message_id, raw_id, text_id)
    assert outbox.deliveries(status="pending") == [] and outbox.deliveries(endpoint="ep_other") == []
    stats = outbox.stats()
    assert [(s.endpoint_id, s.succeeded, s.failed, s.success_rate) for s in stats] == [(endpoint.id, 3, 0, 1.0)]


def test_a_failed_delivery_is_retried_by_hand(outbox_url, receiver):
    outbox = hookwire.Outbox(outbox_url)
    receiver.answer = lambda seen: (500, {})
    endpoint = contract_endpoint(outbox, receiver, retry=QUICK)
    outbox.publish("order.created", {"id": 1})
    outbox.run_until_idle(timeout=30)
    [failed] = outbox.deliveries(status="failed")
    assert (failed.attempts, failed.give_up_reason, failed.last_status) == (3, "exhausted", 500)

    receiver.answer = lambda seen: (200, {})
    retried = outbox.retry(failed.id)
    assert retried.status == "pending"
    outbox.run_until_idle(timeout=30)
    done = outbox.delivery(failed.id)
    assert (done.status, done.attempts) == ("succeeded", 4)
    attempts = outbox.attempts(failed.id)
    assert [(a.number, a.status, a.outcome_class, a.manual) for a in attempts] == [
        (1, 500, "retryable", False), (2, 500, "retryable", False), (3, 500, "retryable", False),
        (4, 200, "success", True)]
    with pytest.raises(hookwire.InvalidState):
        outbox.retry(failed.id)  # it succeeded: resend it instead
    assert outbox.stats()[0].endpoint_id == endpoint.id


def test_times_are_aware_datetimes_and_durations_timedeltas(outbox_url, receiver):
    outbox = hookwire.Outbox(outbox_url)
    before = datetime.datetime.now(UTC) - datetime.timedelta(seconds=1)
    endpoint = contract_endpoint(outbox, receiver, timeout=2.5, rate_limit=(1000, datetime.timedelta(hours=1)),
                                 retry={"delays": [0, datetime.timedelta(milliseconds=50)], "max_age": 7 * 86400})
    assert endpoint.timeout == datetime.timedelta(seconds=2.5)
    assert endpoint.rate_limit == (1000, datetime.timedelta(hours=1))
    assert endpoint.retry == {"delays": [datetime.timedelta(0), datetime.timedelta(milliseconds=50)],
                              "max_age": datetime.timedelta(days=7)}
    assert endpoint.created_at.tzinfo is not None and endpoint.created_at.utcoffset() == datetime.timedelta(0)
    outbox.publish("order.created", {"id": 1})
    [pending] = outbox.deliveries()
    assert before <= pending.created_at <= datetime.datetime.now(UTC)
    assert pending.next_attempt_at is not None and pending.finished_at is None
    outbox.run_until_idle(timeout=30)
    [done] = outbox.deliveries()
    assert done.finished_at >= done.created_at and done.next_attempt_at is None
    [attempt] = outbox.attempts(done.id)
    assert isinstance(attempt.duration, datetime.timedelta) and attempt.started_at >= done.created_at
    assert isinstance(outbox.stats()[0].p50_latency, datetime.timedelta)
    # Windows are aware datetimes: a naive one could be any zone.
    with pytest.raises(hookwire.InvalidArgument, match="timezone-aware"):
        outbox.deliveries(since=datetime.datetime.now())
    assert len(outbox.deliveries(since=before, until=datetime.datetime.now(UTC) + datetime.timedelta(seconds=1))) == 1
    assert outbox.deliveries(since=datetime.datetime.now(UTC) + datetime.timedelta(hours=1)) == []


def test_every_operation_of_a_senders_dashboard(outbox_url, receiver):
    outbox = hookwire.Outbox(outbox_url)
    receiver.answer = lambda seen: (503, {}) if seen.path == "/down" else (200, {})
    up = outbox.add_endpoint(receiver.url("/up"), secret=SECRET, allow_private=True, id="webhook_up")
    down = outbox.add_endpoint(receiver.url("/down"), secret=[SECRET, hookwire.Secret.generate()],
                               allow_private=True, retry=QUICK, headers={"X-Tenant": "kitchen-7"})
    assert (up.id, down.secret_count, down.headers) == ("webhook_up", 2, {"X-Tenant": "kitchen-7"})
    assert {e.id for e in outbox.endpoints()} == {up.id, down.id}
    message_id = outbox.publish("order.created", {"id": 1}, idempotency_key="order-1")
    assert outbox.publish("order.created", {"id": 1}, idempotency_key="order-1") == message_id
    outbox.run_until_idle(timeout=30)
    assert outbox.message(message_id).payload == receiver.requests()[0].body

    # Recover the endpoint's failures once it is back up: a dry run lists them.
    [failed] = outbox.deliveries(status="failed", endpoint=down)
    since = datetime.datetime.now(UTC) - datetime.timedelta(minutes=5)
    assert outbox.recover(down, since, dry_run=True) == [failed.id]
    assert outbox.delivery(failed.id).status == "failed", "a dry run changes nothing"
    receiver.answer = lambda seen: (200, {})
    assert outbox.recover(down.id, since) == [failed.id]
    outbox.run_until_idle(timeout=30)
    assert outbox.delivery(failed.id).status == "succeeded"

    resent = outbox.resend(message_id, up)
    assert (resent.message_id, resent.status) == (message_id, "pending")
    test = outbox.send_test_event(up, "user.created")
    outbox.run_until_idle(timeout=30)
    assert outbox.delivery(test.id).status == "succeeded"
    assert receiver.ids().count(message_id) == 6, "up once, down three times (503), the recovery, the resend"

    disabled = outbox.disable_endpoint(down)
    assert (disabled.enabled, disabled.disabled_reason) == (False, "manual")
    assert disabled.disabled_at is not None
    assert outbox.publish("order.created", {"id": 2}) and outbox.queue_depth() == 1, "a disabled endpoint gets nothing"
    assert outbox.enable_endpoint(down).enabled
    cancelled = outbox.cancel(outbox.deliveries(status="pending")[0].id)
    assert cancelled.status == "cancelled"

    updated = outbox.update_endpoint(up, url=receiver.url("/v2"), events=["user.*"], description="v2",
                                     rate_limit=(10, 1))
    assert (updated.url, updated.events, updated.description, updated.rate_limit) == (
        receiver.url("/v2"), ["user.*"], "v2", (10, datetime.timedelta(seconds=1)))
    assert outbox.update_endpoint(up, rate_limit=False, description="").rate_limit is None
    assert outbox.endpoint(up).description is None

    metrics = outbox.metrics()
    # A resend goes on the same delivery: three succeeded (up's, down's recovered one, the test).
    assert (metrics.delivered, metrics.queue_depth) == (3, 0) and metrics.retried >= 3
    outbox.delete_endpoint(down)
    assert [e.id for e in outbox.endpoints()] == [up.id]
    with pytest.raises(hookwire.NotFound):
        outbox.endpoint(down.id)
    time.sleep(0.01)  # final strictly before the purge's cutoff
    purged = outbox.purge(0)
    assert (purged.deliveries, purged.messages) == (3, 3), "up's succeeded, test and cancelled ones"
    assert outbox.deliveries() == []


def test_publish_writes_another_systems_envelope_and_filters_read_it(outbox_url):
    verifier = hookwire.Verifier("s3cr3t-aura", scheme="auraconnect")
    aura = Receiver(verifier)
    try:
        outbox = hookwire.Outbox(outbox_url)
        for restaurant in (1, 2):
            outbox.add_endpoint(aura.url(f"/r{restaurant}"), scheme="auraconnect", secret="s3cr3t-aura",
                                events=["order.*"], filters={"restaurant_id": restaurant}, allow_private=True)
        message_id = outbox.publish("order.created", {"id": 1001, "restaurant_id": 2}, dialect="auraconnect")
        outbox.run_until_idle(timeout=30)
        [seen] = aura.requests()
        assert (seen.path, seen.id) == ("/r2", message_id)
        event = seen.verified.event
        assert (event.id, event.type, event.data.id) == (message_id, "order.created", 1001)
        assert json.loads(seen.body)["data"]["object"]["restaurant_id"] == 2
        with pytest.raises(hookwire.UnknownDialect):
            outbox.publish("order.created", {"id": 1}, dialect="klingon")
    finally:
        aura.stop()


def test_the_background_worker_starts_and_stops(outbox_url, receiver):
    outbox = hookwire.Outbox(outbox_url)
    contract_endpoint(outbox, receiver)
    assert outbox.stop() is None and not outbox.running, "nothing to stop"
    outbox.start(concurrency=8, poll_interval=0.02)
    assert outbox.running
    with pytest.raises(hookwire.InvalidState, match="running"):
        outbox.start()
    ids = [outbox.publish("order.created", {"id": n}) for n in range(20)]
    receiver.wait_for(20)
    report = outbox.stop(timeout=10)
    assert not outbox.running and report.succeeded == 20
    assert sorted(receiver.ids()) == sorted(ids)
    outbox.start(concurrency=1)
    assert outbox.running and outbox.stop(datetime.timedelta(seconds=1)).attempts == 0


def test_calls_release_the_gil_while_they_wait(outbox_url, receiver):
    outbox = hookwire.Outbox(outbox_url)
    receiver.answer = lambda seen: (time.sleep(0.3), (200, {}))[1]
    contract_endpoint(outbox, receiver)
    outbox.publish("order.created", {"id": 1})
    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.005)

    thread = threading.Thread(target=tick)
    thread.start()
    started = time.monotonic()
    outbox.run_until_idle(timeout=30)
    waited = time.monotonic() - started
    stop.set()
    thread.join()
    during = [t for t in ticks if started < t < started + waited]
    assert waited >= 0.3 and len(during) >= 20, f"{len(during)} ticks in {waited:.2f} s"


def test_async_calls_leave_the_event_loop_free(outbox_url, receiver):
    outbox = hookwire.Outbox(outbox_url)
    receiver.answer = lambda seen: (time.sleep(0.3), (200, {}))[1]

    async def main():
        endpoint = await outbox.add_endpoint_async(receiver.url(), secret=SECRET, allow_private=True)
        message_id = await outbox.publish_async("order.created", {"id": 1})
        ticks = 0

        async def tick():
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.005)

        ticker = asyncio.create_task(tick())
        report = await outbox.run_until_idle_async(timeout=30)
        ticker.cancel()
        assert report.succeeded == 1 and ticks >= 20, f"the loop ticked {ticks} times during a 0.3 s delivery"
        [delivery] = await outbox.deliveries_async(endpoint=endpoint)
        assert (delivery.message_id, delivery.status) == (message_id, "succeeded")
        assert [s.endpoint_id for s in await outbox.stats_async()] == [endpoint.id]
        with pytest.raises(hookwire.NotFound):
            await outbox.retry_async("dlv_missing")
        outbox.start()
        assert (await outbox.stop_async(timeout=1)).attempts == 0
        # A cancelled await does not undo the call: the publish is stored.
        task = asyncio.ensure_future(outbox.publish_async("order.created", {"id": 2}, idempotency_key="k2"))
        task.cancel()
        await asyncio.sleep(0.5)
        return await outbox.publish_async("order.created", {"id": 2}, idempotency_key="k2")

    again = asyncio.run(main())
    assert outbox.message(again).idempotency_key == "k2" and outbox.queue_depth() == 1
    with pytest.raises(hookwire.InvalidState, match="asyncio"):
        outbox.publish_async("order.created", {"id": 3})


ERRORS = [
    ("a private URL without allow_private",
     lambda o: o.add_endpoint("http://127.0.0.1:9/", secret=SECRET), hookwire.BlockedUrl),
    ("cloud metadata even with allow_private",
     lambda o: o.add_endpoint("http://169.254.169.254/", secret=SECRET, allow_private=True), hookwire.BlockedUrl),
    ("no secret", lambda o: o.add_endpoint("https://example.com/"), hookwire.InvalidSecret),
    ("a secret the scheme cannot use", lambda o: o.add_endpoint("https://example.com/", secret="not base64!"),
     hookwire.InvalidSecret),
    ("a Secret without text", lambda o: o.add_endpoint("https://example.com/", secret=hookwire.Secret.from_bytes(b"k" * 32)),
     hookwire.InvalidSecret),
    ("an unknown scheme", lambda o: o.add_endpoint("https://example.com/", scheme="nope", secret=SECRET),
     hookwire.UnknownScheme),
    ("an unknown pattern", lambda o: o.add_endpoint("https://example.com/", secret=SECRET, events=["order.shipped"]),
     hookwire.UnknownEventType),
    ("an unknown preset", lambda o: o.add_endpoint("https://example.com/", secret=SECRET, retry="weekly"),
     hookwire.InvalidArgument),
    ("an unknown retry key", lambda o: o.add_endpoint("https://example.com/", secret=SECRET, retry={"delay": [0]}),
     hookwire.InvalidArgument),
    ("a negative timeout", lambda o: o.add_endpoint("https://example.com/", secret=SECRET, timeout=-1),
     hookwire.InvalidArgument),
    ("events as a str", lambda o: o.add_endpoint("https://example.com/", secret=SECRET, events="order.*"),
     hookwire.InvalidArgument),
    ("a bad endpoint id", lambda o: o.add_endpoint("https://example.com/", secret=SECRET, id="a b"),
     hookwire.InvalidArgument),
    ("data as a str with a lone surrogate", lambda o: o.publish("order.created", '{"id": "\ud800"}'),
     hookwire.InvalidArgument),
    ("data JSON cannot write", lambda o: o.publish("order.created", {"id": {1, 2}}), hookwire.InvalidArgument),
    ("data that is not an order", lambda o: o.publish("order.created", {"total_amount": "lots"}),
     hookwire.InvalidPayload),
    ("a type with a space", lambda o: o.publish("order created", {}), hookwire.InvalidArgument),
    ("an unknown status", lambda o: o.deliveries(status="done"), hookwire.InvalidArgument),
    ("an unknown delivery", lambda o: o.retry("dlv_missing"), hookwire.NotFound),
    ("an unknown message", lambda o: o.message("msg_missing"), hookwire.NotFound),
    ("an unknown endpoint", lambda o: o.send_test_event("ep_missing", "order.created"), hookwire.NotFound),
    ("an unknown test event type", lambda o: o.send_test_event("ep_missing", "order.shipped"),
     hookwire.UnknownEventType),
    ("a concurrency of 0", lambda o: o.start(concurrency=0), hookwire.InvalidArgument),
    ("a negative purge age", lambda o: o.purge(datetime.timedelta(days=-1)), hookwire.InvalidArgument),
]


@pytest.mark.parametrize("what, call, error", ERRORS, ids=[e[0] for e in ERRORS])
def test_bad_input_raises_the_error_of_its_code(tmp_path, what, call, error):
    outbox = hookwire.Outbox(f"sqlite://{tmp_path}/outbox.db")
    with pytest.raises(error) as raised:
        call(outbox)
    assert raised.value.code == error.code and isinstance(raised.value, hookwire.WebhookError)
    assert SECRET not in str(raised.value), "secrets are never printed"
    assert outbox.endpoints() == [] and outbox.queue_depth() == 0, "nothing stored by a refused call"


def test_limits_and_timeouts_have_their_codes(tmp_path):
    outbox = hookwire.Outbox(f"sqlite://{tmp_path}/outbox.db", max_payload=256 * 1024)
    assert outbox.max_payload == 262144
    outbox.add_endpoint("http://127.0.0.1:9/", secret=SECRET, allow_private=True, timeout=0.2)
    with pytest.raises(hookwire.PayloadTooLarge):
        outbox.publish("blob.created", b"x" * (300 * 1024))
    outbox.publish("blob.created", b"x" * (200 * 1024))
    with pytest.raises(hookwire.Timeout) as raised:
        outbox.run_until_idle(timeout=0.3)  # nothing listens on port 9: retried in a minute
    assert isinstance(raised.value, TimeoutError) and "1 deliveries not final" in str(raised.value)
    with pytest.raises(hookwire.InvalidArgument):
        hookwire.Outbox(f"sqlite://{tmp_path}/other.db", max_payload=2 << 20)
    with pytest.raises(hookwire.InvalidArgument, match="database URL"):
        hookwire.Outbox("mysql://localhost/db")
    with pytest.raises(hookwire.StoreError):
        hookwire.Outbox(f"sqlite://{tmp_path}/missing/folder/outbox.db")


def test_the_outbox_codes_are_the_rust_outbox_codes_and_each_has_its_class():
    # OUTBOX_ERROR_CODES is hookwire_outbox::Error::CODES itself; its classes are errors.py's.
    assert hookwire.OUTBOX_ERROR_CODES and len(set(hookwire.OUTBOX_ERROR_CODES)) == len(hookwire.OUTBOX_ERROR_CODES)
    assert set(hookwire.ERROR_CODES) | set(hookwire.OUTBOX_ERROR_CODES) == set(errors._BY_CODE)
    assert not set(hookwire.ERROR_CODES) & set(hookwire.OUTBOX_ERROR_CODES)
    for code in hookwire.OUTBOX_ERROR_CODES:
        raised = errors.from_code(code, "x")
        assert raised.code == code and type(raised).__name__ != "WebhookError"


def test_records_are_made_by_the_outbox_only():
    for cls in (hookwire.EndpointRecord, hookwire.DeliveryRecord, hookwire.AttemptRecord, hookwire.MessageRecord,
                hookwire.EndpointStats, hookwire.OutboxMetrics, hookwire.WorkerReport, hookwire.Purged):
        with pytest.raises(hookwire.InvalidArgument, match="no constructor"):
            cls()


def test_the_stubs_type_a_use_of_the_outbox_and_catch_misuse(tmp_path):
    from test_typing import HERE, mypy

    result = mypy(HERE / "typed_outbox_usage.py")
    assert result.returncode == 0, result.stdout + result.stderr
    wrong = tmp_path / "wrong_outbox.py"
    wrong.write_text("import hookwire\n"
                     "o = hookwire.Outbox('sqlite:///x.db')\n"
                     "n: int = o.publish('order.created', {})\n"
                     "o.deliveries(status='done')\n")
    result = mypy(wrong)
    assert result.returncode != 0 and "incompatible types" in result.stdout.lower(), result.stdout
    assert "done" in result.stdout, result.stdout
