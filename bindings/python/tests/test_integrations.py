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


# ---- replay claims: settled by the handler's outcome ---------------------------------------------


class HandlerFailed(Exception):
    pass


def fastapi_sender(verifier, handler):
    from fastapi import Depends, FastAPI
    from fastapi.responses import JSONResponse
    from fastapi.testclient import TestClient

    from hookwire.integrations import WebhookClaims

    app = FastAPI()
    app.add_middleware(WebhookClaims)
    verified = fastapi_webhook(verifier)

    @app.post("/hooks")
    async def receive(message: hookwire.Message = Depends(verified)):
        return JSONResponse({"handled": message.id}, status_code=handler(message))

    client = TestClient(app, raise_server_exceptions=False)

    def send(headers):
        answer = client.post("/hooks", content=BODY, headers=headers)
        payload = answer.json() if answer.headers.get("content-type") == "application/json" else None
        # HTTPException wraps the helper's answer in `detail`.
        return answer.status_code, payload.get("detail", payload) if isinstance(payload, dict) else payload

    return send


def flask_sender(verifier, handler):
    from flask import Flask

    app = Flask(__name__)

    @app.post("/hooks")
    @flask_webhook(verifier)
    def receive(message):
        return {"handled": message.id}, handler(message)

    client = app.test_client()

    def send(headers):
        answer = client.post("/hooks", data=BODY, headers=headers)
        return answer.status_code, answer.get_json(silent=True)

    return send


def django_sender(verifier, handler, asynchronous=False):
    import asyncio

    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(DEBUG=False, ALLOWED_HOSTS=["testserver"], DEFAULT_CHARSET="utf-8")
        django.setup()
    from django.http import JsonResponse
    from django.test import RequestFactory

    if asynchronous:

        @django_webhook(verifier)
        async def receive(request, message):
            return JsonResponse({"handled": message.id}, status=handler(message))

    else:

        @django_webhook(verifier)
        def receive(request, message):
            return JsonResponse({"handled": message.id}, status=handler(message))

    def send(headers):
        request = RequestFactory().post("/hooks", data=BODY, content_type="application/json", headers=headers)
        try:
            answer = asyncio.run(receive(request)) if asynchronous else receive(request)
        except HandlerFailed:
            return 500, None  # Django's handler would answer 500
        return answer.status_code, json.loads(answer.content)

    return send


SENDERS = {
    "fastapi": fastapi_sender,
    "flask": flask_sender,
    "django": django_sender,
    "django-async": lambda verifier, handler: django_sender(verifier, handler, asynchronous=True),
}

# What the handler does the first time, what the sender is answered, and how the sender's retry
# of the same message fares: a committed message is a duplicate (200, the handler is not run
# again); a released one reaches the handler again.
OUTCOMES = [
    ("answers 200", 200, 200, "committed"),
    ("answers 202", 202, 202, "committed"),
    ("raises", HandlerFailed, 500, "released"),
    ("answers 500", 500, 500, "released"),
    ("answers 503", 503, 503, "released"),
    ("answers 400", 400, 400, "released"),
]


@pytest.mark.parametrize("framework", SENDERS)
@pytest.mark.parametrize("outcome, first, answered, settled", OUTCOMES, ids=[o[0] for o in OUTCOMES])
def test_the_helpers_commit_after_2xx_and_release_otherwise(secret, framework, outcome, first, answered, settled):
    calls = []

    def handler(message):
        calls.append(message.id)
        if len(calls) > 1:
            return 200
        if first is HandlerFailed:
            raise HandlerFailed("the handler's database is down")
        return first

    send = SENDERS[framework](hookwire.Verifier(secret, seen_store=hookwire.SeenStore.memory(100)), handler)
    headers = hookwire.Signer(secret).sign(BODY, msg_id=f"msg_{framework}")
    assert send(headers)[0] == answered
    retry = send(headers)
    if settled == "committed":
        assert retry == (200, {"duplicate": True}) and calls == [f"msg_{framework}"]
    else:
        assert retry == (200, {"handled": f"msg_{framework}"}) and len(calls) == 2


@pytest.mark.parametrize("framework", SENDERS)
def test_the_helpers_answer_409_while_in_progress_and_503_when_the_store_refuses(secret, framework):
    verifier = hookwire.Verifier(secret, replay_capacity=1)
    send = SENDERS[framework](verifier, lambda message: 200)
    signer = hookwire.Signer(secret)
    held = signer.sign(BODY, msg_id="msg_held")
    verifier.verify(BODY, held)  # being handled by another worker
    status, payload = send(held)
    assert (status, payload["error"]) == (409, "replay_in_progress"), "the sender retries later"
    status, payload = send(signer.sign(BODY, msg_id="msg_other"))  # the store is full
    assert (status, payload["error"]) == (503, "store_error"), "the sender retries later"


def test_fastapi_with_a_store_needs_the_claims_middleware(secret):
    from fastapi import Depends, FastAPI
    from fastapi.testclient import TestClient

    verifier = hookwire.Verifier(secret, replay_capacity=10)
    app = FastAPI()

    @app.post("/hooks")
    async def receive(message: hookwire.Message = Depends(fastapi_webhook(verifier))):
        return {}

    headers = hookwire.Signer(secret).sign(BODY, msg_id="msg_nomw")
    with pytest.raises(hookwire.InvalidState, match="add_middleware"):
        TestClient(app).post("/hooks", content=BODY, headers=headers)
    assert verifier.verify(BODY, headers).claimed, "no claim was taken"


@pytest.mark.parametrize("framework", ["fastapi", "flask"])
def test_a_failed_commit_keeps_the_handlers_answer_and_warns(secret, framework, caplog):
    from servers import Server

    server = Server("redis")
    try:
        verifier = hookwire.Verifier(secret, seen_store=server.store(timeout_ms=500))

        def handler(message):
            server.command("kill")  # the store goes down while the event is handled
            return 200

        send = SENDERS[framework](verifier, handler)
        with caplog.at_level("WARNING", logger="hookwire"):
            answer = send(hookwire.Signer(secret).sign(BODY, msg_id="msg_handled"))
        assert answer == (200, {"handled": "msg_handled"}), "the event was handled"
        assert "msg_handled was handled but its commit failed (store_error" in caplog.text
    finally:
        server.stop()
