"""Every code block of the READMEs that Python runs, exactly as a reader sees it.

`tests/readme/snippets.py` finds the blocks; here each Python program runs as a script, the `sh`
blocks marked `run` run, and companions drive the programs that serve requests (the quickstart's
`receive`, the FastAPI, Flask and Django recipes, the sender against the Flask recipe over real
HTTP) with real signed requests, checking every answer. The status tables under "Errors" are
checked against `response_status`.
"""

import importlib.util
import json
import os
import re
import subprocess
import sys
import threading
import time
import uuid
import wsgiref.simple_server
from pathlib import Path

import pytest

import hookwire

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "readme"))
import snippets  # noqa: E402

SECRET = hookwire.Secret.generate().expose_text()
ORDER = b'{"id":"evt_1","type":"order.created","data":{"id":1001,"total_amount":45.99}}'
AURA = b'{"id":"evt_2","type":"order.created","created":"2025-08-08T10:00:00Z","data":{"object":{"id":1}}}'
BIG = b'{"type":"x","data":"' + b"a" * (1 << 20) + b'"}'
# The programs companions drive; every other Python program only has to run.
COMPANIONS = {"quickstart", "sender", "fastapi_app", "flask_app", "django_views", "claims", "claims_async",
              "outbox_quickstart", "outbox_fastapi"}
# The programs that need a receiver listening: they run against the Flask recipe below.
LIVE = {"sender", "outbox_quickstart"}


@pytest.fixture(scope="module")
def programs(tmp_path_factory, redis_server, postgres_server):
    """The programs, in a folder that is also the working directory (their `replay.db`), with the
    environment they read: the secret, and the Redis and PostgreSQL the recipes name."""
    os.environ["WEBHOOK_SECRET"] = SECRET
    os.environ["REDIS_URL"] = redis_server.url
    os.environ["DATABASE_URL"] = postgres_server.url
    out = tmp_path_factory.mktemp("readme-python")
    cwd = os.getcwd()
    os.chdir(out)
    try:
        yield out, {entry["name"]: out / entry["file"] for entry in snippets.extract("python", out)}
    finally:
        os.chdir(cwd)


def load(programs, name):
    """Imports a README program as a module, as `uvicorn app:app` or `flask --app app` would."""
    _, files = programs
    spec = importlib.util.spec_from_file_location(f"readme_{name}_{uuid.uuid4().hex}", files[name])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(path, **env):
    return subprocess.run([sys.executable, str(path)], cwd=path.parent, capture_output=True, text=True,
                          timeout=120, env=dict(os.environ, WEBHOOK_SECRET=SECRET, **env))


def test_the_companions_find_their_programs(programs):
    assert COMPANIONS <= set(programs[1]), "a README lost a block its companion test drives"


def test_every_python_program_runs(programs):
    ran = 0
    for name, path in programs[1].items():
        if name in LIVE:
            continue  # it runs against a live receiver below
        done = run(path)
        assert done.returncode == 0, f"{name} ({path.name}):\n{done.stdout}\n{done.stderr}"
        ran += 1
    assert ran >= 5


@pytest.mark.parametrize("block", [b for b in snippets.blocks() if b.marker == "run"], ids=lambda b: b.where)
def test_every_sh_block_marked_run_runs(block):
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", block.text], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip(), f"{block.where}: {done.stderr}"
    if "whsec_" in block.text:
        secret = done.stdout.strip()
        assert re.fullmatch(r"whsec_[A-Za-z0-9+/]{43}=", secret), secret
        assert hookwire.Verifier(secret).verify(ORDER, hookwire.Signer(secret).sign(ORDER)).id


def cases(valid, replayed):
    """(what, body, headers, status, what the answer says): one of each way a request can end."""
    now, run_id = int(time.time()), uuid.uuid4().hex[:8]
    signer = hookwire.Signer(SECRET)

    def sign(body, msg_id, timestamp=now):
        return signer.sign(body, msg_id=f"{msg_id}_{run_id}", timestamp=timestamp)

    return [
        ("valid", ORDER, sign(ORDER, "a"), valid, ""),
        ("the same request again", ORDER, sign(ORDER, "a"), 200, replayed),
        ("forged: another body under the signature", ORDER.replace(b"1001", b"1002"), sign(ORDER, "b"), 401,
         "invalid_signature"),
        ("stale: signed ten minutes ago", ORDER, sign(ORDER, "c", now - 600), 401, "timestamp_too_old"),
        ("oversized", BIG, sign(BIG, "d"), 413, "payload_too_large"),
        ("unsigned", ORDER, {}, 400, "missing_header"),
        ("another system's envelope", AURA, sign(AURA, "e"), 400, "invalid_payload"),
        # Answered 400, so its claim was released: the same again is verified again (not 409, not 200).
        ("another system's envelope, again", AURA, sign(AURA, "e"), 400, "invalid_payload"),
    ]


def check(answers, valid, replayed):
    """Sends every case through `answers(body, headers) -> (status, text)`."""
    for what, body, headers, status, says in cases(valid, replayed):
        got, text = answers(body, headers)
        assert got == status, f"{what}: {got} {text}"
        assert says in text, f"{what}: {text}"


def check_a_failed_handler_gets_the_retry(module, answers, valid, replayed):
    """The recipe's `handle` raises once: answered 500 and released, so the sender's retry is
    handled (`valid`), and committed then (the next delivery is `replayed`)."""
    headers = hookwire.Signer(SECRET).sign(ORDER, msg_id=f"failing_{uuid.uuid4().hex[:8]}")
    handle, calls = module.handle, []

    def failing(*args):
        calls.append(args)
        raise RuntimeError("the handler's database is down")

    module.handle = failing
    try:
        assert answers(ORDER, headers)[0] == 500
    finally:
        module.handle = handle
    assert len(calls) == 1
    status, text = answers(ORDER, headers)
    assert status == valid, f"the sender's retry after a failure: {status} {text}"
    status, text = answers(ORDER, headers)
    assert status == 200 and replayed in text, f"after the retry was handled: {status} {text}"


def test_the_quickstart_answers_every_code_with_its_status(programs):
    quickstart = load(programs, "quickstart")

    def answers(body, headers):
        try:
            status, payload = quickstart.receive(body, headers)
        except RuntimeError:
            return 500, ""  # what a framework answers to the handler's exception
        return status, json.dumps(payload)

    check(answers, 200, "replayed")
    check_a_failed_handler_gets_the_retry(quickstart, answers, 200, "replayed")


def test_the_quickstart_answers_409_while_the_message_is_being_handled(programs):
    quickstart = load(programs, "quickstart")
    headers = hookwire.Signer(SECRET).sign(ORDER, msg_id=f"nested_{uuid.uuid4().hex[:8]}")
    handle, inner = quickstart.handle, []
    # The sender's retry arrives while the handler still runs.
    quickstart.handle = lambda message: inner.append(quickstart.receive(ORDER, headers))
    try:
        assert quickstart.receive(ORDER, headers)[0] == 200
    finally:
        quickstart.handle = handle
    assert [(status, body["error"]) for status, body in inner] == [(409, "replay_in_progress")]
    assert quickstart.receive(ORDER, headers)[1]["error"] == "replayed"


@pytest.mark.parametrize("name, expected", [
    ("claims", ["replay_in_progress 409", "True", "True", "replayed 200"]),
    ("claims_async", ["[204, 409]", "200"]),
])
def test_the_claim_programs_print_what_they_say(programs, name, expected):
    done = run(programs[1][name])
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:-1] == expected


def test_the_fastapi_recipe_answers_every_code_with_its_status(programs):
    from fastapi.testclient import TestClient

    module = load(programs, "fastapi_app")
    client = TestClient(module.app, raise_server_exceptions=False)

    def answers(body, headers):
        response = client.post("/hooks", content=body, headers=headers)
        return response.status_code, response.text

    check(answers, 204, "duplicate")
    check_a_failed_handler_gets_the_retry(module, answers, 204, "duplicate")
    # FastAPI's own error shape wraps the helper's body.
    response = client.post("/hooks", content=ORDER)
    assert response.json() == {"detail": {"error": "missing_header", "message": response.json()["detail"]["message"]}}


def test_the_flask_recipe_answers_every_code_with_its_status(programs):
    module = load(programs, "flask_app")
    client = module.app.test_client()

    def answers(body, headers):
        response = client.post("/hooks", data=body, headers=headers, content_type="application/json")
        return response.status_code, response.get_data(as_text=True)

    check(answers, 204, "duplicate")
    check_a_failed_handler_gets_the_retry(module, answers, 204, "duplicate")
    assert client.post("/hooks", data=ORDER).get_json()["error"] == "missing_header"


def test_the_django_recipe_answers_every_code_with_its_status(programs):
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(DEBUG=False, ALLOWED_HOSTS=["testserver"], DEFAULT_CHARSET="utf-8")
        django.setup()
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import path

    views = load(programs, "django_views")
    urls = type(sys)("readme_django_urls")
    urls.urlpatterns = [path("hooks", views.receive)]
    sys.modules[urls.__name__] = urls
    # With CSRF checks on: the helper exempts the view, the signature is the authentication.
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)

    def answers(body, headers):
        response = client.post("/hooks", data=body, content_type="application/json", headers=headers)
        return response.status_code, response.content.decode()

    with override_settings(ROOT_URLCONF=urls.__name__, MIDDLEWARE=["django.middleware.csrf.CsrfViewMiddleware"]):
        check(answers, 204, "duplicate")
        check_a_failed_handler_gets_the_retry(views, answers, 204, "duplicate")


class Quiet(wsgiref.simple_server.WSGIRequestHandler):
    def log_message(self, *args):
        pass


def test_the_sender_delivers_to_the_flask_recipe_over_http(programs):
    app = load(programs, "flask_app").app
    server = wsgiref.simple_server.make_server("127.0.0.1", 0, app, handler_class=Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/hooks"
        done = run(programs[1]["sender"], WEBHOOK_URL=url)
        assert (done.returncode, done.stdout.strip()) == (0, "succeeded"), done.stderr
        # With another secret the receiver refuses it (401): the sender keeps retrying.
        other = hookwire.Secret.generate().expose_text()
        done = subprocess.run([sys.executable, str(programs[1]["sender"])], capture_output=True, text=True,
                              timeout=120, env=dict(os.environ, WEBHOOK_SECRET=other, WEBHOOK_URL=url))
        assert (done.returncode, done.stdout.strip()) == (0, "retrying"), done.stderr
    finally:
        server.shutdown()
    # Nothing listens any more: a connect failure, retried later.
    assert run(programs[1]["sender"], WEBHOOK_URL=url).stdout.strip() == "retrying"


def test_the_outbox_quickstart_delivers_to_the_flask_recipe_over_http(programs, tmp_path, monkeypatch):
    app = load(programs, "flask_app").app
    server = wsgiref.simple_server.make_server("127.0.0.1", 0, app, handler_class=Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/hooks"
        done = run(programs[1]["outbox_quickstart"], WEBHOOK_URL=url)
        assert (done.returncode, done.stdout.strip()) == (0, "succeeded 1 True"), done.stderr
        # The FastAPI app: its lifespan runs the worker, the handler publishes.
        monkeypatch.setenv("WEBHOOKS_DB", f"sqlite://{tmp_path}/webhooks.db")
        module = load(programs, "outbox_fastapi")
        endpoint = module.outbox.add_endpoint(url, scheme="hookwire", secret=SECRET, allow_private=True)
        from fastapi.testclient import TestClient

        with TestClient(module.app) as client:
            answer = client.post("/orders", json={"id": 7, "total_amount": 12.5})
            assert answer.status_code == 201, answer.text
            deadline = time.monotonic() + 30
            while module.outbox.deliveries(status="succeeded", endpoint=endpoint) == []:
                assert time.monotonic() < deadline, module.outbox.deliveries()
                time.sleep(0.02)
        [delivered] = module.outbox.deliveries(endpoint=endpoint)
        assert delivered.message_id == answer.json()["webhook"] and not module.outbox.running
    finally:
        server.shutdown()


def error_tables():
    """(README, code, status) for every row of the tables under each README's "## Errors"."""
    rows = []
    for readme in snippets.READMES:
        text = (ROOT / readme).read_text(encoding="utf-8")
        section = text.split("\n## Errors", 1)[-1].split("\n## ", 1)[0]
        for table in re.findall(r"(?:^\|.*\n)+", section, re.M):
            lines = table.strip().split("\n")
            header = [cell.strip() for cell in lines[0].strip("|").split("|")]
            if "status" not in header:
                continue
            for line in lines[2:]:
                cells = [cell.strip() for cell in line.strip("|").split("|")]
                for code in re.findall(r"`([a-z_]+)`", cells[0]):
                    rows.append((readme, code, int(cells[header.index("status")])))
    return rows


def test_every_readme_has_a_status_table_under_errors():
    assert {readme for readme, _, _ in error_tables()} == set(snippets.READMES)


@pytest.mark.parametrize("readme, code, status", error_tables())
def test_the_status_tables_say_what_response_status_answers(readme, code, status):
    assert code in hookwire.ERROR_CODES, f"{readme}: `{code}` is not an error code"
    assert hookwire.response_status(code) == status, f"{readme}: `{code}`"


def test_the_error_tables_name_every_code_or_say_every_other():
    for readme in snippets.READMES:
        named = {code for r, code, _ in error_tables() if r == readme}
        section = (ROOT / readme).read_text(encoding="utf-8").split("\n## Errors", 1)[-1].split("\n## ", 1)[0]
        assert named == set(hookwire.ERROR_CODES) or "every other code" in section or "…" in section, readme


def test_the_snippet_check_passes():
    assert snippets.problems() == []
