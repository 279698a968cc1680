"""The Rust crash test's Python twin: a Python process publishes 1,000 messages into an outbox
and runs the background worker; it is killed with SIGKILL mid-run; a new process resumes; the
receiver sees every message with a valid signature, every delivery ends `succeeded`, and no more
are accepted twice than the worker had claimed and not recorded at the kill. One in five requests
is answered 503, so retries are pending at the kill too. SQLite and PostgreSQL."""

import datetime
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from outbox_support import SECRET, Receiver, outbox_url, postgres  # noqa: F401 (fixtures)

import hookwire

CHILD = Path(__file__).with_name("outbox_crash_child.py")
MESSAGES = 1000
LEASE = datetime.timedelta(seconds=2)  # the child's


def claimed_at(outbox, killed):
    """Deliveries the killed worker held: a claim moves a delivery's due time to its lease's
    end (renewed every third of it), later than any retry of the child's policy (≤ 0.8 s)."""
    active = outbox.deliveries(status="pending") + outbox.deliveries(status="retrying")
    return [d for d in active if d.next_attempt_at > killed + LEASE / 2]


def test_a_killed_worker_process_loses_nothing(outbox_url):
    calls = Counter()

    def answer(seen):
        calls["n"] += 1
        time.sleep(0.002)
        return (503, {}) if calls["n"] % 5 == 0 else (200, {})

    receiver = Receiver(hookwire.Verifier(SECRET, scheme="standard-webhooks"), answer)
    try:
        child = subprocess.Popen([sys.executable, str(CHILD), "publish", outbox_url, receiver.url(), str(MESSAGES)],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        published = [child.stdout.readline().strip() for _ in range(MESSAGES)]
        assert child.stdout.readline().strip() == "started"
        deadline = time.monotonic() + 60
        while len(receiver.requests()) < MESSAGES // 4:
            assert time.monotonic() < deadline and child.poll() is None, "the worker process stalled"
            time.sleep(0.005)
        os.kill(child.pid, signal.SIGKILL)
        killed = datetime.datetime.now(datetime.timezone.utc)
        child.wait(timeout=10)
        in_flight = len(claimed_at(hookwire.Outbox(outbox_url), killed))
        at_kill = set(receiver.accepted())
        assert 0 < len(at_kill) < MESSAGES, "killed mid-run"

        resumed = subprocess.run([sys.executable, str(CHILD), "resume", outbox_url], capture_output=True, text=True,
                                 timeout=180)
        assert resumed.returncode == 0 and resumed.stdout.startswith("resumed"), resumed.stderr

        assert all(s.verified is not None for s in receiver.requests()), "every request has a valid signature"
        succeeded = Counter(receiver.accepted())
        assert set(succeeded) == set(published), f"{len(set(published) - set(succeeded))} messages never arrived"
        duplicates = sum(n - 1 for n in succeeded.values())
        print(f"{outbox_url}: {len(at_kill)} accepted at the kill, {in_flight} claimed, {duplicates} duplicates")
        assert duplicates <= in_flight, f"{duplicates} accepted twice; {in_flight} were claimed at the kill"
        outbox = hookwire.Outbox(outbox_url)
        statuses = Counter(d.status for d in outbox.deliveries())
        assert statuses == {"succeeded": MESSAGES}, statuses
    finally:
        receiver.stop()
