"""What a new user of the wheel does first, run in a fresh virtual environment (no Rust, no
checkout on sys.path): verify a signed request, parse a typed event, deliver one message through
an SQLite outbox. Also checks what pip installed: the stubs, py.typed, the declared Pythons.

Usage: python smoke.py VERSION
"""

import http.server
import importlib.metadata
import json
import os
import sys
import tempfile
import threading
from pathlib import Path

import hookwire

VERSION = sys.argv[1]
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
failures = []


def check(name, condition, detail=""):
    print(("ok   " if condition else "FAIL ") + name + (f": {detail}" if detail and not condition else ""))
    if not condition:
        failures.append(name)


# The package pip installed, not a checkout: it lives in this environment's site-packages.
package_dir = Path(hookwire.__file__).resolve().parent
check("imported from the environment", str(package_dir).startswith(sys.prefix), str(package_dir))
check("the extension is in the wheel", any(package_dir.glob("_hookwire*.so")) or any(package_dir.glob("_hookwire*.pyd")))
check("py.typed is installed", (package_dir / "py.typed").is_file())
check("the stubs are installed", (package_dir / "_hookwire.pyi").is_file())

meta = importlib.metadata.metadata("hookwire")
check("version", meta["Version"] == VERSION, meta["Version"])
check("Requires-Python", meta["Requires-Python"] == ">=3.10", str(meta["Requires-Python"]))
classifiers = meta.get_all("Classifier") or []
check("no classifier for Python 3.9 (end-of-life)", "Programming Language :: Python :: 3.9" not in classifiers)
for minor in range(10, 15):
    check(f"classifier Python 3.{minor}", f"Programming Language :: Python :: 3.{minor}" in classifiers)
check("license", meta["License"] == "MIT OR Apache-2.0", str(meta["License"]))

# Receive: a request signed by the sender verifies; the same request with another body does not.
body = json.dumps({"id": "evt_1", "type": "order.created", "timestamp": "2026-01-01T00:00:00Z",
                   "data": {"id": 1001, "total_amount": 45.99}}).encode()
headers = hookwire.Signer(SECRET).sign(body, msg_id="msg_1")
verifier = hookwire.Verifier(SECRET, replay_capacity=100)
message = verifier.verify(body, headers)
check("a signed request verifies", message.id == "msg_1", repr(message.id))
event = message.event
check("its event is typed", (event.type, event.family) == ("order.created", "order"), f"{event.type} {event.family}")
check("typed data", event.data.id == 1001, repr(event.data))
try:
    hookwire.Verifier(SECRET).verify(b"{}", headers)
    check("another body is refused", False, "accepted")
except hookwire.WebhookError as err:
    check("another body is refused", err.code == "invalid_signature", err.code)

# Parse: a typed event from raw bytes, and a body that is not one is a typed error.
parsed = hookwire.parse_event(b'{"type":"user.created","data":{"user_id":7}}')
check("parse_event", (parsed.type, parsed.family) == ("user.created", "user"), f"{parsed.type} {parsed.family}")
try:
    hookwire.parse_event(b"[]")
    check("a non-event is refused", False, "accepted")
except hookwire.WebhookError as err:
    check("a non-event is refused", err.code == "invalid_payload", err.code)


# Deliver: one message through an SQLite outbox to a receiver that verifies it.
class Receiver(http.server.BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            got = hookwire.Verifier(SECRET, scheme="standard-webhooks").verify(raw, dict(self.headers.items()))
            Receiver.received.append(got.event.type)
            self.send_response(204)
        except hookwire.WebhookError:
            self.send_response(401)
        self.end_headers()

    def log_message(self, *args):
        pass


if not hasattr(hookwire, "Outbox"):
    print("SKIP outbox delivery: hookwire.Outbox is not in this wheel (issue 16 brings the outbox "
          "to Python; this part runs once it is on main)")
else:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as tmp:
        outbox = hookwire.Outbox("sqlite://" + os.path.join(tmp, "webhooks.db"))
        outbox.add_endpoint(f"http://127.0.0.1:{server.server_port}/hooks", scheme="standard-webhooks",
                            secret=SECRET, events=["order.*"], allow_private=True)
        outbox.publish("order.created", {"id": 1001, "total_amount": 45.99})
        outbox.run_until_idle(timeout=60)
        statuses = [d.status for d in outbox.deliveries()]
        check("the outbox delivered the message", statuses == ["succeeded"], repr(statuses))
        check("the receiver verified it", Receiver.received == ["order.created"], repr(Receiver.received))
    server.shutdown()

if failures:
    print(f"{len(failures)} failed: {', '.join(failures)}")
    sys.exit(1)
print("python wheel: all checks passed")
