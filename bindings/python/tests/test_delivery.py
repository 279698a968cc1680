"""The sender side through Python: retry policies, outcomes, deliveries, the scheduler,
endpoint health, the URL guard and subscriptions (instants in unix ms)."""

import json

import pytest

import hookwire

MINUTE = 60_000


def test_presets_follow_their_documents():
    assert hookwire.RETRY_POLICIES == ["standard-webhooks", "svix", "ops-center", "webnet", "homechef", "auraconnect"]
    # Standard Webhooks: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (svix: same).
    svix = hookwire.RetryPolicy.from_name("svix")
    assert svix.schedule() == [0, 5_000, 5 * MINUTE, 30 * MINUTE, 120 * MINUTE, 300 * MINUTE, 600 * MINUTE, 600 * MINUTE]
    # webnet: first retry after 60 s, doubling, 3 retries.
    assert hookwire.RetryPolicy.from_name("webnet").schedule() == [0, MINUTE, 2 * MINUTE, 4 * MINUTE]
    # AuraConnect: 10 s, 30 s, 1 min, 5 min, 30 min.
    assert hookwire.RetryPolicy.from_name("auraconnect").schedule() == [0, 10_000, 30_000, MINUTE, 5 * MINUTE, 30 * MINUTE]
    with pytest.raises(hookwire.InvalidArgument) as err:
        hookwire.RetryPolicy.from_name("hourly")
    assert err.value.code == "invalid_argument"


def test_decisions_for_each_kind_of_outcome():
    policy = hookwire.RetryPolicy.table("t", [0, 1_000, 2_000])
    assert policy.attempts == 3 and policy.name == "t"
    down = hookwire.Outcome.response(500, elapsed_ms=20)
    assert (down.outcome_class, down.status, down.is_success, down.elapsed_ms) == ("retryable", 500, False, 20)
    retry = policy.next(1, 0, 100, down)
    assert (retry.action, retry.at, retry.delay_ms, retry.reason) == ("retry", 1_100, 1_000, None)
    assert policy.next(3, 0, 100, down).action == "give_up"
    assert policy.next(3, 0, 100, down).reason == "exhausted"
    assert policy.next(1, 0, 100, hookwire.Outcome.response(204)).action == "done"
    gone = hookwire.Outcome.response(410)
    assert gone.outcome_class == "endpoint_gone" and gone.disables_endpoint
    assert policy.next(1, 0, 100, gone).action == "give_up"
    timeout = hookwire.Outcome.transport("timeout", elapsed_ms=15_000)
    assert (timeout.outcome_class, timeout.failure, timeout.status) == ("retryable", "timeout", None)
    with pytest.raises(hookwire.InvalidArgument):
        hookwire.Outcome.transport("eof")


def test_retry_after_is_honoured_from_any_header_mapping():
    policy = hookwire.RetryPolicy.table("t", [0, 1_000, 2_000])
    throttled = hookwire.Outcome.response(503, [("Retry-After", "120")])
    assert throttled.outcome_class == "throttled"
    decision = policy.next(1, 0, 0, throttled)
    assert decision.action == "retry" and decision.delay_ms == 120_000
    aborted = hookwire.Outcome.response(500, {"Webhook-Delivery": "abort-message"})
    assert aborted.outcome_class == "aborted"
    assert policy.next(1, 0, 0, aborted).action == "give_up"


def test_jitter_is_seeded_and_validated():
    base = hookwire.RetryPolicy.exponential("exp", 1_000, 2.0, 60_000, 8)
    assert base.schedule() == [0, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000]
    down = hookwire.Outcome.response(500)
    jittered = base.with_jitter("proportional", 0.5).with_seed(7)
    delays = [jittered.next(n, 0, 0, down).delay_ms for n in range(1, 8)]
    assert delays == [jittered.with_seed(7).next(n, 0, 0, down).delay_ms for n in range(1, 8)]
    assert all(0.5 * nominal <= d <= 1.5 * nominal for d, nominal in zip(delays, base.schedule()[1:]))
    assert delays != [base.with_jitter("proportional", 0.5).with_seed(8).next(n, 0, 0, down).delay_ms for n in range(1, 8)]
    with pytest.raises(hookwire.InvalidArgument):
        base.with_jitter("wobbly")
    with pytest.raises(hookwire.InvalidArgument):
        base.with_jitter("full", 0.3)
    with pytest.raises(hookwire.InvalidArgument):
        hookwire.RetryPolicy.exponential("bad", 0, 2.0, 1_000, 3)
    assert base.with_max_attempts(2).next(2, 0, 0, down).action == "give_up"
    assert base.with_max_age(500).next(1, 0, 1_000, down).action == "give_up"


def test_delivery_runs_to_failure_then_a_manual_retry_succeeds():
    policy = hookwire.RetryPolicy.from_name("webnet")
    delivery = hookwire.Delivery("msg_1", 0)
    down = hookwire.Outcome.response(500, elapsed_ms=10)
    while delivery.due is not None:
        start = delivery.due
        delivery.record(policy, start, down, b"oops", start + 10)
    assert [a.started_at for a in delivery.attempts] == [0, 60_010, 180_020, 420_030]
    assert delivery.state == "failed"
    first = delivery.attempts[0]
    assert (first.number, first.status, first.outcome_class, first.response_body, first.manual) == (1, 500, "retryable", "oops", False)
    with pytest.raises(hookwire.InvalidState) as err:
        delivery.record(policy, 500_000, down, b"", 500_010)
    assert err.value.code == "invalid_state"

    stored = delivery.to_json()
    again = hookwire.Delivery.from_json(stored)
    again.retry(500_000)
    assert (again.state, again.due) == ("pending", 500_000)
    assert again.record(policy, 500_000, hookwire.Outcome.response(200, elapsed_ms=5), b"", 500_005) == "succeeded"
    assert again.attempts[-1].manual and len(again.attempts) == 5
    assert json.loads(again.to_json())["state"]["state"] == "succeeded"
    with pytest.raises(hookwire.InvalidArgument):
        hookwire.Delivery.from_json('{"id": 1}')


def test_delivery_cuts_long_response_bodies_and_can_be_cancelled():
    delivery = hookwire.Delivery("msg_2", 0, response_body_limit=8)
    delivery.record(hookwire.RetryPolicy.from_name("svix"), 0, hookwire.Outcome.response(502), "é".encode() * 10, 0)
    attempt = delivery.attempts[0]
    assert attempt.response_truncated and attempt.response_body == "éééé"
    delivery.cancel(10)
    assert delivery.state == "cancelled" and delivery.due is None
    with pytest.raises(hookwire.InvalidState):
        delivery.cancel(11)


def test_scheduler_orders_cancels_and_reschedules():
    scheduler = hookwire.Scheduler()
    assert scheduler.next_due() is None and len(scheduler) == 0
    assert scheduler.schedule("b", 200) and scheduler.schedule("a", 100) and scheduler.schedule("c", 300)
    assert not scheduler.schedule("c", 50)  # moved, not added
    assert (len(scheduler), scheduler.len(), "a" in scheduler, scheduler.contains("z")) == (3, 3, True, False)
    assert scheduler.next_due() == 50
    assert scheduler.cancel("b") and not scheduler.cancel("b")
    assert scheduler.reschedule("a", 400) and not scheduler.reschedule("zz", 1)
    assert scheduler.pop_due(100) == [("c", 50)]
    assert scheduler.pop_due(1_000, limit=10) == [("a", 400)]
    assert len(scheduler) == 0


def test_endpoint_health_disables_and_recovers():
    health = hookwire.EndpointHealth(disable_after_failures=3)
    down = hookwire.Outcome.response(503)
    assert health.record(down, 1_000) == "started_failing"
    assert health.record(down, 2_000) is None
    assert (health.consecutive_failures, health.failing_since) == (2, 1_000)
    assert health.record(down, 3_000) == "disabled"
    assert health.is_disabled and health.disabled_reason == "consecutive_failures"
    health.enable()
    assert not health.is_disabled

    by_time = hookwire.EndpointHealth()  # default: failing for 5 days
    by_time.record(down, 0)
    assert by_time.record(down, 4 * 86_400_000) is None
    assert by_time.record(down, 5 * 86_400_000 + 1) == "disabled" and by_time.disabled_reason == "failing_for"
    never = hookwire.EndpointHealth(disable_after_ms=None)
    never.record(down, 0)
    assert never.record(down, 100 * 86_400_000) is None
    gone = hookwire.EndpointHealth()
    assert gone.record(hookwire.Outcome.response(410), 5) == "disabled" and gone.disabled_reason == "gone"
    recovering = hookwire.EndpointHealth()
    recovering.record(down, 0)
    assert recovering.record(hookwire.Outcome.response(200), 10) == "recovered"


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
    sub = hookwire.Subscription("https://hooks.example.com/in", ["order.*"])
    assert (sub.url, sub.patterns, sub.is_active) == ("https://hooks.example.com/in", ["order.*"], True)
    assert sub.matches(order) and sub.matches_type("order.updated") and not sub.matches_type("user.created")
    assert not hookwire.Subscription("https://h.example.com/", ["order.*"], active=False).matches(order)
    assert hookwire.Subscription("https://h.example.com/", filters={"restaurant_id": 1}).matches(order)
    assert not hookwire.Subscription("https://h.example.com/", filters={"restaurant_id": "1"}).matches(order)
    with pytest.raises(hookwire.InvalidArgument):
        hookwire.Subscription("https://h.example.com/", ["order.*", "bogus pattern"])
    with pytest.raises(hookwire.InvalidArgument):
        hookwire.Subscription("https://h.example.com/", headers={"Content-Length": "5"})
    with pytest.raises(hookwire.InvalidArgument):
        hookwire.Subscription("not a url")


def test_send_over_real_http_then_retry_after_a_failure():
    """The README's sender loop against a local receiver that fails once, then verifies."""
    import http.server
    import threading

    import httpx

    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
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
    signer = hookwire.Signer(secret, scheme="standard-webhooks")
    policy = hookwire.RetryPolicy.from_name("standard-webhooks")
    guard = hookwire.UrlGuard(allow=["127.0.0.0/8"])
    with pytest.raises(hookwire.BlockedUrl):
        hookwire.UrlGuard().check_url(url)

    def send_once(delivery, body, now_ms):
        guard.check_url(url)
        headers = signer.sign(body, msg_id=delivery.id)
        try:
            r = httpx.post(url, content=body, headers=headers, timeout=15, follow_redirects=False)
        except httpx.TransportError as err:
            failure = "timeout" if isinstance(err, httpx.TimeoutException) else "connect"
            return delivery.record(policy, now_ms, hookwire.Outcome.transport(failure), b"", now_ms)
        outcome = hookwire.Outcome.response(r.status_code, r.headers, int(r.elapsed.total_seconds() * 1000))
        return delivery.record(policy, now_ms, outcome, r.content, now_ms + outcome.elapsed_ms)

    try:
        delivery = hookwire.Delivery("msg_http_1", 0)
        body = b'{"type":"order.created","data":{"id":1}}'
        assert send_once(delivery, body, 0) == "retrying"
        assert delivery.attempts[0].outcome_class == "throttled"
        assert delivery.due >= 7_000  # the receiver's Retry-After is honoured
        assert send_once(delivery, body, delivery.due) == "succeeded"
        assert seen == ["msg_http_1", "msg_http_1"]
    finally:
        server.shutdown()
