"""Every case of the shared vectors (tests/vectors/*.json), the same files the Rust tests run."""

import base64
import json

import pytest

import hookwire
from conftest import load

SIGNATURES = load("signatures.json")
EVENTS = load("events.json")


def body_of(case):
    if "body_base64" in case:
        return base64.b64decode(case["body_base64"])
    return case["body"].encode()


def outcome(run):
    try:
        return run()
    except hookwire.WebhookError as err:
        return {"error": err.code}


@pytest.mark.parametrize("case", [c for c in SIGNATURES if c["op"] == "verify"], ids=lambda c: c["name"])
def test_verify_vector(case):
    def run():
        verifier = hookwire.Verifier(
            case["secrets"], scheme=case["scheme"], tolerance=case["tolerance"], max_body=case["max_body"]
        )
        message = verifier.verify(body_of(case), case["headers"], now=case["now"])
        assert message.body == body_of(case)
        return {
            "ok": True,
            "id": message.id,
            "timestamp": message.timestamp,
            "timestamp_signed": message.timestamp_signed,
            "event_type": message.event_type,
            "secret_index": message.secret_index,
        }

    assert outcome(run) == case["expect"]


@pytest.mark.parametrize("case", [c for c in SIGNATURES if c["op"] == "sign"], ids=lambda c: c["name"])
def test_sign_vector(case):
    def run():
        signer = hookwire.Signer(case["secrets"], scheme=case["scheme"])
        headers = signer.sign(body_of(case), msg_id=case["id"], timestamp=case["timestamp"], event_type=case["event_type"])
        return {"headers": sorted([k, v] for k, v in headers.items())}

    got = outcome(run)
    want = case["expect"]
    if "headers" in want:
        want = {"headers": sorted([k.lower(), v] for k, v in want["headers"])}
    assert got == want


def pointer(document, path):
    for part in path.lstrip("/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        document = document[int(part)] if isinstance(document, list) else document[part]
    return document


@pytest.mark.parametrize("case", EVENTS, ids=lambda c: c["name"])
def test_event_vector(case):
    def run():
        return hookwire.parse_event(
            case["body"].encode(), dialect=case["dialect"], type_hint=case["type_hint"], strict=case["strict"]
        )

    result = outcome(run)
    expect = case["expect"]
    if "error" in expect:
        assert result == expect
        return
    assert isinstance(result, hookwire.Event), result
    assert (result.type, result.family, result.id) == (expect["type"], expect["family"], expect["id"])
    native = json.loads(result.to_json())
    for path, value in expect["fields"].items():
        assert pointer(native, path) == value, path
    if expect["round_trip"]:
        assert json.loads(result.encode(case["dialect"])) == json.loads(case["body"])
