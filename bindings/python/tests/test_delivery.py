"""The sender side through Python: endpoints and their requests, retry policies, outcomes,
deliveries, the scheduler, endpoint health, the URL guard and subscriptions. Instants are aware
datetimes and spans timedeltas (or seconds), never bare integers of an unstated unit."""

import json
from datetime import datetime, timedelta, timezone

import pytest

import hookwire

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SECOND = timedelta(seconds=1)
MINUTE = timedelta(minutes=1)


def test_presets_follow_their_documents():
    # Every preset by name (RETRY_POLICIES is the core's table: test_api.py).
    for name in hookwire.RETRY_POLICIES:
        assert hookwire.RetryPolicy.from_name(name).name == name
    # Standard Webhooks: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (svix: same).
    svix = hookwire.RetryPolicy.from_name("svix")
    assert svix.schedule() == [timedelta(0), 5 * SECOND, 5 * MINUTE, 30 * MINUTE, 120 * MINUTE, 300 * MINUTE, 600 * MINUTE, 600 * MINUTE]
    # webnet: first retry after 60 s, doubling, 3 retries.
    assert hookwire.RetryPolicy.from_name("webnet").schedule() == [timedelta(0), MINUTE, 2 * MINUTE, 4 * MINUTE]
    # AuraConnect: 10 s, 30 s, 1 min, 5 min, 30 min; nothing after 7 days.
    auraconnect = hookwire.RetryPolicy.from_name("auraconnect")
    assert auraconnect.schedule() == [timedelta(0), 10 * SECOND, 30 * SECOND, MINUTE, 5 * MINUTE, 30 * MINUTE]
    assert auraconnect.max_age == timedelta(days=7)
    with pytest.raises(hookwire.InvalidArgument) as err:
        hookwire.RetryPolicy.from_name("hourly")
    assert err.value.code == "invalid_argument"


def test_decisions_for_each_kind_of_outcome():
    policy = hookwire.RetryPolicy.table("t", [0, 1, timedelta(seconds=2)])  # seconds or timedeltas
    assert (policy.max_attempts, policy.max_age, policy.name) == (3, None, "t")
    down = hookwire.Outcome.response(500, elapsed=timedelta(milliseconds=20))
    assert (down.outcome_class, down.status, down.is_success, down.elapsed) == ("retryable", 500, False, timedelta(milliseconds=20))
    now = T0 + timedelta(milliseconds=100)
    retry = policy.next(1, T0, now, down)
    assert (retry.action, retry.at, retry.delay, retry.reason) == ("retry", now + SECOND, SECOND, None)
    assert retry.at.tzinfo is not None
    assert policy.next(3, T0, now, down).action == "give_up"
    assert policy.next(3, T0, now, down).reason == "exhausted"
    assert policy.next(1, T0, now, hookwire.Outcome.response(204)).action == "done"
    gone = hookwire.Outcome.response(410)
    assert gone.outcome_class == "endpoint_gone" and gone.disables_endpoint
    assert policy.next(1, T0, now, gone).action == "give_up"
    timeout = hookwire.Outcome.transport("timeout", elapsed=15)
    assert (timeout.outcome_class, timeout.failure, timeout.status, timeout.elapsed) == ("retryable", "timeout", None, 15 * SECOND)
    with pytest.raises(hookwire.InvalidArgument):
        hookwire.Outcome.transport("eof")


def test_an_instant_in_any_zone_is_the_same_instant():
    policy = hookwire.RetryPolicy.table("t", [0, 60])
    paris = timezone(timedelta(hours=1))
    down = hookwire.Outcome.response(500)
    in_utc = policy.next(1, T0, T0, down)
    in_paris = policy.next(1, T0.astimezone(paris), T0.astimezone(paris), down)
    assert in_utc.at == in_paris.at == T0 + MINUTE
    assert in_paris.at.utcoffset() == timedelta(0)  # instants come back in UTC


def test_retry_after_is_honoured_from_any_header_mapping():
    policy = hookwire.RetryPolicy.table("t", [0, 1, 2])
    throttled = hookwire.Outcome.response(503, [("Retry-After", "120")])
    assert throttled.outcome_class == "throttled"
    decision = policy.next(1, T0, T0, throttled)
    assert decision.action == "retry" and decision.delay == 2 * MINUTE
    aborted = hookwire.Outcome.response(500, {"Webhook-Delivery": "abort-message"})
    assert aborted.outcome_class == "aborted"
    assert policy.next(1, T0, T0, aborted).action == "give_up"


def test_jitter_is_seeded_and_validated():
    base = hookwire.RetryPolicy.exponential("exp", SECOND, 2.0, MINUTE, 8)
    assert base.schedule() == [timedelta(0)] + [n * SECOND for n in (1, 2, 4, 8, 16, 32, 60)]
    down = hookwire.Outcome.response(500)
    jittered = base.with_jitter("proportional", 0.5).with_seed(7)
    delays = [jittered.next(n, T0, T0, down).delay for n in range(1, 8)]
    assert delays == [jittered.with_seed(7).next(n, T0, T0, down).delay for n in range(1, 8)]
    assert all(0.5 * nominal <= d <= 1.5 * nominal for d, nominal in zip(delays, base.schedule()[1:]))
    assert delays != [base.with_jitter("proportional", 0.5).with_seed(8).next(n, T0, T0, down).delay for n in range(1, 8)]
    with pytest.raises(hookwire.InvalidArgument):
        base.with_jitter("wobbly")
    with pytest.raises(hookwire.InvalidArgument):
        base.with_jitter("full", 0.3)
    with pytest.raises(hookwire.InvalidArgument):
        hookwire.RetryPolicy.exponential("bad", 0, 2.0, 1, 3)
    assert base.with_max_attempts(2).max_attempts == 2
    assert base.with_max_attempts(2).next(2, T0, T0, down).action == "give_up"
    aged = base.with_max_age(timedelta(milliseconds=500))
    assert aged.max_age == timedelta(milliseconds=500)
    assert aged.next(1, T0, T0 + SECOND, down).action == "give_up"


def test_delivery_runs_to_failure_then_a_manual_retry_succeeds():
    policy = hookwire.RetryPolicy.from_name("webnet")
    delivery = hookwire.Delivery("msg_1", T0)
    took = timedelta(milliseconds=10)
    down = hookwire.Outcome.response(500, elapsed=took)
    while delivery.due is not None:
        start = delivery.due
        delivery.record(policy, start, down, b"oops", start + took)
    assert [a.started_at - T0 for a in delivery.attempts] == [
        timedelta(0), timedelta(seconds=60.01), timedelta(seconds=180.02), timedelta(seconds=420.03)]
    assert delivery.state == "failed"
    first = delivery.attempts[0]
    assert (first.number, first.status, first.outcome_class, first.response_body, first.manual, first.duration) == (
        1, 500, "retryable", "oops", False, took)
    later = T0 + timedelta(minutes=10)
    with pytest.raises(hookwire.InvalidState) as err:
        delivery.record(policy, later, down, b"", later + took)
    assert err.value.code == "invalid_state"

    stored = delivery.to_json()
    again = hookwire.Delivery.from_json(stored)
    again.retry(later)
    assert (again.state, again.due) == ("pending", later)
    ok = hookwire.Outcome.response(200, elapsed=0.005)
    assert again.record(policy, later, ok, b"", later + ok.elapsed) == "succeeded"
    assert again.attempts[-1].manual and len(again.attempts) == 5
    assert json.loads(again.to_json())["state"]["state"] == "succeeded"
    with pytest.raises(hookwire.InvalidArgument):
        hookwire.Delivery.from_json('{"id": 1}')


def test_delivery_cuts_long_response_bodies_and_can_be_cancelled():
    delivery = hookwire.Delivery("msg_2", T0, response_body_limit=8)
    delivery.record(hookwire.RetryPolicy.from_name("svix"), T0, hookwire.Outcome.response(502), "é".encode() * 10, T0)
    attempt = delivery.attempts[0]
    assert attempt.response_truncated and attempt.response_body == "éééé"
    delivery.cancel(T0 + SECOND)
    assert delivery.state == "cancelled" and delivery.due is None
    with pytest.raises(hookwire.InvalidState):
        delivery.cancel(T0 + 2 * SECOND)


def test_scheduler_orders_cancels_and_reschedules():
    scheduler = hookwire.Scheduler()
    at = [T0 + n * SECOND for n in range(5)]
    assert scheduler.next_due() is None and len(scheduler) == 0
    assert scheduler.schedule("b", at[2]) and scheduler.schedule("a", at[1]) and scheduler.schedule("c", at[3])
    assert not scheduler.schedule("c", at[0])  # moved, not added
    assert (len(scheduler), scheduler.len(), "a" in scheduler, scheduler.contains("z")) == (3, 3, True, False)
    assert scheduler.next_due() == at[0]
    assert scheduler.cancel("b") and not scheduler.cancel("b")
    assert scheduler.reschedule("a", at[4]) and not scheduler.reschedule("zz", at[1])
    assert scheduler.pop_due(at[1]) == [("c", at[0])]
    assert scheduler.pop_due(at[4] + MINUTE, limit=10) == [("a", at[4])]
    assert len(scheduler) == 0


def test_endpoint_health_disables_and_recovers():
    health = hookwire.EndpointHealth(disable_after_failures=3)
    assert (health.disable_after, health.disable_after_failures) == (timedelta(days=5), 3)
    down = hookwire.Outcome.response(503)
    assert health.record(down, T0 + SECOND) == "started_failing"
    assert health.record(down, T0 + 2 * SECOND) is None
    assert (health.consecutive_failures, health.failing_since) == (2, T0 + SECOND)
    assert health.record(down, T0 + 3 * SECOND) == "disabled"
    assert health.is_disabled and health.disabled_reason == "consecutive_failures"
    health.enable()
    assert not health.is_disabled

    by_time = hookwire.EndpointHealth()  # default: failing for 5 days
    by_time.record(down, T0)
    assert by_time.record(down, T0 + timedelta(days=4)) is None
    assert by_time.record(down, T0 + timedelta(days=5, milliseconds=1)) == "disabled" and by_time.disabled_reason == "failing_for"
    never = hookwire.EndpointHealth(disable_after=None)
    assert never.disable_after is None
    never.record(down, T0)
    assert never.record(down, T0 + timedelta(days=100)) is None
    soon = hookwire.EndpointHealth(disable_after=3600)  # seconds
    assert soon.disable_after == timedelta(hours=1)
    gone = hookwire.EndpointHealth()
    assert gone.record(hookwire.Outcome.response(410), T0) == "disabled" and gone.disabled_reason == "gone"
    recovering = hookwire.EndpointHealth()
    recovering.record(down, T0)
    assert recovering.record(hookwire.Outcome.response(200), T0 + SECOND) == "recovered"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/",
        "http://10.0.0.7:8080/",
        "http://0x7f.1/",
        "ftp://example.com/",
        "http://user:pw@example.com/",
        "http://intranet/",
    ],
)
def test_url_guard_refuses_internal_destinations(url):
    with pytest.raises(hookwire.WebhookError) as err:
        hookwire.UrlGuard().check_url(url)
    assert err.value.code in ("blocked_url", "invalid_argument")


def test_url_guard_accepts_public_and_allow_listed_destinations():
    checked = hookwire.UrlGuard().check_url("https://hooks.example.com/in")
    assert (checked.host, checked.port, checked.https) == ("hooks.example.com", 443, True)
    with pytest.raises(hookwire.BlockedUrl) as err:
        hookwire.UrlGuard().check_url("http://127.0.0.1/")
    assert err.value.code == "blocked_url"
    with pytest.raises(hookwire.BlockedUrl):
        hookwire.UrlGuard(https_only=True).check_url("http://hooks.example.com/")
    guard = hookwire.UrlGuard(allow=["10.1.0.0/16"])
    assert guard.check_url("http://10.1.2.3/").host == "10.1.2.3"
    assert guard.check_resolved(["93.184.216.34", "10.1.0.9"]) == "93.184.216.34"
    with pytest.raises(hookwire.BlockedUrl):
        hookwire.UrlGuard().check_resolved(["93.184.216.34", "10.0.0.1"])
    with pytest.raises(hookwire.BlockedUrl):
        hookwire.UrlGuard().check_ip("169.254.169.254")
    hookwire.UrlGuard().check_ip("2606:4700::1111")
    with pytest.raises(hookwire.InvalidArgument):
        hookwire.UrlGuard().check_ip("not-an-ip")
    with pytest.raises(hookwire.InvalidArgument):
        hookwire.UrlGuard(allow=["10.0.0.0/33"])


def test_subscriptions_match_patterns_flags_and_filters():
    order = hookwire.parse_event(b'{"type":"order.created","data":{"restaurant_id":1,"total_amount":5}}')
    sub = hookwire.Subscription(["order.*"])
    assert (sub.patterns, sub.filters, sub.active) == (["order.*"], {}, True)
    assert sub.matches(order) and sub.matches_type("order.updated") and not sub.matches_type("user.created")
    assert hookwire.Subscription().patterns == ["*"]
    off = hookwire.Subscription(["order.*"], active=False)
    assert not off.active and not off.matches(order)
    by_restaurant = hookwire.Subscription(filters={"restaurant_id": 1})
    assert by_restaurant.filters == {"restaurant_id": 1} and by_restaurant.matches(order)
    assert not hookwire.Subscription(filters={"restaurant_id": "1"}).matches(order)
    with pytest.raises(hookwire.InvalidArgument):
        hookwire.Subscription(["order.*", "bogus pattern"])
    with pytest.raises(TypeError):
        hookwire.Subscription(url="https://h.example.com/")  # routing only: the URL is the Endpoint's


def test_an_endpoint_signs_each_request_with_every_secret():
    old, new = SECRET, hookwire.Secret.generate().expose_text()
    endpoint = hookwire.Endpoint(
        "https://hooks.example.com/in", [old, new], scheme="standard-webhooks",
        subscription=hookwire.Subscription(["order.*"]), headers={"X-Tenant": "kitchen-7"},
    )
    body = b'{"type":"order.created","data":{"id":1}}'
    request = endpoint.request(body, "msg_1", event_type="order.created", now=T0)
    assert (request.method, request.url, request.body) == ("POST", "https://hooks.example.com/in", body)
    assert request.headers["webhook-id"] == "msg_1"
    assert request.headers["webhook-timestamp"] == str(int(T0.timestamp()))
    assert (request.headers["content-type"], request.headers["x-tenant"]) == ("application/json", "kitchen-7")
    assert len(request.headers["webhook-signature"].split()) == 2  # one signature per secret
    # Either receiver verifies it: the one still on the old secret and the one on the new.
    for secret in (old, new):
        message = hookwire.Verifier(secret, scheme="standard-webhooks").verify(request.body, request.headers, now=int(T0.timestamp()))
        assert message.id == "msg_1"
    # Each attempt is signed afresh: a later now, a later timestamp, the same id.
    later = endpoint.request(body, "msg_1", now=T0 + MINUTE)
    assert int(later.headers["webhook-timestamp"]) == int(T0.timestamp()) + 60
    assert later.headers["webhook-id"] == "msg_1"
    assert endpoint.matches(hookwire.sample_event("order.created"))
    assert not endpoint.matches(hookwire.sample_event("user.created"))


def test_an_endpoint_keeps_its_settings_in_python_types():
    endpoint = hookwire.Endpoint(
        "https://hooks.example.com/in", SECRET, scheme="auraconnect", retry="auraconnect",
        timeout=timedelta(seconds=10), rate_limit=(1000, timedelta(hours=1)), max_payload=256 * 1024,
    )
    assert (endpoint.url, endpoint.scheme, endpoint.max_payload) == ("https://hooks.example.com/in", "auraconnect", 262144)
    assert (endpoint.timeout, endpoint.rate_limit) == (10 * SECOND, (1000, timedelta(hours=1)))
    assert endpoint.retry_policy.name == "auraconnect" and endpoint.subscription.patterns == ["*"]
    defaults = hookwire.Endpoint("https://hooks.example.com/in", SECRET)
    assert (defaults.scheme, defaults.timeout, defaults.rate_limit, defaults.max_payload) == ("hookwire", 30 * SECOND, None, 1 << 20)
    assert defaults.retry_policy.name == "standard-webhooks" and defaults.headers == {}
    policy = hookwire.RetryPolicy.table("mine", [0, 30])
    assert hookwire.Endpoint("https://hooks.example.com/in", SECRET, retry=policy).retry_policy.schedule() == [timedelta(0), 30 * SECOND]
    assert hookwire.Endpoint("https://hooks.example.com/in", SECRET, timeout=2.5).timeout == timedelta(seconds=2.5)


def test_an_endpoint_refuses_what_it_must_not_send():
    body = b'{"type":"order.created","data":{}}'
    with pytest.raises(hookwire.PayloadTooLarge) as err:
        hookwire.Endpoint("https://hooks.example.com/in", SECRET, max_payload=8).request(body, "msg_1")
    assert (err.value.size, err.value.limit) == (len(body), 8)
    with pytest.raises(hookwire.BlockedUrl):
        hookwire.Endpoint("http://127.0.0.1:8080/in", SECRET).request(body, "msg_1")
    with pytest.raises(hookwire.BlockedUrl):
        hookwire.Endpoint("http://169.254.169.254/latest", SECRET, allow_private=True).request(body, "msg_1")
    local = hookwire.Endpoint("http://127.0.0.1:8080/in", SECRET, allow_private=True)
    assert local.request(body, "msg_1").url == "http://127.0.0.1:8080/in"
    with pytest.raises(hookwire.InvalidArgument):
        hookwire.Endpoint("not a url", SECRET)
    with pytest.raises(hookwire.InvalidSecret):
        hookwire.Endpoint("https://hooks.example.com/in", [])
    with pytest.raises(hookwire.UnknownScheme):
        hookwire.Endpoint("https://hooks.example.com/in", SECRET, scheme="sha1")


def test_send_over_real_http_then_retry_after_a_failure():
    """The README's sender loop against a local receiver that fails once, then verifies."""
    import http.server
    import threading

    import httpx

    secret = SECRET
    verifier = hookwire.Verifier(secret, scheme="standard-webhooks")
    seen = []

    class Receiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            message = verifier.verify(body, self.headers)  # email.message.Message: a mapping
            seen.append(message.id)
            self.send_response(503 if len(seen) == 1 else 204)
            if len(seen) == 1:
                self.send_header("Retry-After", "7")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/hooks"
    endpoint = hookwire.Endpoint(url, secret, scheme="standard-webhooks", allow_private=True)
    policy = endpoint.retry_policy
    with pytest.raises(hookwire.BlockedUrl):
        hookwire.Endpoint(url, secret).request(b"{}", "msg_x")

    def send_once(delivery, body, now):
        request = endpoint.request(body, delivery.id, now=now)  # fresh timestamp, same id
        try:
            r = httpx.post(request.url, content=request.body, headers=request.headers,
                           timeout=endpoint.timeout.total_seconds(), follow_redirects=False)
        except httpx.TransportError as err:
            failure = "timeout" if isinstance(err, httpx.TimeoutException) else "connect"
            return delivery.record(policy, now, hookwire.Outcome.transport(failure), b"", now)
        outcome = hookwire.Outcome.response(r.status_code, r.headers, r.elapsed)
        return delivery.record(policy, now, outcome, r.content, now + outcome.elapsed)

    try:
        start = datetime.now(timezone.utc)
        delivery = hookwire.Delivery("msg_http_1", start)
        body = b'{"type":"order.created","data":{"id":1}}'
        assert send_once(delivery, body, start) == "retrying"
        assert delivery.attempts[0].outcome_class == "throttled"
        assert delivery.due - start >= timedelta(seconds=7)  # the receiver's Retry-After is honoured
        assert send_once(delivery, body, delivery.due) == "succeeded"  # when it is due
        assert seen == ["msg_http_1", "msg_http_1"]
    finally:
        server.shutdown()
