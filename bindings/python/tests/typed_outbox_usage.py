"""A typed use of the outbox: `mypy --strict` must pass on it (test_outbox.py runs it)."""

import asyncio
import datetime

import hookwire


def deliver(url: str, receiver: str) -> "list[str]":
    outbox = hookwire.Outbox(url, max_payload=256 * 1024)
    endpoint: hookwire.EndpointRecord = outbox.add_endpoint(
        receiver, scheme="standard-webhooks", secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", events=["order.*"],
        retry={"delays": [0, 0.05], "throttle_min": datetime.timedelta(milliseconds=100)}, allow_private=True,
        rate_limit=(1000, datetime.timedelta(hours=1)), filters={"restaurant_id": 1})
    message_id: str = outbox.publish("order.created", {"id": 1}, idempotency_key="order-1", dialect="auraconnect")
    report: hookwire.WorkerReport = outbox.run_until_idle(timeout=60)
    failed: "list[hookwire.DeliveryRecord]" = outbox.deliveries(status="failed", endpoint=endpoint)
    for delivery in failed:
        retried: hookwire.DeliveryRecord = outbox.retry(delivery.id)
        when: "datetime.datetime | None" = retried.next_attempt_at
        attempts: "list[hookwire.AttemptRecord]" = outbox.attempts(delivery.id)
        took: datetime.timedelta = attempts[-1].duration
        print(when, took)
    stats: "list[hookwire.EndpointStats]" = outbox.stats()
    rate: "float | None" = stats[0].success_rate
    print(report.attempts, rate, message_id)
    stopped: "hookwire.WorkerReport | None" = outbox.stop(timeout=10)
    print(stopped)
    return [d.id for d in failed]


async def handler(outbox: hookwire.Outbox) -> str:
    message_id: str = await outbox.publish_async("user.created", {"user_id": 7})
    metrics: hookwire.OutboxMetrics = await outbox.metrics_async()
    print(metrics.queue_depth)
    return message_id


def main(outbox: hookwire.Outbox) -> None:
    print(asyncio.run(handler(outbox)))
