"""The process the crash tests kill: `publish DB URL COUNT` adds the endpoint, publishes COUNT
messages (printing each id) and runs the background worker until it is killed; `resume DB`
delivers what is left with a new process and prints its report."""

import sys

import hookwire

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
# Short waits, so that the run takes seconds: a lease of two seconds (a killed worker's claims are
# due again two seconds later), retries after 503 within a fraction of one.
LEASE = 2.0
CONCURRENCY = 8
RETRY = {"delays": [0, 0.05, 0.1, 0.2, 0.4, 0.8], "max_attempts": 20, "throttle_min": 0.1}


def main() -> None:
    mode, db = sys.argv[1], sys.argv[2]
    outbox = hookwire.Outbox(db)
    if mode == "publish":
        url, count = sys.argv[3], int(sys.argv[4])
        outbox.add_endpoint(url, scheme="standard-webhooks", secret=SECRET, retry=RETRY, allow_private=True)
        for n in range(count):
            print(outbox.publish("order.created", {"id": n}, idempotency_key=f"order-{n}"), flush=True)
        outbox.start(concurrency=CONCURRENCY, lease=LEASE, poll_interval=0.02)
        print("started", flush=True)
        sys.stdin.read()  # killed before this returns
    else:
        report = outbox.run_until_idle(timeout=120, concurrency=CONCURRENCY, lease=LEASE, poll_interval=0.02)
        print(f"resumed {report.attempts} {report.succeeded}", flush=True)


main()
