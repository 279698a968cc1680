"""The framework helpers, each driven by its framework's own test tools."""

import json

import pytest

import hookwire
from hookwire.integrations import django_webhook, fastapi_webhook, flask_webhook

BODY = b'{"type":"order.created","data":{"id":1001,"total_amount":45.99}}'


@pytest.fixture
def signed(secret):
    return hookwire.Signer(secret).sign(BODY, msg_id="msg_int")


@pytest.fixture
def verifier(secret):
    return hookwire.Verifier(secret)


def test_fastapi(verifier, signed):
    from fastapi import Depends, FastAPI
    from fastapi.testclient import TestClient

    app = FastAPI()
    verified = fastapi_webhook(verifier)

    @app.post("/hooks")
    async def receive(message: hookwire.Message = Depends(verified)):
        return {"id": message.id, "type": message.event.type}

    client = TestClient(app)
    ok = client.post("/hooks", content=BODY, headers=signed)
    assert (ok.status_code, ok.json()) == (200, {"id": "msg_int", "type": "order.created"})
    # Re-serialised JSON (Python's default separators) is not the signed body.
    bad = client.post("/hooks", content=json.dumps(json.loads(BODY)), headers=signed)
    assert bad.status_code == 401 and bad.json()["detail"]["error"] == "invalid_signature"
    missing = client.post("/hooks", content=BODY)
    assert missing.status_code == 400 and missing.json()["detail"]["error"] == "missing_header"


def test_flask(verifier, signed):
    from flask import Flask

    app = Flask(__name__)

    @app.post("/hooks")
    @flask_webhook(verifier)
    def receive(message):
        return {"id": message.id, "total": message.json()["data"]["total_amount"]}

    client = app.test_client()
    ok = client.post("/hooks", data=BODY, headers=signed, content_type="application/json")
    assert (ok.status_code, ok.get_json()) == (200, {"id": "msg_int", "total": 45.99})
    bad = client.post("/hooks", data=BODY + b" ", headers=signed, content_type="application/json")
    assert (bad.status_code, bad.get_json()["error"]) == (401, "invalid_signature")
    stale = dict(signed, **{"x-webhook-timestamp": "1"})
    assert client.post("/hooks", data=BODY, headers=stale).get_json()["error"] == "timestamp_too_old"


def test_django(verifier, signed):
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(DEBUG=False, ALLOWED_HOSTS=["testserver"], DEFAULT_CHARSET="utf-8")
        django.setup()
    from django.http import JsonResponse
    from django.test import RequestFactory

    @django_webhook(verifier)
    def receive(request, message):
        return JsonResponse({"id": message.id})

    factory = RequestFactory()
    ok = receive(factory.post("/hooks", data=BODY, content_type="application/json", headers=signed))
    assert (ok.status_code, json.loads(ok.content)) == (200, {"id": "msg_int"})
    assert receive.csrf_exempt
    bad = receive(factory.post("/hooks", data=BODY, content_type="application/json"))
    assert (bad.status_code, json.loads(bad.content)["error"]) == (400, "missing_header")


def test_replays_are_answered_as_duplicates_and_other_statuses(secret, signed):
    from flask import Flask

    calls = []
    app = Flask(__name__)

    @app.post("/hooks")
    @flask_webhook(hookwire.Verifier(secret, replay_capacity=100, max_body=len(BODY)))
    def receive(message):
        calls.append(message.id)
        return {"id": message.id}

    client = app.test_client()
    assert client.post("/hooks", data=BODY, headers=signed).status_code == 200
    again = client.post("/hooks", data=BODY, headers=signed)
    # Already received: a success, so that a retrying sender stops; the view is not run twice.
    assert (again.status_code, again.get_json()) == (200, {"duplicate": True})
    assert calls == ["msg_int"]
    big = client.post("/hooks", data=BODY + b" ", headers=signed)
    assert (big.status_code, big.get_json()["error"]) == (413, "payload_too_large")
    statuses = {code: hookwire.response_status(code) for code in hookwire.ERROR_CODES}
    assert statuses["internal"] == 500
    assert (statuses["store_error"], statuses["replay_in_progress"]) == (503, 409), "the sender retries"
    assert statuses["timestamp_too_new"] == 401 and statuses["malformed_header"] == 400
