"""Throwaway PostgreSQL and Redis servers for the replay store tests: the `hookwire-testkit` binary
(built by `make test-python`) starts one on loopback, prints its URL, obeys `kill`, `restart`,
`pause` and `resume` lines, and stops when its standard input closes."""

import os
import pathlib
import subprocess
import uuid

import hookwire

ROOT = pathlib.Path(__file__).resolve().parents[3]
TESTKIT = os.environ.get("HOOKWIRE_TESTKIT") or str(ROOT / "target" / "debug" / "hookwire-testkit")


class Server:
    def __init__(self, kind):
        if not os.access(TESTKIT, os.X_OK):
            raise RuntimeError(f"{TESTKIT} is missing: build it with `cargo build -p hookwire-testkit` (make test-python does)")
        self.kind = kind
        self.process = subprocess.Popen([TESTKIT, kind], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.url = self.process.stdout.readline().strip()
        if not self.url:
            self.process.wait(timeout=30)
            raise RuntimeError(f"hookwire-testkit {kind} did not start (exit {self.process.returncode})")

    def command(self, line):
        """`kill`, `restart`, `pause` or `resume`, answered when done."""
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline().strip()
        assert answer == "ok", f"{self.kind} {line}: {answer}"

    def store(self, namespace=None, timeout_ms=None):
        """A store on this server in a namespace of its own (or `namespace`)."""
        namespace = namespace or "t_" + uuid.uuid4().hex[:16]
        return getattr(hookwire.SeenStore, self.kind)(self.url, namespace=namespace, timeout_ms=timeout_ms)

    def stop(self):
        self.process.stdin.close()
        self.process.wait(timeout=60)
