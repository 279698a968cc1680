"""The Python surface: classes, exceptions and codes, headers from any mapping, raw bodies."""

import json
import pathlib
from decimal import Decimal

import pytest

import hookwire
from hookwire import errors

BODY = b'{"type":"order.created","data":{"id":1001,"total_amount":45.99}}'


def test_round_trip_with_defaults(secret):
    headers = hookwire.Signer(secret).sign(BODY)
    assert headers["x-webhook-id"].startswith("msg_")
    message = hookwire.Verifier(secret).verify(BODY, headers)
    assert message.id == headers["x-webhook-id"]
    assert message.body == BODY
    assert message.json()["data"]["total_amount"] == 45.99
    event = message.event
    assert (event.type, event.family) == ("order.created", "order")
    assert '"total_amount":45.99' in event.data_json()
    assert isinstance(event.data, hookwire.Order) and event.data.id == 1001


CORE_LISTS = json.loads((pathlib.Path(__file__).resolve().parents[3] / "bindings" / "names.json").read_text())


@pytest.mark.parametrize("constant", sorted(CORE_LISTS["constants"]))
def test_constants_are_the_core_lists(constant):
    # bindings/names.json is written from the core's tables (tests/names.rs), in their order.
    assert getattr(hookwire, constant) == CORE_LISTS["constants"][constant]


def test_every_code_has_its_exception_class():
    assert set(hookwire.ERROR_CODES) | set(hookwire.OUTBOX_ERROR_CODES) == set(errors._BY_CODE)
    for code, cls in errors._BY_CODE.items():
        assert issubclass(cls, hookwire.WebhookError) and cls.code == code
    assert issubclass(hookwire.TimestampTooOld, hookwire.TimestampOutOfTolerance)
    assert issubclass(hookwire.TimestampTooNew, hookwire.TimestampOutOfTolerance)


@pytest.mark.parametrize(
    "now, cls",
    [(1_700_000_000 + 301, hookwire.TimestampTooOld), (1_700_000_000 - 301, hookwire.TimestampTooNew)],
)
def test_tolerance_both_ways(secret, now, cls):
    headers = hookwire.Signer(secret).sign(BODY, msg_id="m1", timestamp=1_700_000_000)
    with pytest.raises(cls) as caught:
        hookwire.Verifier(secret).verify(BODY, headers, now=now)
    assert isinstance(caught.value, hookwire.TimestampOutOfTolerance)


def test_errors_carry_codes(secret):
    verifier = hookwire.Verifier(secret)
    headers = hookwire.Signer(secret).sign(BODY, msg_id="m1", timestamp=1_700_000_000)
    with pytest.raises(hookwire.InvalidSignature) as caught:
        verifier.verify(BODY + b" ", headers, now=1_700_000_000)
    assert caught.value.code == "invalid_signature" and "raw request body" in str(caught.value)
    with pytest.raises(hookwire.MissingHeader):
        verifier.verify(BODY, {}, now=1_700_000_000)
    with pytest.raises(hookwire.InvalidSecret):
        hookwire.Verifier("")
    with pytest.raises(hookwire.UnknownScheme):
        hookwire.Verifier(secret, scheme="nope")
    with pytest.raises(hookwire.PayloadTooLarge):
        hookwire.Verifier(secret, max_body=10).verify(BODY, headers, now=1_700_000_000)


@pytest.mark.parametrize("parsed", [json.loads(BODY), [1, 2]])
def test_parsed_bodies_are_refused_with_advice(secret, parsed):
    headers = hookwire.Signer(secret).sign(BODY, msg_id="m1", timestamp=1_700_000_000)
    with pytest.raises(hookwire.InvalidArgument, match="raw request body"):
        hookwire.Verifier(secret).verify(parsed, headers, now=1_700_000_000)


TEXT = '{"type":"order.created","data":{"id":1,"note":"café ☕"}}'
NOW = 1_700_000_000

# The body rule, one for every binding (Node's too): bytes-like or str, a str being its UTF-8.
# Each row takes a body and gives what the core saw of it.
BODY_TAKERS = [
    ("Verifier.verify", lambda secret, body: hookwire.Verifier(secret).verify(
        body, hookwire.Signer(secret).sign(TEXT.encode(), msg_id="m1", timestamp=NOW), now=NOW).body),
    ("Signer.sign", lambda secret, body: hookwire.Verifier(secret).verify(
        TEXT.encode(), hookwire.Signer(secret).sign(body, msg_id="m1", timestamp=NOW), now=NOW).body),
    ("parse_event", lambda secret, body: hookwire.parse_event(body).to_json()),
    ("Endpoint.request", lambda secret, body: hookwire.Endpoint("https://hooks.example.com/", secret).request(body, "m1").body),
]


@pytest.mark.parametrize("take", [t for _, t in BODY_TAKERS], ids=[n for n, _ in BODY_TAKERS])
@pytest.mark.parametrize("kind", [str, bytes, bytearray, memoryview], ids=lambda k: k.__name__)
def test_a_body_is_bytes_like_or_str_everywhere(secret, take, kind):
    body = TEXT if kind is str else kind(TEXT.encode())
    expected = take(secret, TEXT.encode())
    assert take(secret, body) == expected


def test_a_str_body_is_its_utf8_and_a_lone_surrogate_is_refused(secret):
    headers = hookwire.Signer(secret).sign(TEXT, msg_id="m1", timestamp=NOW)
    assert hookwire.Signer(secret).sign(TEXT.encode(), msg_id="m1", timestamp=NOW) == headers
    assert hookwire.Verifier(secret).verify(TEXT, headers, now=NOW).body == TEXT.encode("utf-8")
    with pytest.raises(hookwire.InvalidSignature):  # another encoding is another body
        hookwire.Verifier(secret).verify(TEXT.encode("utf-16"), headers, now=NOW)
    for take in (lambda b: hookwire.Signer(secret).sign(b), lambda b: hookwire.parse_event(b),
                 lambda b: hookwire.Verifier(secret).verify(b, headers, now=NOW)):
        with pytest.raises(hookwire.InvalidArgument, match="`body`"):
            take('{"a":"\ud800"}')


def test_headers_from_any_mapping_case_insensitively(secret):
    headers = hookwire.Signer(secret).sign(BODY, msg_id="m1", timestamp=1_700_000_000)
    verifier = hookwire.Verifier(secret)
    upper = {k.upper(): v for k, v in headers.items()}
    pairs = list(headers.items())

    class MultiItems:  # Starlette's Headers shape
        def multi_items(self):
            return [(k.title(), v) for k, v in headers.items()]

    for mapping in (headers, upper, pairs, MultiItems()):
        assert verifier.verify(BODY, mapping, now=1_700_000_000).id == "m1"
    assert verifier.verify(bytearray(BODY), headers, now=1_700_000_000).id == "m1"
    assert verifier.verify(memoryview(BODY), headers, now=1_700_000_000).id == "m1"


def test_rotation_and_replay(secret):
    old, new = hookwire.Secret.generate(), hookwire.Secret(secret)
    headers = hookwire.Signer([new, old]).sign(BODY, msg_id="m2", timestamp=1_700_000_000)
    verifier = hookwire.Verifier([old], replay_capacity=1000)
    message = verifier.verify(BODY, headers, now=1_700_000_000)
    assert message.secret_index == 0 and message.commit()
    with pytest.raises(hookwire.Replayed):
        verifier.verify(BODY, headers, now=1_700_000_001)
    assert "redacted" in repr(old) and secret not in repr(new)


def test_large_bodies_release_the_gil_and_still_verify(secret):
    body = b'{"type":"x","data":"' + b"a" * 100_000 + b'"}'
    headers = hookwire.Signer(secret, scheme="standard-webhooks").sign(body, msg_id="m3", timestamp=1_700_000_000)
    assert hookwire.Verifier(secret, scheme="standard-webhooks").verify(body, headers, now=1_700_000_000).id == "m3"


def test_events_in_other_dialects():
    body = b'{"device_id":"d1","probes":[{"probe_id":"1","temperature":225.5,"unit":"F"}]}'
    event = hookwire.parse_event(body, dialect="device-service", type_hint="temperature_update")
    assert (event.type, event.family) == ("device.temperature", "device")
    assert event.data.probes[0].temperature == Decimal("225.5")
    with pytest.raises(hookwire.UnknownEventType):
        hookwire.parse_event(b'{"type":"widget.exploded","data":{}}', strict=True)
    with pytest.raises(hookwire.InvalidPayload):
        hookwire.parse_event(b"not json")
    with pytest.raises(hookwire.UnknownDialect):
        hookwire.parse_event(BODY, dialect="nope")


def test_only_the_headers_the_scheme_reads_are_converted(secret):
    headers = hookwire.Signer(secret).sign(BODY, msg_id="m4", timestamp=1_700_000_000)
    noisy = dict(headers, **{"User-Agent": "curl/8", "X-Forwarded-For": "203.0.113.9", "X-Broken": "bad\nvalue"})
    assert hookwire.Verifier(secret).verify(BODY, noisy, now=1_700_000_000).id == "m4"
    # A header the scheme reads whose value is not one (a line break) is the core's
    # malformed_header, as from any other source of headers.
    with pytest.raises(hookwire.MalformedHeader):
        hookwire.Verifier(secret).verify(BODY, dict(headers, **{"x-webhook-id": "m4\nx"}), now=1_700_000_000)


AURA_ORDER = (
    b'{"id":"evt_1","type":"order.created","created":"2025-08-08T10:00:00Z",'
    b'"data":{"object":{"id":1001,"total_amount":45.99}}}'
)


@pytest.mark.parametrize(
    "scheme, body, expected",
    [
        # The envelope of the scheme's senders: each system's own, native for the standard ones.
        ("auraconnect", AURA_ORDER, ("order.created", "order", Decimal("45.99"))),
        ("standard-webhooks", BODY, ("order.created", "order", Decimal("45.99"))),
        ("hookwire", BODY, ("order.created", "order", Decimal("45.99"))),
        # A body in another envelope, and providers that write their own JSON: a typed error.
        ("hookwire", AURA_ORDER, hookwire.InvalidPayload),
        ("github", b'{"action":"opened"}', hookwire.InvalidPayload),
        ("stripe", b'{"id":"evt_1","type":"invoice.paid","data":{"object":{}}}', hookwire.InvalidPayload),
    ],
)
def test_message_event_reads_the_envelope_of_the_schemes_senders(secret, scheme, body, expected):
    headers = hookwire.Signer(secret, scheme=scheme).sign(body, msg_id="m5", timestamp=1_700_000_000)
    message = hookwire.Verifier(secret, scheme=scheme).verify(body, headers, now=1_700_000_000)
    if isinstance(expected, tuple):
        event = message.event
        assert (event.type, event.family, event.data.total_amount) == expected
    else:
        with pytest.raises(expected):
            message.event


def test_a_generated_secret_gives_its_text_and_nothing_else_shows_it():
    secret = hookwire.Secret.generate()
    text = secret.expose_text()
    assert text.startswith("whsec_") and len(text) == len("whsec_") + 44
    assert text not in repr(secret) and text not in str(secret)
    assert hookwire.Secret(text).expose_text() == text
    assert hookwire.Secret.from_bytes(b"k" * 32).expose_text() is None
    signing = hookwire.Secret.generate_ed25519()
    assert signing.expose_text().startswith("whsk_") and signing.public_key().expose_text().startswith("whpk_")
    assert secret.public_key() is None


def test_verify_reads_the_callers_header_values_in_place(secret):
    """No HeaderMap, no copy: the core reads the values as given (the core's HeaderSource), and
    the message's id and type are the caller's own str objects."""
    body = b'{"type":"order.created","data":{"id":1}}'
    headers = hookwire.Signer(secret).sign(body, msg_id="msg_in_place", timestamp=NOW, event_type="order.created")
    message = hookwire.Verifier(secret).verify(body, headers, now=NOW)
    assert message.id is headers["x-webhook-id"]
    assert message.event_type is headers["x-webhook-event"]
    # Byte values (ASGI) and repeated names read the same; the id is then a new str.
    raw = [(name.encode(), value.encode()) for name, value in headers.items()]
    assert hookwire.Verifier(secret).verify(body, raw, now=NOW).id == "msg_in_place"


@pytest.mark.parametrize(
    "now, reason",
    [
        (True, "must be an int from -9223372036854775808 to 9223372036854775807, got bool"),
        ("1700000000", "must be an int from -9223372036854775808 to 9223372036854775807, got str"),
        (2**63, "must be an int from -9223372036854775808 to 9223372036854775807, got 9223372036854775808"),
        (2**200, "must be an int from -9223372036854775808 to 9223372036854775807, got an int of 201 bits"),
    ],
)
def test_verify_now_that_is_not_an_i64_names_the_range(secret, now, reason):
    headers = hookwire.Signer(secret).sign(BODY, msg_id="m1", timestamp=1_700_000_000)
    with pytest.raises(hookwire.InvalidArgument) as raised:
        hookwire.Verifier(secret).verify(BODY, headers, now=now)
    assert raised.value.argument == "now" and reason in str(raised.value)


def test_bench_hook_runs_the_core_on_the_pairs_the_caller_gave(secret):
    # The benchmark's Rust reference verifies the same (name, value) pairs, names in any case,
    # and refuses a message that does not verify rather than timing its error.
    from hookwire import _hookwire

    headers = hookwire.Signer(secret, scheme="standard-webhooks").sign(BODY, msg_id="m1", timestamp=1_700_000_000)
    verifier = hookwire.Verifier(secret, scheme="standard-webhooks")
    pairs = [(name.upper(), value) for name, value in headers.items()]
    assert _hookwire._bench_verify_ns(verifier, BODY, pairs, 1_700_000_000, 10) > 0
    with pytest.raises(hookwire.InvalidSignature):
        _hookwire._bench_verify_ns(verifier, BODY + b" ", pairs, 1_700_000_000, 10)
