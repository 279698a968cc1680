"""What the outbox suites share: a throwaway PostgreSQL server (the `hookwire-testkit` binary,
built by `make test-python`: it prints the server's URL, answers `database NAME` with the URL of
a fresh database, and stops when its standard input closes), a fresh database of either engine
per test, and a real HTTP receiver on 127.0.0.1 that verifies every request's signature."""

from __future__ import annotations

import http.server
import os
import pathlib
import subprocess
import threading
import time
import uuid
from typing import Callable, Dict, List, Optional, Tuple

import pytest

import hookwire

ROOT = pathlib.Path(__file__).resolve().parents[3]
TESTKIT = os.environ.get("HOOKWIRE_TESTKIT") or str(ROOT / "target" / "debug" / "hookwire-testkit")
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
ENGINES = ["sqlite", "postgres"]


class Postgres:
    """A throwaway PostgreSQL server for the session."""

    def __init__(self) -> None:
        if not os.access(TESTKIT, os.X_OK):
            raise RuntimeError(f"{TESTKIT} is missing: `cargo build -p hookwire-testkit` (make test-python does)")
        self.process = subprocess.Popen([TESTKIT, "postgres"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.url = self.process.stdout.readline().strip()
        if not self.url:
            self.process.wait(timeout=60)
            raise RuntimeError(f"hookwire-testkit postgres did not start (exit {self.process.returncode})")

    def database(self) -> str:
        """The URL of a new, empty database."""
        self.process.stdin.write(f"database t_{uuid.uuid4().hex[:16]}\n")
        self.process.stdin.flush()
        url = self.process.stdout.readline().strip()
        assert url.startswith("postgres://"), url
        return url

    def stop(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)


@pytest.fixture(scope="session")
def postgres():
    server = Postgres()
    yield server
    server.stop()


@pytest.fixture(params=ENGINES)
def outbox_url(request, tmp_path):
    """A fresh outbox database of each engine."""
    if request.param == "sqlite":
        return f"sqlite://{tmp_path}/outbox.db"
    return request.getfixturevalue("postgres").database()


Answer = Callable[["Seen"], Tuple[int, Dict[str, str]]]


class Seen:
    """One request as it arrived, and what verifying it said."""

    def __init__(self, path: str, headers: Dict[str, str], body: bytes, verified: Optional[hookwire.Message],
                 error: Optional[str]) -> None:
        self.path, self.headers, self.body, self.verified, self.error = path, headers, body, verified, error
        self.status: Optional[int] = None  # what the receiver answered

    @property
    def id(self) -> Optional[str]:
        return self.verified.id if self.verified else None


class Receiver:
    """An HTTP/1.1 keep-alive receiver on 127.0.0.1: verifies every request with `verifier`
    (a forged one is answered 401 and recorded with its error), then answers with `answer`."""

    def __init__(self, verifier: hookwire.Verifier, answer: Optional[Answer] = None) -> None:
        self.verifier = verifier
        self.answer: Answer = answer or (lambda seen: (200, {}))
        self.seen: List[Seen] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {name.lower(): value for name, value in self.headers.items()}
                try:
                    verified, error = receiver.verifier.verify(body, headers), None
                except hookwire.WebhookError as err:
                    verified, error = None, err.code
                seen = Seen(self.path, headers, body, verified, error)
                status, extra = (401, {}) if error else receiver.answer(seen)
                seen.status = status
                with receiver.lock:
                    receiver.seen.append(seen)
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/hooks") -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def requests(self) -> List[Seen]:
        with self.lock:
            return list(self.seen)

    def ids(self) -> List[str]:
        """The verified webhook ids, in arrival order (repeats included)."""
        return [s.id for s in self.requests() if s.id]

    def accepted(self) -> List[str]:
        """The verified webhook ids answered with a 2xx, in arrival order (repeats included)."""
        return [s.id for s in self.requests() if s.id and s.status is not None and 200 <= s.status < 300]

    def wait_for(self, count: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while len(self.requests()) < count:
            assert time.monotonic() < deadline, f"{len(self.requests())} of {count} requests arrived"
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver(hookwire.Verifier(SECRET, scheme="standard-webhooks"))
    yield server
    server.stop()
