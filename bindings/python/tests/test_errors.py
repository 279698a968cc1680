"""The exceptions against the core's table of errors (bindings/errors.json, written from
hookwire::Error::KINDS): one class per code, the detail attributes the core fills, with their
types; and the details really arrive on raised errors."""

import json
import pathlib
import typing

import pytest

import hookwire
from hookwire import errors

TABLE = json.loads((pathlib.Path(__file__).resolve().parents[2] / "errors.json").read_text())["errors"]
PY_TYPE = {"text": str, "number": int, "names": list[str]}


def test_one_class_per_core_code_and_outbox_code_and_no_other():
    codes = [row["code"] for row in TABLE]
    assert sorted(errors._BY_CODE) == sorted(codes + list(hookwire.OUTBOX_ERROR_CODES))
    assert list(hookwire.ERROR_CODES) == codes


@pytest.mark.parametrize("row", TABLE, ids=[row["code"] for row in TABLE])
def test_each_class_declares_the_core_details(row):
    cls = errors._BY_CODE[row["code"]]
    hints = typing.get_type_hints(cls)
    for detail in row["details"]:
        assert hints.get(detail["name"]) == PY_TYPE[detail["kind"]], (row["code"], detail)
    declared = set(hints) - set(typing.get_type_hints(errors.WebhookError))
    assert declared <= {d["name"] for d in row["details"]}, (row["code"], declared)


def raised(call):
    with pytest.raises(errors.WebhookError) as info:
        call()
    return info.value


def test_raised_errors_carry_their_details():
    secret = hookwire.Secret.generate()
    verifier = hookwire.Verifier(secret, scheme="standard-webhooks", max_body=4)
    cases = [
        (lambda: verifier.verify(b"12345", {}), "payload_too_large", {"size": 5, "limit": 4}),
        (lambda: verifier.verify(b"{}", {}), "missing_header", {"header": "webhook-signature", "scheme": "standard-webhooks"}),
        (lambda: hookwire.Signer(secret, scheme="nope"), "unknown_scheme", {"scheme": "nope"}),
        (lambda: hookwire.parse_event(b"{}", dialect="nope"), "unknown_dialect", {"dialect": "nope"}),
    ]
    for call, code, want in cases:
        err = raised(call)
        assert err.code == code
        for name, value in want.items():
            assert getattr(err, name) == value, (code, name)
            assert err.details[name] == value
    err = raised(lambda: hookwire.Signer(secret, scheme="nope"))
    assert "standard-webhooks" in err.known and isinstance(err.known, list)
    signed = hookwire.Signer(secret, scheme="standard-webhooks").sign(b"{}", msg_id="m", timestamp=1_700_000_000)
    old = raised(lambda: hookwire.Verifier(secret, scheme="standard-webhooks").verify(b"{}", signed, now=1_700_000_400))
    assert (old.code, old.age, old.tolerance) == ("timestamp_too_old", 400, 300)
    bad = raised(lambda: hookwire.RetryPolicy.from_name("svix").with_max_attempts(0))
    assert (bad.code, bad.argument) == ("invalid_argument", "max_attempts")
