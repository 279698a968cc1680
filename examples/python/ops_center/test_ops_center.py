"""Ops Center's webhook API, rebuilt on the outbox, driven through FastAPI's TestClient (the app's
lifespan runs the worker) against a real receiver on 127.0.0.1 that verifies each webhook's
`X-Webhook-Signature` with its own secret and reads Ops Center's payload format."""

import http.server
import json
import pathlib
import sys
import threading
import time

import pytest
from fastapi.testclient import TestClient

import hookwire

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from app import create_app  # noqa: E402


class Receiver:
    """Partners' endpoints: one path per webhook, each verified with that webhook's secret
    (`secrets[path]`); `answers[path]` is the status it answers (200 by default)."""

    def __init__(self):
        self.secrets, self.answers, self.seen = {}, {}, []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                verifier = hookwire.Verifier(receiver.secrets[self.path], scheme="ops-center")
                try:
                    verifier.verify(body, dict(self.headers.items()))
                    status = receiver.answers.get(self.path, 200)
                except hookwire.WebhookError:
                    status = 401
                receiver.seen.append((self.path, status, json.loads(body)))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path):
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def at(self, path, status=200):
        """The payloads `path` accepted with a valid signature (status 401 ones: forged)."""
        return [payload for p, s, payload in self.seen if p == path and s == status]

    def wait_for(self, count, timeout=30):
        deadline = time.monotonic() + timeout
        while len(self.seen) < count:
            assert time.monotonic() < deadline, f"{len(self.seen)} of {count} requests arrived: {self.seen}"
            time.sleep(0.01)


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.server.shutdown()


@pytest.fixture
def client(tmp_path):
    with TestClient(create_app(f"sqlite://{tmp_path}/ops-center.db", allow_private=True)) as client:
        yield client


def create(client, receiver, path, **body):
    response = client.post("/api/v1/webhooks", json={"url": receiver.url(path), **body})
    assert response.status_code == 201, response.text
    webhook = response.json()
    receiver.secrets[path] = webhook["secret"]
    return webhook


def test_webhooks_receive_the_business_events_they_subscribe_to_signed_in_ops_centers_format(client, receiver):
    everything = create(client, receiver, "/all", events=["*"], description="everything")
    users = create(client, receiver, "/users", events=["user.created"])
    paused = create(client, receiver, "/paused", events=["*"], active=False)
    assert (everything["active"], paused["active"], everything["events"]) == (True, False, ["*"])
    assert everything["secret"] != users["secret"]

    user = client.post("/api/v1/users", json={"email": "ada@example.com"}).json()
    device = client.put("/api/v1/devices/edge-7/status", json={"status": "offline", "battery_level": 12}).json()
    receiver.wait_for(3)
    time.sleep(0.2)  # nothing else is on its way

    assert sorted(p["event"] for p in receiver.at("/all")) == ["device.offline", "user.created"]
    [to_users] = receiver.at("/users")
    assert to_users["event"] == "user.created" and to_users["data"] == {
        "user_id": user["user_id"], "email": "ada@example.com", "created_at": user["created_at"]}
    assert set(to_users) == {"event", "timestamp", "data"}, "Ops Center's payload format"
    assert receiver.at("/paused") == [], "an inactive webhook gets nothing"
    assert [s for _, s, _ in receiver.seen] == [200, 200, 200], "every signature verified"
    assert device["message_id"] in {d["message_id"] for d in client.get(f"/api/v1/webhooks/{everything['id']}/deliveries").json()}


def test_the_management_api_lists_updates_tests_and_deletes_webhooks(client, receiver):
    hook = create(client, receiver, "/hook", events=["user.created"], description="v1")
    other_org = client.post("/api/v1/webhooks", headers={"X-Org-Id": "org-2"},
                            json={"url": receiver.url("/org2"), "events": ["*"]}).json()
    listed = client.get("/api/v1/webhooks").json()
    assert [w["id"] for w in listed] == [hook["id"]], "an organization sees its own webhooks"
    assert "secret" not in listed[0], "the secret is shown once"
    assert client.get(f"/api/v1/webhooks/{other_org['id']}").status_code == 404

    patched = client.patch(f"/api/v1/webhooks/{hook['id']}",
                           json={"events": ["device.*"], "description": "v2", "active": False}).json()
    assert (patched["events"], patched["description"], patched["active"]) == (["device.*"], "v2", False)
    assert client.get("/api/v1/webhooks", params={"active": True}).json() == []
    assert client.patch(f"/api/v1/webhooks/{hook['id']}", json={"active": True}).json()["active"] is True

    test = client.post(f"/api/v1/webhooks/{hook['id']}/test", json={"event_type": "device.online"})
    assert test.status_code == 202 and test.json()["event"] == "device.online"
    receiver.wait_for(1)
    [sample] = receiver.at("/hook")
    assert sample["event"] == "device.online" and sample["data"]["device_id"]

    bad = client.post("/api/v1/webhooks", json={"url": receiver.url("/x"), "events": ["user.exploded"]})
    assert (bad.status_code, bad.json()["code"]) == (422, "unknown_event_type")
    private = TestClient(create_app("sqlite:///:memory:")).post("/api/v1/webhooks", json={"url": "http://10.0.0.8/"})
    assert (private.status_code, private.json()["code"]) == (422, "blocked_url"), "production refuses private URLs"
    assert {"event": "user.created", "family": "user", "description": "A user registered"} in \
        client.get("/api/v1/webhooks/events/available").json()

    assert client.delete(f"/api/v1/webhooks/{hook['id']}").status_code == 204
    assert client.get(f"/api/v1/webhooks/{hook['id']}").status_code == 404
    assert client.delete(f"/api/v1/webhooks/{hook['id']}").json()["code"] == "not_found"


def test_a_failed_attempt_waits_for_ops_centers_schedule_and_retry_sends_it_now(client, receiver):
    hook = create(client, receiver, "/flaky", events=["user.*"])
    receiver.answers["/flaky"] = 503
    client.post("/api/v1/users", json={"email": "grace@example.com"})
    receiver.wait_for(1)
    deadline = time.monotonic() + 10
    while not (history := client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", params={"status": "retrying"}).json()):
        assert time.monotonic() < deadline, "the failed attempt was not recorded"
        time.sleep(0.02)
    [delivery] = history
    assert (delivery["attempts"], delivery["response_status"]) == (1, 503)
    wait = time.mktime(time.strptime(delivery["next_attempt_at"][:19], "%Y-%m-%dT%H:%M:%S")) - time.mktime(time.gmtime())
    assert 50 <= wait <= 70, f"Ops Center's first retry is a minute later, not {wait} s"

    receiver.answers["/flaky"] = 200
    retried = client.post(f"/api/v1/webhooks/{hook['id']}/deliveries/{delivery['id']}/retry")
    assert retried.status_code == 202
    receiver.wait_for(2)
    deadline = time.monotonic() + 10
    while (done := client.get(f"/api/v1/webhooks/{hook['id']}/deliveries").json()[0])["status"] != "succeeded":
        assert time.monotonic() < deadline, done
        time.sleep(0.02)
    assert (done["attempts"], done["response_status"]) == (2, 200)
    assert [s for p, s, _ in receiver.seen] == [503, 200]
    assert receiver.at("/flaky")[0]["data"]["email"] == "grace@example.com"

    stats = client.get(f"/api/v1/webhooks/{hook['id']}/stats").json()
    assert (stats["succeeded"], stats["failed"], stats["attempts"], stats["success_rate"]) == (1, 0, 2, 1.0)
    assert [s["webhook_id"] for s in client.get("/api/v1/webhooks/stats").json()] == [hook["id"]]
    assert client.post(f"/api/v1/webhooks/{hook['id']}/deliveries/dlv_missing/retry").status_code == 404
