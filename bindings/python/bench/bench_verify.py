"""Verify speed in one run: hookwire vs the standard library's hmac vs PyPI standardwebhooks.

    python bindings/python/bench/bench_verify.py            (after `make test-python`)

For each body size, each contender verifies the same Standard Webhooks message; timeit runs
many loops per repetition and the table reports the median per call and the ratios.
"""

import base64
import hashlib
import hmac
import statistics
import time
import timeit

import hookwire
from standardwebhooks.webhooks import Webhook

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
KEY = base64.b64decode(SECRET[len("whsec_"):])
SIZES = [(256, "256 B"), (1024, "1 KB"), (16 * 1024, "16 KB")]
REPEAT = 15


def body_of(size):
    head = b'{"type":"order.created","data":{"note":"'
    tail = b'"}}'
    return head + b"x" * (size - len(head) - len(tail)) + tail


def median_seconds(fn, number):
    return statistics.median(timeit.repeat(fn, number=number, repeat=REPEAT)) / number


def main():
    verifier = hookwire.Verifier(SECRET, scheme="standard-webhooks")
    peer = Webhook(SECRET)
    rows = []
    for size, label in SIZES:
        body = body_of(size)
        now = int(time.time())
        headers = hookwire.Signer(SECRET, scheme="standard-webhooks").sign(body, msg_id="msg_bench", timestamp=now)
        text = body.decode()
        signed_bytes = b"msg_bench." + headers["webhook-timestamp"].encode() + b"." + body
        expected = hmac.new(KEY, signed_bytes, hashlib.sha256).hexdigest()

        def with_hookwire():
            verifier.verify(body, headers)

        def with_stdlib():
            # What hand-rolled code does: HMAC of id.timestamp.body, hex, constant-time compare.
            signed = b"msg_bench." + headers["webhook-timestamp"].encode() + b"." + body
            return hmac.compare_digest(hmac.new(KEY, signed, hashlib.sha256).hexdigest(), expected)

        def with_standardwebhooks():
            peer.verify(text, headers, json_parse=False) if _accepts_json_parse() else peer.verify(text, headers)

        assert with_stdlib()
        with_hookwire()
        with_standardwebhooks()
        number = 20_000 if size <= 1024 else 4_000
        times = {
            "hookwire": median_seconds(with_hookwire, number),
            "stdlib hmac": median_seconds(with_stdlib, number),
            "standardwebhooks": median_seconds(with_standardwebhooks, number // 4),
        }
        rows.append((label, times))

    print("| body | hookwire | stdlib hmac + compare_digest | standardwebhooks | vs stdlib | vs standardwebhooks |")
    print("|---|---|---|---|---|---|")
    for label, t in rows:
        us = {k: v * 1e6 for k, v in t.items()}
        print(
            f"| {label} | {us['hookwire']:.2f} µs | {us['stdlib hmac']:.2f} µs | {us['standardwebhooks']:.2f} µs "
            f"| {t['stdlib hmac'] / t['hookwire']:.2f}× | {t['standardwebhooks'] / t['hookwire']:.2f}× |"
        )


def _accepts_json_parse():
    import inspect

    return "json_parse" in inspect.signature(Webhook.verify).parameters


if __name__ == "__main__":
    main()
