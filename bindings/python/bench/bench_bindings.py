"""Issue 18's Python rows in one run: verify and typed events from Python beside their references.

    make bench-python          (builds the extension, installs pydantic and orjson, runs this)

Every row prints the figure recorded when the issue was filed ("at filing"), this run's figure,
and the reference measured in this same run, as ratios, with whether the goal is met. The
references: the stdlib recipe a user would hand-roll (hmac.new(...).hexdigest() +
compare_digest), the core's own `verify_at` of the same message in a loop run in Rust (through
the extension's private `_bench_verify_ns`), pydantic v2 `model_validate_json` into models with
the same fields (Decimal money, int-or-str ids, extra allowed), `json.loads` and `orjson.loads`.

Timing: timeit, REPEAT repetitions of many calls each, the contenders of a row interleaved, the
median per call. Each contender is timed as the statement a user writes (timeit's `stmt`, names
bound in its globals), not through a wrapper function whose own call would be counted too. Absolute figures move with the machine (a shared 2-core VM here); the ratios
are what the goals are stated in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import statistics
import sys
import timeit
from decimal import Decimal
from typing import Any, List, Optional, Union

import orjson
from pydantic import BaseModel, ConfigDict

import hookwire
from hookwire import _hookwire

REPEAT = 15
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
KEY = base64.b64decode(SECRET[len("whsec_"):])
NOW = 1_700_000_000

# The figures of the table when it was filed (µs), and what they were measured against.
AT_FILING = {
    "rust_verify": 0.97,
    "verify": 1.41,
    "stdlib": 2.00,
    "data": 17.1,
    "pydantic": 4.25,
    "parse": 2.46,
    "json_loads": 3.90,
    "orjson": 1.06,
}


def race(contenders: dict, number: int, names: Optional[dict] = None) -> dict:
    """The median µs per call of each contender (a statement run with `names` as its globals,
    or a callable), their repetitions interleaved (A, B, C, A, B, C, …) so that a burst of load
    on the machine falls on all of them alike."""
    timers = {name: timeit.Timer(stmt, globals=names) for name, stmt in contenders.items()}
    runs: dict = {name: [] for name in contenders}
    for _ in range(REPEAT):
        for name, timer in timers.items():
            runs[name].append(timer.timeit(number) / number * 1e6)
    return {name: statistics.median(times) for name, times in runs.items()}


def verify_body(size: int) -> bytes:
    head = b'{"type":"order.created","data":{"note":"'
    tail = b'"}}'
    return head + b"x" * (size - len(head) - len(tail)) + tail


def order_body(items: int = 5) -> bytes:
    """The order event of benches/events.rs with 5 line items (657 bytes; the issue says 674 B)."""
    lines = ",".join(
        f'{{"id":{i},"menu_item_id":{10 + i},"quantity":2,"price":12.99,"modifiers":[]}}' for i in range(items)
    )
    return (
        '{"id":"evt_2KWPBgLlAfxdpx2AI54pPJ85f4W","type":"order.created","timestamp":"2025-08-08T10:00:00Z",'
        '"data":{"id":1001,"order_number":"ORD-2025-001","restaurant_id":1,"customer_id":456,'
        '"chef_id":"chef_789","status":"pending","total_amount":116.91,"items":[' + lines + '],'
        '"created_at":"2025-08-08T10:00:00Z","notes":"ring twice"}}'
    ).encode()


# pydantic v2 models with the fields of hookwire.payloads.Order / OrderItem: every field
# optional, ids int or str, money Decimal, timestamps as sent, other fields kept (extra allowed).
Id = Union[int, str]
Stamp = Union[str, int]


class OrderItemModel(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: Optional[Id] = None
    menu_item_id: Optional[Id] = None
    quantity: Optional[int] = None
    price: Optional[Decimal] = None
    modifiers: Optional[List[Any]] = None


class OrderModel(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: Optional[Id] = None
    order_id: Optional[Id] = None
    order_number: Optional[str] = None
    restaurant_id: Optional[Id] = None
    customer_id: Optional[Id] = None
    chef_id: Optional[Id] = None
    status: Optional[str] = None
    previous_status: Optional[str] = None
    updated_fields: Optional[List[str]] = None
    total_amount: Optional[Decimal] = None
    items: Optional[List[OrderItemModel]] = None
    preparation_time: Optional[int] = None
    total_time_minutes: Optional[int] = None
    created_at: Optional[Stamp] = None
    updated_at: Optional[Stamp] = None
    completed_at: Optional[Stamp] = None


class EventModel(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: Optional[str] = None
    type: str
    timestamp: Optional[Stamp] = None
    data: OrderModel


def check_models_match_the_payload_types() -> None:
    """The pydantic models hold the same typed fields as hookwire's classes (else the race is
    not fair)."""
    for model, cls in ((OrderModel, hookwire.Order), (OrderItemModel, hookwire.OrderItem)):
        ours = {name for _, name, _ in cls._FIELDS}
        theirs = set(model.model_fields)
        if ours != theirs:
            sys.exit(f"{model.__name__} differs from hookwire.{cls.__name__}: {sorted(ours ^ theirs)}")


def read_fields(event_type, data) -> tuple:
    """What a handler reads: the type, the ids, the status, the money, every line's price."""
    return (event_type, data.id, data.status, data.total_amount, [item.price for item in data.items])


def row(name, at_filing, now, reference_name, reference, goal, met, note=""):
    ratio_now = reference / now
    return (f"| {name} | {at_filing} | {now:.2f} µs | {reference_name} {reference:.2f} µs | "
            f"{ratio_now:.2f}× | {goal} | {'**met**' if met else '**not met**'}{note} |")


def main() -> None:
    check_models_match_the_payload_types()
    print(f"Python {sys.version.split()[0]}, hookwire (abi3 cp310), REPEAT={REPEAT}, median per call, interleaved")
    print()

    # --- verify, 1 KB Standard Webhooks message ------------------------------------------------
    body = verify_body(1024)
    headers = hookwire.Signer(SECRET, scheme="standard-webhooks").sign(body, msg_id="msg_bench", timestamp=NOW)
    verifier = hookwire.Verifier(SECRET, scheme="standard-webhooks")
    expected = hmac.new(KEY, b"msg_bench." + str(NOW).encode() + b"." + body, hashlib.sha256).digest()
    expected_b64 = base64.b64encode(expected).decode()

    names = {"verifier": verifier, "body": body, "headers": headers, "NOW": NOW, "KEY": KEY,
             "hmac": hmac, "hashlib": hashlib, "base64": base64}
    with_hookwire = "verifier.verify(body, headers, now=NOW)"
    # The hand-rolled recipe: HMAC of id.timestamp.body, the header's base64, constant-time.
    with_stdlib = (
        'signed = headers["webhook-id"].encode() + b"." + headers["webhook-timestamp"].encode() + b"." + body\n'
        "mac = base64.b64encode(hmac.new(KEY, signed, hashlib.sha256).digest()).decode()\n"
        'ok = hmac.compare_digest(mac, headers["webhook-signature"].split(",", 1)[1])'
    )
    exec(with_stdlib, names)
    assert names.pop("ok") and headers["webhook-signature"] == "v1," + expected_b64
    exec(with_hookwire, names)

    def in_rust():
        # The core's verify_at given the same (name, value) pairs the binding hands it.
        return _hookwire._bench_verify_ns(verifier, body, headers, NOW, 20_000) / 1000

    verify_runs: dict = {"hookwire": [], "stdlib": [], "rust": []}
    for _ in range(REPEAT):  # interleaved, as in race()
        verify_runs["hookwire"].append(timeit.Timer(with_hookwire, globals=names).timeit(20_000) / 20_000 * 1e6)
        verify_runs["stdlib"].append(timeit.Timer(with_stdlib, globals=names).timeit(20_000) / 20_000 * 1e6)
        verify_runs["rust"].append(in_rust())
    verify_us, stdlib_us, rust_us = (statistics.median(verify_runs[k]) for k in ("hookwire", "stdlib", "rust"))

    # --- typed parse, the order event ------------------------------------------------------------
    order = order_body()
    event = hookwire.parse_event(order)
    model = EventModel.model_validate_json(order)
    ours = read_fields(event.type, event.data)
    theirs = read_fields(model.type, model.data)
    assert ours == theirs, (ours, theirs)
    assert isinstance(ours[3], Decimal) and ours[3] == Decimal("116.91")

    names = {"parse_event": hookwire.parse_event, "validate": EventModel.model_validate_json, "order": order,
             "read_fields": read_fields, "loads": json.loads, "orjson_loads": orjson.loads}
    typed = race({"hookwire": "parsed = parse_event(order)\nread_fields(parsed.type, parsed.data)",
                  "pydantic": "parsed = validate(order)\nread_fields(parsed.type, parsed.data)"}, 10_000, names)
    data_us, pydantic_us = typed["hookwire"], typed["pydantic"]
    parsed = race({"hookwire": "parse_event(order)", "json": "loads(order)", "orjson": "orjson_loads(order)"},
                  10_000, names)
    parse_us, loads_us, orjson_us = parsed["hookwire"], parsed["json"], parsed["orjson"]

    f = AT_FILING
    print(f"| row | at filing | now | reference (this run) | ratio | goal | |")
    print("|---|---|---|---|---|---|---|")
    print(row("Python `Verifier.verify`, 1 KB", f"{f['verify']} µs (stdlib {f['stdlib']} µs: {f['stdlib'] / f['verify']:.2f}×)",
              verify_us, "stdlib hmac + compare_digest", stdlib_us, "≥ 1.7× faster", stdlib_us / verify_us >= 1.7))
    crossing = verify_us / rust_us
    print(f"| Python `Verifier.verify` ÷ Rust `verify_at`, same message | {f['verify'] / f['rust_verify']:.2f}× "
          f"(Rust {f['rust_verify']} µs) | {verify_us:.2f} µs | Rust `verify_at` {rust_us:.2f} µs | {crossing:.3f}× "
          f"| ≤ 1.3× | {'**met**' if crossing <= 1.3 else '**not met**'} |")
    print(row(f"Python `parse_event(order).data`, fields read ({len(order)} B)",
              f"{f['data']} µs (pydantic {f['pydantic']} µs: {f['pydantic'] / f['data']:.2f}×)",
              data_us, "pydantic v2 `model_validate_json`", pydantic_us, "≥ 1.5× faster", pydantic_us / data_us >= 1.5))
    print(row("Python `parse_event` without `.data`", f"{f['parse']} µs (json.loads {f['json_loads']} µs)",
              parse_us, "`json.loads`", loads_us, "≥ 1× (no slower)", loads_us / parse_us >= 1.0,
              f"; `orjson.loads` {orjson_us:.2f} µs (at filing {f['orjson']} µs)"))


if __name__ == "__main__":
    main()
