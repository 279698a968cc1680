"""Issue 11, the Python binding's part: every failure is a WebhookError with a code, and an
argument error names the argument (§8); header names fold ASCII only (§7)."""

import datetime
import inspect

import pytest

import hookwire
from hookwire import _hookwire, integrations

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
NOW = 1_700_000_000
BODY = b'{"id":"evt_1","type":"order.created","data":{"id":1001,"total_amount":45.99}}'
SIGNED = hookwire.Signer(SECRET).sign(BODY, msg_id="msg_1", timestamp=NOW)
POLICY = hookwire.RetryPolicy.from_name("svix")
OUTCOME = hookwire.Outcome.response(500)
EVENT = hookwire.sample_event("order.created")
URL = "https://example.com/hooks"
AT = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)

# One row per input class: the call, and the argument its error must name.
WRONG_TYPES = [
    # a number (or None) where text belongs
    ("scheme=5", lambda: hookwire.Verifier(SECRET, scheme=5), "scheme"),
    ("Signer scheme=5", lambda: hookwire.Signer(SECRET, scheme=5), "scheme"),
    ("msg_id=5", lambda: hookwire.Signer(SECRET).sign(BODY, msg_id=5), "msg_id"),
    ("event_type=[]", lambda: hookwire.Signer(SECRET).sign(BODY, event_type=[]), "event_type"),
    ("check_url(5)", lambda: hookwire.UrlGuard().check_url(5), "url"),
    ("check_ip(None)", lambda: hookwire.UrlGuard().check_ip(None), "address"),
    ("Endpoint(5, secret)", lambda: hookwire.Endpoint(5, SECRET), "url"),
    ("matches_type(5)", lambda: hookwire.Subscription().matches_type(5), "event_type"),
    ("sample_event(5)", lambda: hookwire.sample_event(5), "event_type"),
    ("response_status(None)", lambda: hookwire.response_status(None), "code"),
    ("encode(5)", lambda: EVENT.encode(5), "dialect"),
    ("parse_event dialect=5", lambda: hookwire.parse_event(BODY, dialect=5), "dialect"),
    ("parse_event type_hint=5", lambda: hookwire.parse_event(BODY, type_hint=5), "type_hint"),
    ("RetryPolicy.from_name(5)", lambda: hookwire.RetryPolicy.from_name(5), "name"),
    ("Outcome.transport(5)", lambda: hookwire.Outcome.transport(5), "failure"),
    ("Delivery(5, AT)", lambda: hookwire.Delivery(5, AT), "id"),
    ("Delivery.from_json(5)", lambda: hookwire.Delivery.from_json(5), "text"),
    ("Scheduler.schedule(5, AT)", lambda: hookwire.Scheduler().schedule(5, AT), "key"),
    ("5 in Scheduler()", lambda: 5 in hookwire.Scheduler(), "key"),
    ("with_jitter(5)", lambda: POLICY.with_jitter(5), "kind"),
    # text that is not Unicode (a lone surrogate)
    ("scheme with a lone surrogate", lambda: hookwire.Verifier(SECRET, scheme="hook\ud800"), "scheme"),
    ("msg_id with a lone surrogate", lambda: hookwire.Signer(SECRET).sign(BODY, msg_id="m\udc00"), "msg_id"),
    ("check_url with a lone surrogate", lambda: hookwire.UrlGuard().check_url("https://\ud800.example/"), "url"),
    # negative, fractional, too large or not a number
    ("tolerance=-1", lambda: hookwire.Verifier(SECRET, tolerance=-1), "tolerance"),
    ("tolerance=1.5", lambda: hookwire.Verifier(SECRET, tolerance=1.5), "tolerance"),
    ("tolerance='300'", lambda: hookwire.Verifier(SECRET, tolerance="300"), "tolerance"),
    ("tolerance=True", lambda: hookwire.Verifier(SECRET, tolerance=True), "tolerance"),
    ("max_body=-1", lambda: hookwire.Verifier(SECRET, max_body=-1), "max_body"),
    ("replay_capacity=2**64", lambda: hookwire.Verifier(SECRET, replay_capacity=2**64), "replay_capacity"),
    ("now=2**63", lambda: hookwire.Verifier(SECRET).verify(BODY, SIGNED, now=2**63), "now"),
    ("now='now'", lambda: hookwire.Verifier(SECRET).verify(BODY, SIGNED, now="now"), "now"),
    ("timestamp=2**63", lambda: hookwire.Signer(SECRET).sign(BODY, timestamp=2**63), "timestamp"),
    ("Outcome.response(70_000)", lambda: hookwire.Outcome.response(70_000), "status"),
    ("Outcome.response('200')", lambda: hookwire.Outcome.response("200"), "status"),
    ("elapsed=-5", lambda: hookwire.Outcome.response(200, elapsed=-5), "elapsed"),
    ("elapsed=timedelta(-1)", lambda: hookwire.Outcome.transport("dns", elapsed=datetime.timedelta(seconds=-1)), "elapsed"),
    ("exponential factor='2'", lambda: hookwire.RetryPolicy.exponential("x", 1, "2", 4, 3), "factor"),
    ("exponential initial='1s'", lambda: hookwire.RetryPolicy.exponential("x", "1s", 2.0, 4, 3), "initial"),
    ("with_max_attempts(2**32)", lambda: POLICY.with_max_attempts(2**32), "max_attempts"),
    ("with_seed(-1)", lambda: POLICY.with_seed(-1), "seed"),
    ("with_max_age(-1.5)", lambda: POLICY.with_max_age(-1.5), "max_age"),
    ("with_max_age(None)", lambda: POLICY.with_max_age(None), "max_age"),
    ("next(attempt=-1)", lambda: POLICY.next(-1, AT, AT, OUTCOME), "attempt"),
    ("pop_due(limit=-1)", lambda: hookwire.Scheduler().pop_due(AT, -1), "limit"),
    ("EndpointHealth(disable_after=-1)", lambda: hookwire.EndpointHealth(disable_after=-1), "disable_after"),
    ("EndpointHealth(disable_after_failures='3')", lambda: hookwire.EndpointHealth(disable_after_failures="3"), "disable_after_failures"),
    ("Delivery(response_body_limit=-1)", lambda: hookwire.Delivery("m", AT, response_body_limit=-1), "response_body_limit"),
    # a scalar where a list belongs
    ("patterns='order.*'", lambda: hookwire.Subscription(patterns="order.*"), "patterns"),
    ("patterns=[5]", lambda: hookwire.Subscription(patterns=[5]), "patterns"),
    ("check_resolved('1.2.3.4')", lambda: hookwire.UrlGuard().check_resolved("1.2.3.4"), "addresses"),
    ("allow='10.0.0.0/8'", lambda: hookwire.UrlGuard(allow="10.0.0.0/8"), "allow"),
    ("table('t', 5)", lambda: hookwire.RetryPolicy.table("t", 5), "delays"),
    ("table('t', [-1])", lambda: hookwire.RetryPolicy.table("t", [-1]), "delays"),
    ("table('t', ['1m'])", lambda: hookwire.RetryPolicy.table("t", ["1m"]), "delays"),
    # a flag that is not a bool
    ("https_only='yes'", lambda: hookwire.UrlGuard(https_only="yes"), "https_only"),
    ("strict=1", lambda: hookwire.parse_event(BODY, strict=1), "strict"),
    ("active='no'", lambda: hookwire.Subscription(active="no"), "active"),
    # a plain value where a hookwire object belongs
    ("matches({})", lambda: hookwire.Subscription().matches({"type": "order.created"}), "event"),
    ("next(outcome=500)", lambda: POLICY.next(1, AT, AT, 500), "outcome"),
    ("record(policy='svix')", lambda: hookwire.Delivery("m", AT).record("svix", AT, OUTCOME, b"", AT), "policy"),
    ("health.record(None)", lambda: hookwire.EndpointHealth().record(None, AT), "outcome"),
    ("Endpoint(subscription=['*'])", lambda: hookwire.Endpoint(URL, SECRET, subscription=["*"]), "subscription"),
    ("Endpoint(retry=5)", lambda: hookwire.Endpoint(URL, SECRET, retry=5), "retry"),
    ("Endpoint(rate_limit=10)", lambda: hookwire.Endpoint(URL, SECRET, rate_limit=10), "rate_limit"),
    ("Endpoint(rate_limit=(0, 60))", lambda: hookwire.Endpoint(URL, SECRET, rate_limit=(0, 60)), "rate"),
    ("Endpoint(timeout=0)", lambda: hookwire.Endpoint(URL, SECRET, timeout=0), "timeout"),
    ("Endpoint(allow_private=1)", lambda: hookwire.Endpoint(URL, SECRET, allow_private=1), "allow_private"),
    ("request(msg_id=None)", lambda: hookwire.Endpoint(URL, SECRET).request(BODY, None), "msg_id"),
    # an instant that is not an aware datetime: a number could be seconds or milliseconds, a
    # naive datetime any zone
    ("Delivery(now=0)", lambda: hookwire.Delivery("m", 0), "now"),
    ("Delivery(now=naive)", lambda: hookwire.Delivery("m", datetime.datetime(2026, 1, 1)), "now"),
    ("next(first_attempt_at=0)", lambda: POLICY.next(1, 0, AT, OUTCOME), "first_attempt_at"),
    ("schedule(due=naive)", lambda: hookwire.Scheduler().schedule("k", datetime.datetime(2026, 1, 1)), "due"),
    ("health.record(now=1.5)", lambda: hookwire.EndpointHealth().record(OUTCOME, 1.5), "now"),
    ("request(now=0)", lambda: hookwire.Endpoint(URL, SECRET).request(BODY, "m", now=0), "now"),
    ("record(started_at='2026')", lambda: hookwire.Delivery("m", AT).record(POLICY, "2026", OUTCOME, b"", AT), "started_at"),
    # bytes of the wrong kind
    ("Secret.from_bytes('abc')", lambda: hookwire.Secret.from_bytes("abc"), "key"),
    ("record(response_body=5)", lambda: hookwire.Delivery("m", AT).record(POLICY, AT, OUTCOME, 5, AT), "response_body"),
    # filters and headers that cannot be read
    ("filters=[]", lambda: hookwire.Subscription(filters=[]), "filters"),
    ("filters={5: 1}", lambda: hookwire.Subscription(filters={5: 1}), "filters"),
    ("filters holding a set", lambda: hookwire.Subscription(filters={"id": {1}}), "filters"),
    ("endpoint headers={'a': 5}", lambda: hookwire.Endpoint(URL, SECRET, headers={"a": 5}), "headers"),
    ("endpoint headers={'Host': 'x'}", lambda: hookwire.Endpoint(URL, SECRET, headers={"Host": "x"}), "header"),
    # factories only
    ("Outcome()", lambda: hookwire.Outcome(), "new"),
    ("RetryPolicy()", lambda: hookwire.RetryPolicy(), "new"),
    ("Event()", lambda: hookwire.Event(), "new"),
    ("Message()", lambda: hookwire.Message(), "new"),
    ("Decision()", lambda: hookwire.Decision(), "new"),
    ("CheckedUrl()", lambda: hookwire.CheckedUrl(), "new"),
    ("Attempt()", lambda: hookwire.Attempt(), "new"),
    ("Request()", lambda: hookwire.Request(), "new"),
    ("EndpointRecord()", lambda: hookwire.EndpointRecord(), "new"),
    # framework helpers
    ("flask_webhook(5)", lambda: integrations.flask_webhook(5), "verifier"),
    ("fastapi_webhook(None)", lambda: integrations.fastapi_webhook(None), "verifier"),
]


@pytest.mark.parametrize("call, name", [(call, name) for _, call, name in WRONG_TYPES], ids=[w for w, _, _ in WRONG_TYPES])
def test_wrong_types_are_invalid_argument_naming_it(call, name):
    with pytest.raises(hookwire.InvalidArgument) as caught:
        call()
    error = caught.value
    assert error.code == "invalid_argument"
    assert f"`{name}`" in str(error), str(error)
    # Idiomatic `except TypeError` / `except ValueError` still catch it.
    assert isinstance(error, TypeError) and isinstance(error, ValueError)


DEEP = {}
_level = DEEP
for _ in range(100_000):
    _level["a"] = {}
    _level = _level["a"]


def test_a_filter_nested_deeper_than_python_recurses_is_invalid_argument():
    with pytest.raises(hookwire.InvalidArgument, match="`filters`"):
        hookwire.Subscription(filters={"x": DEEP})


@pytest.mark.parametrize("secret", [None, 5, 1.5, object(), [SECRET, None], "whsec_\ud800"], ids=repr)
def test_a_secret_that_is_not_one_is_invalid_secret(secret):
    for make in (hookwire.Verifier, hookwire.Signer, hookwire.Secret):
        with pytest.raises(hookwire.InvalidSecret) as caught:
            make(secret)
        assert caught.value.code == "invalid_secret"


@pytest.mark.parametrize(
    "value",
    [1_700_000_000, None, ["msg_1"], 1.5, object()],
    ids=["int", "None", "list", "float", "object"],
)
def test_a_header_value_that_is_not_text_is_invalid_argument(value):
    verifier = hookwire.Verifier(SECRET)
    with pytest.raises(hookwire.InvalidArgument, match="`headers`") as caught:
        verifier.verify(BODY, dict(SIGNED, **{"x-webhook-id": value}), now=NOW)
    assert "x-webhook-id" in str(caught.value)


@pytest.mark.parametrize(
    "headers",
    [5, "x-webhook-id: msg_1", b"x", [("x-webhook-id",)], [5], [("a", "b", "c")]],
    ids=["int", "str", "bytes", "one-item pair", "not a pair", "three-item pair"],
)
def test_headers_that_are_not_headers_are_invalid_argument(headers):
    with pytest.raises(hookwire.InvalidArgument, match="`headers`"):
        hookwire.Verifier(SECRET).verify(BODY, headers, now=NOW)


def test_header_names_that_are_not_text_are_invalid_argument():
    with pytest.raises(hookwire.InvalidArgument, match="header name"):
        hookwire.Verifier(SECRET).verify(BODY, {**SIGNED, 5: "x"}, now=NOW)


def test_a_lone_surrogate_in_a_header_the_scheme_does_not_read_is_ignored():
    noisy = dict(SIGNED, **{"user-agent": "a\ud800b", "x-\udc80": "v"})
    assert hookwire.Verifier(SECRET).verify(BODY, noisy, now=NOW).id == "msg_1"
    assert hookwire.Verifier(SECRET).verify(BODY, list(noisy.items()), now=NOW).id == "msg_1"


@pytest.mark.parametrize("header", ["x-webhook-id", "x-webhook-signature", "x-webhook-timestamp"])
def test_a_lone_surrogate_in_a_header_the_scheme_reads_is_malformed_header(header):
    broken = dict(SIGNED, **{header: SIGNED[header] + "\ud800"})
    with pytest.raises(hookwire.MalformedHeader):
        hookwire.Verifier(SECRET).verify(BODY, broken, now=NOW)


def test_a_response_body_is_any_bytes_like_object_or_str():
    for body in (b"busy", bytearray(b"busy"), memoryview(b"busy"), "busy"):
        delivery = hookwire.Delivery("m", AT)
        delivery.record(POLICY, AT, OUTCOME, body, AT)
        assert delivery.attempts[0].response_body == "busy"


def test_asgi_raw_byte_pairs_are_headers():
    raw = [(name.encode(), value.encode()) for name, value in SIGNED.items()] + [(b"host", b"example.com")]
    assert hookwire.Verifier(SECRET).verify(BODY, raw, now=NOW).id == "msg_1"


def test_header_names_fold_ascii_letters_only():
    slack = hookwire.Signer("slack-signing-secret-0123456789", scheme="slack").sign(BODY, timestamp=NOW)
    verifier = hookwire.Verifier("slack-signing-secret-0123456789", scheme="slack")
    kelvin = {name.replace("slack", "slac\u212a"): value for name, value in slack.items()}
    assert "slac\u212a".lower() == "slack"  # what Unicode lowercasing would match
    for headers in (kelvin, list(kelvin.items())):
        with pytest.raises(hookwire.MissingHeader):
            verifier.verify(BODY, headers, now=NOW)
    upper = {name.upper(): value for name, value in slack.items()}
    assert verifier.verify(BODY, upper, now=NOW).timestamp == NOW


HUGE = "1" * 5000  # longer than Python converts to int by default (4300 digits)


@pytest.mark.parametrize(
    "body",
    [
        b'{"type":"order.created","data":{"id":1,"note":' + HUGE.encode() + b"}}",
        b'{"type":"order.created","data":{"id":' + HUGE.encode() + b"}}",
        b'{"type":"invoice.paid","data":{"lines":[1,{"n":' + HUGE.encode() + b"}]}}",
    ],
    ids=["an untyped field", "a typed id", "the data of another family"],
)
def test_event_data_python_cannot_read_is_invalid_payload(body):
    event = hookwire.parse_event(body)
    with pytest.raises(hookwire.InvalidPayload) as caught:
        event.data
    assert caught.value.code == "invalid_payload"
    assert HUGE in event.data_json()  # the exact text is still there


@pytest.mark.parametrize(
    "body",
    [b"not json", b"\xff\xfe", b"[" * 100_000 + b"]" * 100_000, b'{"n":' + HUGE.encode() + b"}"],
    ids=["not json", "not utf-8", "nested 100000 deep", "an int of 5000 digits"],
)
def test_message_json_of_a_body_python_cannot_read_is_invalid_payload(body):
    headers = hookwire.Signer(SECRET).sign(body, msg_id="m", timestamp=NOW)
    message = hookwire.Verifier(SECRET).verify(body, headers, now=NOW)
    with pytest.raises(hookwire.InvalidPayload) as caught:
        message.json()
    assert isinstance(caught.value, ValueError)


WRONG = [None, -1, 1.5, 2**64, "x", "a\ud800", b"x", True, [], [1], {}, {"a": 1}, set(), object(), float("nan"), lambda: 0]


def _arity(call, default):
    """How many positional arguments `call` takes (pyo3 gives text signatures)."""
    try:
        parameters = inspect.signature(call).parameters.values()
    except (TypeError, ValueError):
        return default
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(1 for p in parameters if p.kind in kinds and p.name not in ("self", "cls"))


def _callables():
    """Every public function, constructor and method of the extension module (and the framework
    helpers), each with how many positional arguments it takes."""
    instances = {
        "Secret": hookwire.Secret(SECRET),
        "Signer": hookwire.Signer(SECRET),
        "Verifier": hookwire.Verifier(SECRET),
        "Message": hookwire.Verifier(SECRET).verify(BODY, SIGNED, now=NOW),
        "Event": EVENT,
        "Subscription": hookwire.Subscription(),
        "Endpoint": hookwire.Endpoint(URL, SECRET),
        "Outcome": OUTCOME,
        "Decision": POLICY.next(1, AT, AT, OUTCOME),
        "RetryPolicy": POLICY,
        "Delivery": hookwire.Delivery("m", AT),
        "Scheduler": hookwire.Scheduler(),
        "EndpointHealth": hookwire.EndpointHealth(),
        "UrlGuard": hookwire.UrlGuard(),
        "CheckedUrl": hookwire.UrlGuard().check_url(URL),
    }
    for name, value in vars(_hookwire).items():
        if name.startswith("_") or not callable(value):
            continue
        if not isinstance(value, type):
            yield name, value, _arity(value, 4)
            continue
        yield f"{name}()", value, _arity(value, 4)
        for attr in dir(value):
            if attr.startswith("_") and attr != "__contains__":
                continue
            member = inspect.getattr_static(value, attr)
            if isinstance(member, staticmethod):
                yield f"{name}.{attr}", getattr(value, attr), _arity(getattr(value, attr), 5)
            elif callable(member) and name in instances:
                bound = getattr(instances[name], attr)
                yield f"{name}#{attr}", bound, _arity(bound, 5)
    for name in ("fastapi_webhook", "flask_webhook", "django_webhook"):
        yield name, getattr(integrations, name), 1


def test_every_public_callable_answers_wrong_types_with_a_webhook_error():
    calls = list(_callables())
    assert len(calls) > 60, [label for label, _, _ in calls]
    for label, call, arity in calls:
        for wrong in WRONG:
            for at in range(arity):
                # The wrong value at one position, valid-looking text at the others.
                args = ["order.created"] * arity
                args[at:at + 1] = [wrong]
                try:
                    call(*args)
                except hookwire.WebhookError:
                    pass
                except Exception as error:  # noqa: BLE001 - the point: nothing else may escape
                    pytest.fail(f"{label}{tuple(args)!r}: {type(error).__name__}: {error}")


# Members of a sender's envelope named like the native envelope's keys (the Kotlin binding once
# rebuilt events from the native JSON and lost them; every binding holds the core's event).
FOREIGN_MEMBERS = {
    "ops-center": '{"event":"order.created","data":{"id":5},"id":"keep-me","type":"keep-type","actor":"keep-actor"}',
    "homechef": '{"event":"order.created","timestamp":"2025-08-08T10:00:00Z","data":{"id":5},"webhook_id":"wh_1",'
    '"delivery_id":"d1","id":"keep-id","type":"keep-type","actor":"keep-actor"}',
    "webnet": '{"event_type":"order.created","event_timestamp":"2025-08-08T10:00:00Z","actor":{"id":1},"order":{"id":5},'
    '"id":"keep-id","type":"keep-type","timestamp":"keep-ts","data":"keep-data"}',
    "auraconnect": '{"id":"evt_1","type":"order.created","created":1700000000,"data":{"object":{"id":5}},'
    '"timestamp":"keep-ts","actor":"keep-actor"}',
}


@pytest.mark.parametrize("dialect", FOREIGN_MEMBERS)
def test_encode_keeps_members_named_like_native_keys(dialect):
    body = FOREIGN_MEMBERS[dialect].encode()
    assert hookwire.parse_event(body, dialect=dialect).encode(dialect) == body
