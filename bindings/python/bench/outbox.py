"""The Python side of `make bench-bindings-outbox` (outbox/benches/bindings.rs runs it):
`publish DB COUNT` times COUNT sequential `outbox.publish` calls; `drain DB CONCURRENCY` times
`outbox.run_until_idle` over the deliveries already pending. One JSON line on stdout; the times
start after the outbox is open."""

import json
import statistics
import sys
import time

import hookwire


def body(n):
    return {"id": n, "order_number": f"ORD-{n}", "total_amount": 45.99, "status": "pending"}


def main() -> None:
    mode, db, number = sys.argv[1], sys.argv[2], int(sys.argv[3])
    outbox = hookwire.Outbox(db)
    if mode == "publish":
        took = []
        for n in range(number):
            started = time.perf_counter()
            outbox.publish("order.created", body(n))
            took.append((time.perf_counter() - started) * 1e6)
        print(json.dumps({"p50_us": statistics.median(took), "mean_us": statistics.fmean(took)}))
    else:
        pending = outbox.queue_depth()
        started = time.perf_counter()
        report = outbox.run_until_idle(timeout=300, concurrency=number, poll_interval=0.005)
        took = time.perf_counter() - started
        print(json.dumps({"succeeded": report.succeeded, "per_second": pending / took}))


main()
