#!/usr/bin/env python3
"""Generates tests/vectors/events.json: the cross-language event parsing cases.

Run by the Rust, Python, Node and Kotlin tests. The cases are:

* one per fixture in tests/fixtures/dialects/ (the body is the file's exact text, so the
  fixtures and the vectors cannot drift apart), with a few fields checked by hand;
* extra cases: exact money, ids as numbers and strings (integers of any size), unknown fields and
  types, strict mode, Device Service route hints, timestamps, repeated keys, and bodies that
  must be refused (invalid_payload).

Every case is checked here against a small reference model of the spec (DESIGN.md §5): a body
that the model cannot parse, a field whose hand-written value differs from what the model reads,
or a wrong round-trip claim stops the generator. The model is deliberately plain Python with
none of the Rust code's structure, so the two are independent.

Usage:
    python3 tests/vectors/generate_events.py           # (re)write events.json
    python3 tests/vectors/generate_events.py --check   # exit 1 if events.json is stale
"""

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent / "fixtures" / "dialects"
OUTPUT = HERE / "events.json"

DIALECTS = ["hookwire", "ops-center", "webnet", "homechef", "auraconnect", "device-service"]

# ---------------------------------------------------------------------------------------------
# Reference model of DESIGN.md §5
# ---------------------------------------------------------------------------------------------

FAMILY_TYPES = {
    "device": ["registered", "created", "updated", "deleted", "online", "offline",
               "status_changed", "alert", "temperature"],
    "order": ["created", "updated", "completed", "cancelled"],
    "job": ["created", "started", "completed", "failed"],
    "user": ["created", "updated", "deleted", "login", "logout", "password_changed",
             "email_verified", "profile_updated"],
}
TYPED = {f"{family}.{verb}": family for family, verbs in FAMILY_TYPES.items() for verb in verbs}

# Every type named by the five systems' documents (plus hookwire's device.temperature): the
# catalog. Strict parsing refuses anything else.
OTHER_KNOWN = [
    # Ops Center
    "subscription.created", "subscription.updated", "subscription.cancelled",
    "subscription.renewed", "subscription.payment_failed",
    "payment.succeeded", "payment.failed", "payment.refunded",
    "invoice.created", "invoice.paid", "invoice.overdue",
    "organization.created", "organization.updated", "organization.deleted",
    "alert.triggered", "alert.resolved",
    # webnet
    "config.backup_created", "config.changed", "config.deployed",
    "compliance.check_completed", "compliance.violation_detected",
    # HomeChef
    "payment.success", "tip.received", "chef.approved", "delivery.assigned",
    # AuraConnect
    "payment.completed", "inventory.low_stock", "inventory.out_of_stock",
    "staff.clocked_in", "staff.shift_alert", "pos.sync_completed", "pos.sync_failed",
]
KNOWN = set(TYPED) | set(OTHER_KNOWN)

ROUTE_TYPES = {"temperature_update": "device.temperature",
               "device_status_update": "device.status_changed"}

# dialect -> (id key, type key, timestamp key, actor key, where the data is)
LAYOUTS = {
    "hookwire": ("id", "type", "timestamp", "actor", ("key", "data")),
    "ops-center": (None, "event", "timestamp", None, ("key", "data")),
    "webnet": (None, "event_type", "event_timestamp", "actor", ("resource",)),
    "homechef": (None, "event", "timestamp", None, ("key", "data")),
    "auraconnect": ("id", "type", "created", None, ("nested", "data", "object")),
}

MAX_DEPTH = 64  # the Rust core's limit; the vectors only need "10,000 is too deep"

RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")  # no offset: naive, read as UTC


class Invalid(Exception):
    code = "invalid_payload"


class UnknownType(Exception):
    code = "unknown_event_type"


def check_depth(text):
    depth, in_string, escaped = 0, False, False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
            continue
        if ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise Invalid("too deep")
        elif ch in "]}":
            depth -= 1


class Obj(dict):
    """A JSON object that remembers the keys it was given more than once (the dict keeps the
    last). A key hookwire reads (envelope keys, typed fields) must not repeat: JSON parsers
    disagree on which copy counts (RFC 8259). Repeats of other keys are kept as they came."""
    repeated = frozenset()


def object_pairs(pairs):
    obj = Obj(pairs)
    keys = [k for k, _ in pairs]
    obj.repeated = frozenset(k for k in keys if keys.count(k) > 1)
    return obj


def check_once(obj, key, path):
    if key in getattr(obj, "repeated", ()):
        raise Invalid(f"{path}.{key} appears more than once")


def load(text):
    check_depth(text)

    def no_constants(name):
        raise Invalid(f"{name} is not JSON")

    try:
        return json.loads(text, parse_constant=no_constants, object_pairs_hook=object_pairs)
    except ValueError as e:
        raise Invalid(f"not JSON: {e}") from None


def is_int(v):
    return type(v) is int


def is_number(v):
    return type(v) in (int, float)


def check_id(v, path):
    if not (isinstance(v, str) or is_int(v)):
        raise Invalid(f"{path} must be a string or an integer")


def check_str(v, path):
    if not isinstance(v, str):
        raise Invalid(f"{path} must be a string")


def check_timestamp(v, path):
    if is_int(v):
        return
    if not (isinstance(v, str) and RFC3339.match(v)):
        raise Invalid(f"{path} must be an RFC 3339 timestamp or unix seconds")


def check_object(v, path):
    if not isinstance(v, dict):
        raise Invalid(f"{path} must be an object")


def check_fields(obj, path, spec):
    check_object(obj, path)
    for key, check in spec.items():
        check_once(obj, key, path)
        value = obj.get(key)
        if value is not None:  # null reads as absent (and is kept)
            check(value, f"{path}.{key}")


def list_of(item_check):
    def check(v, path):
        if not isinstance(v, list):
            raise Invalid(f"{path} must be an array")
        for i, item in enumerate(v):
            item_check(item, f"{path}[{i}]")
    return check


def number(v, path):
    if not is_number(v):
        raise Invalid(f"{path} must be a number")


def integer(v, path):
    if not is_int(v):
        raise Invalid(f"{path} must be an integer")


def boolean(v, path):
    if type(v) is not bool:
        raise Invalid(f"{path} must be true or false")


def unit(v, path):
    if v not in ("F", "C"):
        raise Invalid(f'{path} must be "F" or "C"')


def anything(v, path):
    pass


def obj(spec):
    return lambda v, path: check_fields(v, path, spec)


PROBE = {"probe_id": check_id, "temperature": number, "unit": unit, "timestamp": check_timestamp}
SPECS = {
    "device": {"device_id": check_id, "device_name": check_str, "model": check_str,
               "battery_level": number, "signal_strength": number, "is_online": boolean,
               "status": check_str, "last_seen": check_timestamp, "probes": list_of(obj(PROBE))},
    "order": {"id": check_id, "order_id": check_id, "order_number": check_str,
              "restaurant_id": check_id, "customer_id": check_id, "chef_id": check_id,
              "status": check_str, "previous_status": check_str,
              "updated_fields": list_of(check_str), "total_amount": number,
              "items": list_of(obj({"id": check_id, "menu_item_id": check_id, "quantity": integer,
                                    "price": number, "modifiers": list_of(anything)})),
              "preparation_time": integer, "total_time_minutes": integer,
              "created_at": check_timestamp, "updated_at": check_timestamp,
              "completed_at": check_timestamp},
    "job": {"id": check_id, "type": check_str, "status": check_str,
            "requested_at": check_timestamp, "started_at": check_timestamp,
            "finished_at": check_timestamp, "target_summary": anything,
            "result_summary": anything},
    "user": {"user_id": check_id, "email": check_str, "created_at": check_timestamp},
}
ACTOR = {"id": check_id, "username": check_str}


def family_of(event_type):
    return TYPED.get(event_type, "other")


def check_data(event_type, data):
    family = family_of(event_type)
    if family != "other":
        check_fields(data, "data", SPECS[family])
        # Keys, but none of the family's own: a body in another envelope read with the wrong
        # dialect. An error, never a record whose every field is empty.
        if data and not set(data) & set(SPECS[family]):
            raise Invalid(f"data holds none of the {family} fields")


def check_type(event_type, path):
    if not (isinstance(event_type, str) and event_type and
            all(33 <= ord(c) <= 126 for c in event_type)):
        raise Invalid(f"{path} must be a non-empty event type")


def ref_parse(dialect, text, hint, strict):
    """Returns (native envelope, round-trips?) or raises Invalid / UnknownType."""
    body = load(text)
    check_object(body, "body")
    mapped_hint = ROUTE_TYPES.get(hint, hint) if hint is not None else None

    if dialect == "device-service":
        if mapped_hint is None:
            raise Invalid("Device Service payloads need the route type as the hint")
        check_type(mapped_hint, "hint")
        if strict and mapped_hint not in KNOWN:
            raise UnknownType(mapped_hint)
        check_data(mapped_hint, body)
        native = {"type": mapped_hint, "data": body}
        return native, ref_encode(dialect, native, {}) == body

    id_key, type_key, ts_key, actor_key, data_at = LAYOUTS[dialect]
    for key in (id_key, type_key, ts_key, actor_key):
        if key is not None:
            check_once(body, key, "body")
    if data_at[0] == "nested" and "data_extra" in body:
        # hookwire keeps data's members beside `object` under data_extra: a body's own would clash.
        raise Invalid("`body.data_extra` is where hookwire keeps data's other members")
    rest = dict(body)
    native = {}
    if id_key is not None and id_key in rest:
        if rest[id_key] is not None:
            check_str(rest[id_key], f"body.{id_key}")
        native["id"] = rest.pop(id_key)
    event_type = rest.pop(type_key, None)
    type_from_hint = event_type is None
    if type_from_hint:
        if mapped_hint is None:
            raise Invalid(f"the envelope has no `{type_key}`")
        event_type = mapped_hint
    check_type(event_type, f"body.{type_key}")
    if strict and event_type not in KNOWN:
        raise UnknownType(event_type)
    native["type"] = event_type
    if ts_key in rest:
        if rest[ts_key] is not None:
            check_timestamp(rest[ts_key], f"body.{ts_key}")
        native["timestamp"] = rest.pop(ts_key)
    if actor_key is not None and actor_key in rest:
        if rest[actor_key] is not None:
            check_fields(rest[actor_key], f"body.{actor_key}", ACTOR)
        native["actor"] = rest.pop(actor_key)

    beside = {}
    if data_at[0] == "key":
        if data_at[1] not in rest:
            raise Invalid("`body.data` is missing")
        check_once(body, data_at[1], "body")
        data = rest.pop(data_at[1])
    elif data_at[0] == "resource":
        key = event_type.split(".", 1)[0]
        if key not in rest:
            raise Invalid(f"`body.{key}` is missing")
        check_once(body, key, "body")
        data = rest.pop(key)
    else:
        _, outer, inner = data_at
        if outer not in rest:
            raise Invalid(f"`body.{outer}` is missing")
        check_once(body, outer, "body")
        container = rest.pop(outer)
        check_object(container, f"body.{outer}")
        check_once(container, inner, f"body.{outer}")
        if inner not in container:
            raise Invalid(f"`body.{outer}.{inner}` is missing")
        beside = {k: v for k, v in container.items() if k != inner}
        data = container[inner]
    check_data(event_type, data)
    native["data"] = data
    for key, value in rest.items():
        native[key] = value
    return native, not type_from_hint and ref_encode(dialect, native, beside) == body


def ref_encode(dialect, native, beside):
    if dialect == "device-service":
        return native["data"]
    id_key, type_key, ts_key, actor_key, data_at = LAYOUTS[dialect]
    out = {}
    for key, value in native.items():
        if key == "id" and id_key:
            out[id_key] = value
        elif key == "type":
            out[type_key] = value
        elif key == "timestamp":
            out[ts_key] = value
        elif key == "actor" and actor_key:
            out[actor_key] = value
        elif key == "data":
            if data_at[0] == "key":
                out[data_at[1]] = value
            elif data_at[0] == "resource":
                out[native["type"].split(".", 1)[0]] = value
            else:
                out[data_at[1]] = {data_at[2]: value, **beside}
        else:
            out[key] = value
    return out


def same(a, b):
    """JSON equality that tells 1, 1.0 and true apart (as serde_json does)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def pointer(doc, ptr):
    assert ptr.startswith("/"), ptr
    for part in ptr[1:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(doc, list):
            doc = doc[int(part)]
        elif isinstance(doc, dict):
            doc = doc[part]
        else:
            raise KeyError(ptr)
    return doc


# ---------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------

# Fields checked in each fixture's case (pointers into the native envelope), written by hand.
FIXTURE_FIELDS = {
    # Field checks per fixture: pointers into the native envelope, values as in the file.
    "auraconnect__order_created.json": {"/timestamp": "2025-08-08T10:00:00Z", "/data/id": 1001, "/data/order_number": "ORD-2025-001", "/data/total_amount": 45.99, "/data/items/0/price": 12.99, "/data/items/0/quantity": 2, "/data/items/0/modifiers": []},
    "auraconnect__order_updated.json": {"/data/id": 1001, "/data/status": "preparing", "/data/previous_status": "pending", "/data/updated_fields": ["status", "preparation_time"], "/data/preparation_time": 15},
    "auraconnect__order_completed.json": {"/data/status": "completed", "/data/completed_at": "2025-08-08T10:20:00Z", "/data/total_time_minutes": 20},
    "auraconnect__payment_completed.json": {"/data/amount": 45.99, "/data/order_id": 1001, "/data/processor_payment_id": "pi_1234567890"},
    "auraconnect__payment_refunded.json": {"/timestamp": "2025-08-08T11:00:00Z", "/data/refund_amount": 45.99, "/data/refund_reason": "customer_request"},
    "auraconnect__inventory_low_stock.json": {"/data/current_quantity": 5.0, "/data/threshold": 10.0, "/data/unit": "kg"},
    "auraconnect__inventory_out_of_stock.json": {"/data/affected_menu_items": [10, 15, 22], "/data/item_name": "Tomatoes", "/data/item_id": 301, "/data/restaurant_id": 1},
    "auraconnect__staff_clocked_in.json": {"/timestamp": "2025-08-08T08:00:00Z", "/data/staff_id": 101, "/data/staff_name": "John Doe"},
    "auraconnect__staff_shift_alert.json": {"/data/alert_type": "late_arrival", "/data/minutes_late": 15, "/data/staff_id": 102, "/data/staff_name": "Jane Smith"},
    "auraconnect__pos_sync_completed.json": {"/data/sync_id": "sync_456", "/data/items_synced": 150, "/data/orders_synced": 45},
    "auraconnect__pos_sync_failed.json": {"/data/error_code": "POS_CONNECTION_FAILED", "/data/retry_count": 3, "/data/sync_id": "sync_457", "/data/pos_system": "square"},
    "device-service__temperature_update__signals.json": {"/data/device_id": "device_12345", "/data/battery_level": 85, "/data/probes/0/temperature": 225.5, "/data/probes/0/unit": "F", "/data/probes/1/temperature": 135.2, "/data/probes/1/timestamp": "2025-07-20T14:30:00Z"},
    "device-service__temperature_update__curl_test_device.json": {"/data/device_id": "test_device", "/data/battery_level": 100, "/data/probes/0/probe_id": "1"},
    "device-service__temperature_update__celsius_four_probes.json": {"/data/probes/0/temperature": 63.0, "/data/probes/0/unit": "C", "/data/probes/2/temperature": -18.5, "/data/probes/3/temperature": 107.25, "/data/probes/3/alarm_high": 110, "/data/probes/3/alarm_low": None},
    "device-service__device_status_update__signals.json": {"/data/status": "online", "/data/signal_strength": 92, "/data/last_seen": "2025-07-20T14:30:00Z"},
    "device-service__device_status_update__offline.json": {"/data/status": "offline", "/data/is_online": False, "/data/battery_level": 3},
    "webnet__job_completed.json": {"/timestamp": "2025-12-02T01:00:00Z", "/actor/id": 1, "/actor/username": "admin", "/data/id": 123, "/data/type": "config_backup", "/data/target_summary": {"device_count": 5}, "/data/result_summary": {"backed_up": 5}},
    "webnet__job_failed.json": {"/timestamp": "2025-12-02T02:00:00Z", "/actor/username": "ops", "/data/status": "failed"},
    "webnet__device_status_changed.json": {"/data/device_id": 42, "/data/status": "unreachable", "/data/is_online": False},
    "webnet__compliance_violation_detected.json": {"/data/rule": "ssh-v2-only", "/data/check_id": 77, "/data/device": "core-sw-1", "/data/severity": "high"},
    "webnet__config_backup_created.json": {"/data/backup_id": 5012, "/data/size_bytes": 48213, "/data/device_id": 42, "/data/hostname": "core-sw-01"},
    "homechef__order_created.json": {"/timestamp": "2024-01-15T10:30:00Z", "/data/order_id": "order_123", "/data/customer_id": "customer_456", "/data/total_amount": 45.99, "/webhook_id": "webhook_123", "/delivery_id": "delivery_456"},
    "homechef__order_completed.json": {"/data/status": "completed", "/delivery_id": "delivery_457", "/data/order_id": "order_123", "/data/customer_id": "customer_456"},
    "homechef__payment_success.json": {"/data/amount": 45.99, "/data/payment_id": "pay_981", "/data/order_id": "order_123", "/data/method": "card"},
    "homechef__tip_received.json": {"/data/amount": 5.0, "/delivery_id": "delivery_459", "/data/tip_id": "tip_12", "/data/order_id": "order_123"},
    "ops-center__user_created.json": {"/timestamp": "2025-01-26T12:00:00Z", "/data/user_id": 123, "/data/email": "user@example.com", "/data/created_at": "2025-01-26T12:00:00", "/webhook_id": "9b2f6c1e-4d2a-4f5b-9a61-2c3d4e5f6a7b"},
    "ops-center__device_alert.json": {"/data/device_id": "edge-0042", "/data/battery_level": 12, "/webhook_id": "9b2f6c1e-4d2a-4f5b-9a61-2c3d4e5f6a7b"},
    "ops-center__device_online.json": {"/data/is_online": True, "/data/device_id": "edge-0042", "/data/last_seen": "2025-01-26T12:06:00Z"},
    "ops-center__alert_triggered.json": {"/data/severity": "critical", "/data/alert_id": "alrt_77", "/data/message": "CPU above 90% for 5 minutes"},
    "ops-center__payment_succeeded.json": {"/data/amount": 49.0, "/data/currency": "USD", "/data/payment_id": "pay_1", "/data/org_id": "2d7e8f90-1a2b-4c3d-8e9f-0a1b2c3d4e5f"},
    "hookwire__order_created.json": {"/data/id": 1001, "/data/total_amount": 45.99, "/data/items/0/price": 12.99, "/data/items/1/price": 20.01, "/data/items/1/modifiers/0/name": "no onions"},
    "hookwire__order_cancelled.json": {"/data/id": "order_123", "/data/chef_id": "chef_789", "/data/cancellation_reason": "customer_request", "/data/refund/amount": 45.99},
    "hookwire__device_temperature.json": {"/data/probes/0/temperature": 225.5, "/data/device_id": "device_12345", "/data/device_name": "Signals", "/data/battery_level": 85},
    "hookwire__job_started.json": {"/actor": {"id": 1, "username": "admin"}, "/data/type": "config_backup", "/data/status": "running", "/data/started_at": "2025-12-02T00:59:05Z"},
    "hookwire__user_login.json": {"/data/user_id": "usr_42", "/data/mfa": True, "/data/email": "ada@example.com", "/data/ip": "203.0.113.7"},
    "hookwire__widget_exploded.json": {"/data/shrapnel/1": 2.5, "/data/widget": "w-9"},
}


def ok(name, dialect, body, event_type, family, event_id, fields, round_trip=True, hint=None,
       strict=False):
    return {"name": name, "dialect": dialect, "type_hint": hint, "strict": strict, "body": body,
            "expect": {"type": event_type, "family": family, "id": event_id, "fields": fields,
                       "round_trip": round_trip}}


def err(name, dialect, body, code, hint=None, strict=False):
    return {"name": name, "dialect": dialect, "type_hint": hint, "strict": strict, "body": body,
            "expect": {"error": code}}


def fixture_cases():
    cases = []
    files = sorted(FIXTURES.glob("*.json"))
    names = {f.name for f in files}
    missing = names - FIXTURE_FIELDS.keys()
    stale = FIXTURE_FIELDS.keys() - names
    if missing or stale:
        sys.exit(f"FIXTURE_FIELDS out of date: no checks for {sorted(missing)}, "
                 f"no file for {sorted(stale)}")
    for path in files:
        parts = path.stem.split("__")
        dialect = parts[0]
        if dialect not in DIALECTS:
            sys.exit(f"{path.name}: unknown dialect {dialect!r}")
        hint = None
        if dialect == "device-service":
            hint = parts[1]
            if hint not in ROUTE_TYPES:
                sys.exit(f"{path.name}: the slug must start with the route type")
        text = path.read_text(encoding="utf-8")
        native, _ = ref_parse(dialect, text, hint, False)
        name = "/".join(p.replace("_", "-") for p in parts)
        cases.append(ok(name, dialect, text, native["type"], family_of(native["type"]),
                        native.get("id"), FIXTURE_FIELDS[path.name], hint=hint))
    return cases


def compact(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def extra_cases():
    c = []

    # --- money: exact decimals, read back as the same number -------------------------------
    c.append(ok("money/0.1", "hookwire",
                '{"id":"evt_money_1","type":"order.created","timestamp":"2025-08-08T10:00:00Z",'
                '"data":{"id":1002,"total_amount":0.1,"items":[{"id":1,"menu_item_id":99,"quantity":1,"price":0.1,"modifiers":[]}]}}',
                "order.created", "order", "evt_money_1",
                {"/data/total_amount": 0.1, "/data/items/0/price": 0.1}))
    c.append(ok("money/1234567.89", "homechef",
                '{"event":"order.created","data":{"order_id":"order_9001","customer_id":"customer_catering_1","chef_id":"chef_789",'
                '"total_amount":1234567.89,"status":"pending"},"timestamp":"2024-01-15T10:30:00Z","webhook_id":"webhook_123","delivery_id":"delivery_900"}',
                "order.created", "order", None, {"/data/total_amount": 1234567.89}))
    c.append(ok("money/19.999", "auraconnect",
                '{"id":"evt_140","type":"order.updated","created":"2025-08-08T10:07:00Z","data":{"object":{"id":1003,'
                '"status":"preparing","total_amount":59.997,"items":[{"id":1,"menu_item_id":31,"quantity":3,"price":19.999,"modifiers":[]}],'
                '"updated_fields":["items"],"updated_at":"2025-08-08T10:07:00Z"}}}',
                "order.updated", "order", "evt_140",
                {"/data/items/0/price": 19.999, "/data/total_amount": 59.997}))
    c.append(ok("money/45.99-and-12.99", "hookwire",
                '{"id":"evt_money_2","type":"order.created","data":{"id":1001,"total_amount":45.99,'
                '"items":[{"id":1,"quantity":2,"price":12.99},{"id":2,"quantity":1,"price":20.01}]}}',
                "order.created", "order", "evt_money_2",
                {"/data/total_amount": 45.99, "/data/items/0/price": 12.99, "/data/items/1/price": 20.01}))
    c.append(ok("money/trailing-zeros-and-integers", "ops-center",
                '{"event":"payment.succeeded","timestamp":"2025-01-26T15:00:02Z","data":{"amount":49.00,"fee":1.50,'
                '"net":47.5,"refunded":0,"currency":"usd"},"webhook_id":"8c4e1b6f-2d3a-4b5c-9e7f-1a2b3c4d5e6f"}',
                "payment.succeeded", "other", None,
                {"/data/amount": 49.0, "/data/fee": 1.5, "/data/refunded": 0}))
    c.append(ok("money/in-other-family-payment", "auraconnect",
                '{"id":"evt_141","type":"payment.completed","created":"2025-08-08T10:21:00Z","data":{"object":{"id":2002,'
                '"order_id":1003,"amount":1234567.89,"tip_amount":0.1,"tax_amount":19.999,"status":"completed"}}}',
                "payment.completed", "other", "evt_141",
                {"/data/amount": 1234567.89, "/data/tip_amount": 0.1, "/data/tax_amount": 19.999}))

    # --- ids: numbers stay numbers, strings stay strings ------------------------------------
    c.append(ok("ids/order-number-1001", "auraconnect",
                '{"id":"evt_150","type":"order.completed","created":"2025-08-08T10:20:00Z","data":{"object":{"id":1001,'
                '"restaurant_id":1,"customer_id":456,"status":"completed"}}}',
                "order.completed", "order", "evt_150",
                {"/data/id": 1001, "/data/restaurant_id": 1, "/data/customer_id": 456}))
    c.append(ok("ids/order-string-order_123", "homechef",
                '{"event":"order.cancelled","data":{"order_id":"order_123","customer_id":"customer_456","chef_id":"chef_789",'
                '"status":"cancelled"},"timestamp":"2024-01-15T10:40:00Z","webhook_id":"webhook_123","delivery_id":"delivery_460"}',
                "order.cancelled", "order", None,
                {"/data/order_id": "order_123", "/data/customer_id": "customer_456", "/data/chef_id": "chef_789"}))
    c.append(ok("ids/numeric-string-stays-string", "hookwire",
                '{"id":"evt_ids_1","type":"order.updated","data":{"id":"1001","order_id":1001,"restaurant_id":"1"}}',
                "order.updated", "order", "evt_ids_1",
                {"/data/id": "1001", "/data/order_id": 1001, "/data/restaurant_id": "1"}))
    c.append(ok("ids/user-number-and-string", "ops-center",
                '{"event":"user.deleted","timestamp":"2025-01-26T16:00:00Z","data":{"user_id":123,"deleted_by":"usr_admin_1"},'
                '"webhook_id":"webhook-uuid"}',
                "user.deleted", "user", None, {"/data/user_id": 123, "/data/deleted_by": "usr_admin_1"}))
    c.append(ok("ids/device-number-and-probe-number", "device-service",
                '{"device_id":12345,"device_name":"Signals","probes":[{"probe_id":1,"temperature":225.5,"unit":"F","timestamp":"2025-07-20T14:30:00Z"}]}',
                "device.temperature", "device", None,
                {"/data/device_id": 12345, "/data/probes/0/probe_id": 1}, hint="temperature_update"))
    c.append(ok("ids/number-beyond-2^53", "auraconnect",
                '{"id":"evt_151","type":"order.created","created":"2025-08-08T10:00:00Z","data":{"object":{"id":9007199254740993,'
                '"restaurant_id":1,"total_amount":45.99}}}',
                "order.created", "order", "evt_151", {"/data/id": 9007199254740993}))
    c.append(ok("ids/actor-id-number", "webnet",
                '{"event_timestamp":"2025-12-02T00:59:00Z","event_type":"job.created","actor":{"id":1,"username":"admin"},'
                '"job":{"id":125,"type":"compliance_check","status":"pending","requested_at":"2025-12-02T00:59:00Z"}}',
                "job.created", "job", None, {"/actor/id": 1, "/data/id": 125, "/data/status": "pending"}))

    # --- unknown fields are kept ------------------------------------------------------------
    c.append(ok("unknown-fields/envelope-hookwire", "hookwire",
                '{"id":"evt_uf_1","type":"user.created","timestamp":"2025-01-26T12:00:00Z","api_version":"2025-08-01",'
                '"data":{"user_id":123,"email":"user@example.com"},"livemode":false}',
                "user.created", "user", "evt_uf_1",
                {"/api_version": "2025-08-01", "/livemode": False, "/data/user_id": 123}))
    c.append(ok("unknown-fields/order-data-and-item", "hookwire",
                '{"id":"evt_uf_2","type":"order.created","data":{"id":1001,"loyalty_points":46,"total_amount":45.99,'
                '"items":[{"id":1,"price":12.99,"quantity":2,"allergens":["gluten","dairy"]}],"delivery":{"address":{"city":"Lisbon"}}}}',
                "order.created", "order", "evt_uf_2",
                {"/data/loyalty_points": 46, "/data/items/0/allergens": ["gluten", "dairy"],
                 "/data/delivery/address/city": "Lisbon"}))
    c.append(ok("unknown-fields/homechef-envelope", "homechef",
                '{"event":"order.created","data":{"order_id":"order_124","total_amount":18.5,"status":"pending"},'
                '"timestamp":"2024-01-15T10:35:00Z","webhook_id":"webhook_123","delivery_id":"delivery_461","attempt":2}',
                "order.created", "order", None,
                {"/webhook_id": "webhook_123", "/delivery_id": "delivery_461", "/attempt": 2}))
    c.append(ok("unknown-fields/webnet-envelope", "webnet",
                '{"event_timestamp":"2025-12-02T01:00:00Z","event_type":"device.created","actor":{"id":1,"username":"admin","email":"admin@example.net"},'
                '"device":{"device_id":43,"device_name":"edge-rtr-02","status":"reachable","serial":"FDO2231X0AB"},"customer":1}',
                "device.created", "device", None,
                {"/customer": 1, "/actor/email": "admin@example.net", "/data/serial": "FDO2231X0AB"}))
    c.append(ok("unknown-fields/device-probe", "device-service",
                '{"device_id":"device_12345","probes":[{"probe_id":"1","temperature":225.5,"unit":"F","timestamp":"2025-07-20T14:30:00Z",'
                '"alarm_high":250,"alarm_low":null,"label":"Brisket"}],"firmware":"1.9.3"}',
                "device.temperature", "device", None,
                {"/data/probes/0/alarm_high": 250, "/data/probes/0/alarm_low": None,
                 "/data/probes/0/label": "Brisket", "/data/firmware": "1.9.3"}, hint="temperature_update"))
    c.append(ok("unknown-fields/nulls-in-typed-fields-kept", "hookwire",
                '{"id":"evt_uf_3","type":"order.updated","data":{"id":1001,"chef_id":null,"completed_at":null,"status":"preparing"}}',
                "order.updated", "order", "evt_uf_3",
                {"/data/chef_id": None, "/data/completed_at": None, "/data/status": "preparing"}))
    c.append(ok("unknown-fields/auraconnect-beside-object", "auraconnect",
                '{"id":"evt_152","type":"order.updated","created":"2025-08-08T10:05:00Z","data":{"object":{"id":1001,'
                '"status":"preparing"},"previous_attributes":{"status":"pending"}},"livemode":true}',
                "order.updated", "order", "evt_152",
                {"/data/id": 1001, "/data/status": "preparing", "/livemode": True}))
    c.append(ok("unknown-fields/unicode-and-escapes", "ops-center",
                '{"event":"user.profile_updated","timestamp":"2025-01-26T12:30:00Z","data":{"user_id":124,'
                '"email":"zoe@example.com","display_name":"Zo\\u00eb \\ud83c\\udf5c","bio":"Caf\u00e9 owner \\/ <b>chef</b>\\n\\ttabs",'
                '"city":"Mal\u00e9"},"webhook_id":"webhook-uuid"}',
                "user.profile_updated", "user", None,
                {"/data/display_name": "Zo\u00eb \U0001F35C", "/data/bio": "Caf\u00e9 owner / <b>chef</b>\n\ttabs",
                 "/data/city": "Mal\u00e9"}))

    # --- unknown types: kept as other, refused in strict mode --------------------------------
    widget = '{"id":"evt_w1","type":"widget.exploded","timestamp":"2025-08-08T10:00:00Z","data":{"shrapnel":[1,2.50],"widget_id":"wdg_42"}}'
    c.append(ok("unknown-type/kept-as-other", "hookwire", widget, "widget.exploded", "other", "evt_w1",
                {"/data/shrapnel": [1, 2.50], "/data/widget_id": "wdg_42"}))
    c.append(err("unknown-type/strict-refuses", "hookwire", widget, "unknown_event_type", strict=True))
    refund = ('{"id":"evt_w2","type":"order.refunded","data":{"order_id":"order_123",'
              '"total_amount":"45.99","reason":"late"}}')
    c.append(ok("unknown-type/known-prefix-is-still-other", "hookwire", refund, "order.refunded", "other",
                "evt_w2", {"/data/total_amount": "45.99", "/data/reason": "late"}))
    c.append(err("unknown-type/known-prefix-strict-refuses", "hookwire", refund, "unknown_event_type",
                 strict=True))
    banned = ('{"event":"user.banned","timestamp":"2025-01-26T17:00:00Z","data":{"user_id":123,"reason":"spam"},'
              '"webhook_id":"webhook-uuid"}')
    c.append(ok("unknown-type/ops-center-kept", "ops-center", banned, "user.banned", "other", None,
                {"/data/reason": "spam", "/webhook_id": "webhook-uuid"}))
    c.append(err("unknown-type/ops-center-strict-refuses", "ops-center", banned, "unknown_event_type",
                 strict=True))
    c.append(ok("unknown-type/webnet-resource-named-after-prefix", "webnet",
                '{"event_timestamp":"2025-12-02T04:00:00Z","event_type":"widget.exploded","actor":{"id":1,"username":"admin"},'
                '"widget":{"id":9,"cause":"overpressure"}}',
                "widget.exploded", "other", None, {"/data/id": 9, "/data/cause": "overpressure"}))

    # --- strict mode with known types ---------------------------------------------------------
    aura_order = (FIXTURES / "auraconnect__order_created.json").read_text(encoding="utf-8")
    c.append(ok("strict/known-order-type", "auraconnect", aura_order, "order.created", "order", "evt_123",
                {"/data/total_amount": 45.99}, strict=True))
    aura_payment = (FIXTURES / "auraconnect__payment_completed.json").read_text(encoding="utf-8")
    c.append(ok("strict/known-other-type", "auraconnect", aura_payment, "payment.completed", "other",
                "evt_126", {"/data/amount": 45.99}, strict=True))
    homechef_tip = (FIXTURES / "homechef__tip_received.json").read_text(encoding="utf-8")
    c.append(ok("strict/known-homechef-type", "homechef", homechef_tip, "tip.received", "other", None,
                {"/data/amount": 5.00}, strict=True))
    signals = (FIXTURES / "device-service__temperature_update__signals.json").read_text(encoding="utf-8")
    c.append(ok("strict/device-service-route-type", "device-service", signals, "device.temperature",
                "device", None, {"/data/device_id": "device_12345"}, hint="temperature_update",
                strict=True))

    # --- Device Service: the route gives the type --------------------------------------------
    c.append(ok("device-service/canonical-hint-device.temperature", "device-service", signals,
                "device.temperature", "device", None,
                {"/type": "device.temperature", "/data/probes/0/temperature": 225.5},
                hint="device.temperature"))
    status = (FIXTURES / "device-service__device_status_update__signals.json").read_text(encoding="utf-8")
    c.append(ok("device-service/canonical-hint-device.status_changed", "device-service", status,
                "device.status_changed", "device", None, {"/type": "device.status_changed", "/data/status": "online"},
                hint="device.status_changed"))
    c.append(ok("device-service/route-hint-maps-type", "device-service", status,
                "device.status_changed", "device", None, {"/type": "device.status_changed"},
                hint="device_status_update"))

    # --- type hints are used only when the envelope has no type ------------------------------
    c.append(ok("hint/ignored-when-envelope-has-type", "homechef",
                (FIXTURES / "homechef__order_created.json").read_text(encoding="utf-8"),
                "order.created", "order", None, {"/type": "order.created"}, hint="payment.success"))
    c.append(ok("hint/used-when-envelope-has-no-type", "hookwire",
                '{"id":"evt_h1","timestamp":"2025-08-08T10:00:00Z","data":{"id":1001,"total_amount":45.99}}',
                "order.created", "order", "evt_h1", {"/type": "order.created", "/data/total_amount": 45.99},
                round_trip=False, hint="order.created"))

    # --- timestamps: kept as written --------------------------------------------------------
    c.append(ok("timestamp/offset-plus-02:00", "hookwire",
                '{"id":"evt_t1","type":"user.logout","timestamp":"2025-08-08T12:00:00+02:00","data":{"user_id":123}}',
                "user.logout", "user", "evt_t1", {"/timestamp": "2025-08-08T12:00:00+02:00"}))
    c.append(ok("timestamp/fractional-seconds", "webnet",
                '{"event_timestamp":"2025-12-02T01:00:00.123456Z","event_type":"job.started","actor":{"id":1,"username":"admin"},'
                '"job":{"id":126,"type":"config_backup","status":"running","started_at":"2025-12-02T01:00:00.1Z"}}',
                "job.started", "job", None,
                {"/timestamp": "2025-12-02T01:00:00.123456Z", "/data/started_at": "2025-12-02T01:00:00.1Z"}))
    c.append(ok("timestamp/offset-and-fraction-in-data", "auraconnect",
                '{"id":"evt_160","type":"order.created","created":"2025-08-08T10:00:00Z","data":{"object":{"id":1004,'
                '"created_at":"2025-08-08T05:00:00.250-05:00","updated_at":"2025-08-08T15:30:00+05:30"}}}',
                "order.created", "order", "evt_160",
                {"/data/created_at": "2025-08-08T05:00:00.250-05:00", "/data/updated_at": "2025-08-08T15:30:00+05:30"}))
    c.append(ok("timestamp/unix-seconds-auraconnect-created", "auraconnect",
                '{"id":"evt_161","type":"order.completed","created":1754647200,"data":{"object":{"id":1001,"status":"completed"}}}',
                "order.completed", "order", "evt_161", {"/timestamp": 1754647200}))
    c.append(ok("timestamp/unix-seconds-hookwire", "hookwire",
                '{"id":"evt_t2","type":"job.completed","timestamp":1764637200,"data":{"id":123,"status":"success","finished_at":1764637200}}',
                "job.completed", "job", "evt_t2", {"/timestamp": 1764637200, "/data/finished_at": 1764637200}))
    c.append(ok("timestamp/unix-seconds-device-last-seen", "device-service",
                '{"device_id":"device_12345","status":"online","battery_level":85,"last_seen":1753021800}',
                "device.status_changed", "device", None, {"/data/last_seen": 1753021800},
                hint="device_status_update"))
    c.append(ok("timestamp/python-naive-isoformat", "ops-center",
                '{"event":"user.created","timestamp":"2025-01-26T12:00:00.123456","data":{"user_id":125,'
                '"email":"naive@example.com","created_at":"2025-01-26T11:59:59.874512"},"webhook_id":"webhook-uuid"}',
                "user.created", "user", None,
                {"/timestamp": "2025-01-26T12:00:00.123456", "/data/created_at": "2025-01-26T11:59:59.874512"}))

    # --- formatting the wire may carry ------------------------------------------------------
    c.append(ok("format/crlf-and-trailing-whitespace", "homechef",
                '{\r\n  "event": "payment.failed",\r\n  "data": {"payment_id": "payment_902", "order_id": "order_125", '
                '"amount": 12.5, "failure_reason": "card_declined"},\r\n  "timestamp": "2024-01-15T10:45:00Z",\r\n'
                '  "webhook_id": "webhook_123",\r\n  "delivery_id": "delivery_462"\r\n}\r\n\t ',
                "payment.failed", "other", None, {"/data/failure_reason": "card_declined", "/data/amount": 12.5}))
    c.append(ok("format/actor-null-system-job", "webnet",
                '{"event_timestamp":"2025-12-02T05:00:00Z","event_type":"job.started","actor":null,'
                '"job":{"id":127,"type":"scheduled_backup","status":"running"}}',
                "job.started", "job", None, {"/actor": None, "/data/type": "scheduled_backup"}))

    # --- integers of any size: an id keeps its exact digits -----------------------------------
    for slug, digits in [("2^64", "18446744073709551616"), ("minus-2^63-minus-1", "-9223372036854775809"),
                         ("40-digits", "1234567890123456789012345678901234567890"),
                         ("i64-max", "9223372036854775807")]:
        c.append(ok(f"ids/integer-{slug}", "hookwire",
                    '{"id":"evt_big","type":"user.created","data":{"user_id":' + digits + ',"email":"a@example.com"}}',
                    "user.created", "user", "evt_big", {"/data/user_id": int(digits)}))
    c.append(ok("ids/integer-2^64-in-order-item", "auraconnect",
                '{"id":"evt_153","type":"order.created","created":"2025-08-08T10:00:00Z","data":{"object":'
                '{"id":18446744073709551616,"items":[{"id":-9223372036854775809,"quantity":1}]}}}',
                "order.created", "order", "evt_153",
                {"/data/id": 18446744073709551616, "/data/items/0/id": -9223372036854775809}))
    c.append(err("ids/decimal-is-not-an-id", "hookwire",
                 '{"id":"evt_1","type":"user.created","data":{"user_id":1.5}}', "invalid_payload"))

    # --- repeated keys: refused where hookwire reads them, kept where it does not -------------
    c.append(err("repeated-keys/typed-null-then-value", "hookwire",
                 '{"id":"evt_1","type":"order.created","data":{"total_amount":null,"total_amount":2}}',
                 "invalid_payload"))
    c.append(err("repeated-keys/typed-value-then-null", "hookwire",
                 '{"id":"evt_1","type":"order.created","data":{"total_amount":2,"total_amount":null}}',
                 "invalid_payload"))
    c.append(err("repeated-keys/typed-value-twice", "homechef",
                 '{"event":"order.created","data":{"order_id":"o1","order_id":"o2"},"timestamp":"2024-01-15T10:30:00Z"}',
                 "invalid_payload"))
    c.append(err("repeated-keys/nested-item", "hookwire",
                 '{"id":"evt_1","type":"order.created","data":{"items":[{"quantity":null,"quantity":3}]}}',
                 "invalid_payload"))
    c.append(err("repeated-keys/envelope-id-null-then-string", "hookwire",
                 '{"id":null,"id":"evt_2","type":"user.login","data":{}}', "invalid_payload"))
    c.append(err("repeated-keys/envelope-type", "ops-center",
                 '{"event":"user.login","event":"user.logout","timestamp":"2025-01-26T12:00:00Z","data":{}}',
                 "invalid_payload"))
    c.append(err("repeated-keys/envelope-timestamp", "webnet",
                 '{"event_timestamp":null,"event_timestamp":"2025-12-02T01:00:00Z","event_type":"job.started",'
                 '"job":{"id":1}}', "invalid_payload"))
    c.append(err("repeated-keys/actor-field", "webnet",
                 '{"event_timestamp":"2025-12-02T01:00:00Z","event_type":"job.started","actor":{"id":1,"id":2},'
                 '"job":{"id":1}}', "invalid_payload"))
    c.append(err("repeated-keys/auraconnect-object", "auraconnect",
                 '{"id":"evt_1","type":"order.created","created":"2025-08-08T10:00:00Z",'
                 '"data":{"object":{"id":1},"object":{"id":2}}}', "invalid_payload"))
    c.append(ok("repeated-keys/untyped-kept", "hookwire",
                '{"id":"evt_rk","type":"order.created","data":{"id":7,"note":"a","note":"b"},"trace":1,"trace":2}',
                "order.created", "order", "evt_rk", {"/data/id": 7}))
    c.append(ok("repeated-keys/other-family-kept", "ops-center",
                '{"event":"payment.succeeded","timestamp":"2025-01-26T15:00:02Z","data":{"amount":1,"amount":2}}',
                "payment.succeeded", "other", None, {"/timestamp": "2025-01-26T15:00:02Z"}))

    # --- AuraConnect keeps data's other members under data_extra: a body's own is refused ------
    c.append(err("auraconnect/top-level-data_extra-object", "auraconnect",
                 '{"id":"evt_1","type":"order.updated","created":"2025-08-08T10:05:00Z",'
                 '"data":{"object":{"id":1},"previous_attributes":{"status":"pending"}},"data_extra":{"a":1}}',
                 "invalid_payload"))
    c.append(err("auraconnect/top-level-data_extra-not-an-object", "auraconnect",
                 '{"id":"evt_1","type":"order.updated","created":"2025-08-08T10:05:00Z",'
                 '"data":{"object":{"id":1}},"data_extra":5}', "invalid_payload"))

    # --- bodies that must be refused ---------------------------------------------------------
    c.append(err("invalid/not-json-form-encoded", "homechef",
                 "event=order.created&data%5Border_id%5D=order_123", "invalid_payload"))
    c.append(err("invalid/empty-body", "ops-center", "", "invalid_payload"))
    c.append(err("invalid/truncated-json", "auraconnect",
                 '{"id":"evt_123","type":"order.created","created":"2025-08-08T10:00:00Z","data":{"object":{"id":1001,',
                 "invalid_payload"))
    c.append(err("invalid/array-at-top", "hookwire",
                 '[{"id":"evt_1","type":"order.created","timestamp":"2025-08-08T10:00:00Z","data":{"id":1001}}]',
                 "invalid_payload"))
    c.append(err("invalid/hookwire-missing-type", "hookwire",
                 '{"id":"evt_1","timestamp":"2025-08-08T10:00:00Z","data":{"id":1001}}', "invalid_payload"))
    c.append(err("invalid/ops-center-missing-event", "ops-center",
                 '{"timestamp":"2025-01-26T12:00:00Z","data":{"user_id":123},"webhook_id":"webhook-uuid"}',
                 "invalid_payload"))
    c.append(err("invalid/type-not-a-string", "hookwire",
                 '{"id":"evt_1","type":42,"data":{}}', "invalid_payload"))
    c.append(err("invalid/hookwire-data-not-an-object", "hookwire",
                 '{"id":"evt_1","type":"user.created","timestamp":"2025-01-26T12:00:00Z","data":[123,"user@example.com"]}',
                 "invalid_payload"))
    c.append(err("invalid/order-total-amount-string", "auraconnect",
                 '{"id":"evt_123","type":"order.created","created":"2025-08-08T10:00:00Z","data":{"object":{"id":1001,'
                 '"total_amount":"45.99"}}}', "invalid_payload"))
    c.append(err("invalid/order-item-price-string", "homechef",
                 '{"event":"order.created","data":{"order_id":"order_123","total_amount":45.99,"items":[{"price":"12.99","quantity":2}]},'
                 '"timestamp":"2024-01-15T10:30:00Z","webhook_id":"webhook_123","delivery_id":"delivery_456"}',
                 "invalid_payload"))
    c.append(err("invalid/order-id-boolean", "hookwire",
                 '{"id":"evt_1","type":"order.created","data":{"id":true}}', "invalid_payload"))
    c.append(err("invalid/device-probes-not-an-array", "device-service",
                 '{"device_id":"device_12345","probes":{"1":{"temperature":225.5,"unit":"F"}}}', "invalid_payload",
                 hint="temperature_update"))
    c.append(err("invalid/probe-unit-kelvin", "device-service",
                 '{"device_id":"device_12345","probes":[{"probe_id":"1","temperature":380.1,"unit":"K","timestamp":"2025-07-20T14:30:00Z"}]}',
                 "invalid_payload", hint="temperature_update"))
    c.append(err("invalid/battery-level-string", "device-service",
                 '{"device_id":"device_12345","status":"online","battery_level":"85","signal_strength":92}',
                 "invalid_payload", hint="device_status_update"))
    c.append(err("invalid/is-online-string", "ops-center",
                 '{"event":"device.offline","timestamp":"2025-01-26T12:10:00Z","data":{"device_id":"edge-7f3a9c","is_online":"false"},'
                 '"webhook_id":"webhook-uuid"}', "invalid_payload"))
    c.append(err("invalid/webnet-job-event-without-job", "webnet",
                 '{"event_timestamp":"2025-12-02T01:00:00Z","event_type":"job.completed","actor":{"id":1,"username":"admin"},'
                 '"data":{"id":123,"type":"config_backup","status":"success"}}', "invalid_payload"))
    c.append(err("invalid/auraconnect-without-data-object", "auraconnect",
                 '{"id":"evt_123","type":"order.created","created":"2025-08-08T10:00:00Z","data":{"id":1001,"total_amount":45.99}}',
                 "invalid_payload"))
    c.append(err("wrong-dialect/auraconnect-order-read-as-hookwire", "hookwire",
                 '{"id":"evt_123","type":"order.created","created":"2025-08-08T10:00:00Z","data":{"object":{"id":1001,"total_amount":45.99}}}',
                 "invalid_payload"))
    c.append(err("wrong-dialect/auraconnect-device-read-as-ops-center", "ops-center",
                 '{"event":"device.online","timestamp":"2025-08-08T10:00:00Z","data":{"object":{"device_id":"d1"}}}',
                 "invalid_payload"))
    c.append(err("wrong-dialect/bare-payload-without-a-device-field", "device-service",
                 '{"sensor":"s1","reading":20.5}', "invalid_payload", hint="temperature_update"))
    c.append(ok("wrong-dialect/empty-data-is-an-empty-record", "hookwire",
                '{"type":"user.logout","data":{}}', "user.logout", "user", None, {}))
    c.append(ok("wrong-dialect/a-typed-key-sent-as-null-counts", "homechef",
                '{"event":"order.created","data":{"order_id":null,"object":{"id":1}}}', "order.created", "order",
                None, {"/data/object/id": 1}))
    deep = "[" * 10000 + "]" * 10000
    c.append(err("invalid/nested-10000-deep", "hookwire",
                 '{"id":"evt_deep","type":"widget.exploded","timestamp":"2025-08-08T10:00:00Z","data":{"payload":' + deep + '}}',
                 "invalid_payload"))
    c.append(err("invalid/trailing-garbage", "hookwire",
                 '{"id":"evt_1","type":"order.created","timestamp":"2025-08-08T10:00:00Z","data":{"id":1001}} trailing',
                 "invalid_payload"))
    c.append(err("invalid/two-json-documents", "ops-center",
                 '{"event":"user.login","timestamp":"2025-01-26T12:00:00Z","data":{"user_id":123},"webhook_id":"webhook-uuid"}\n'
                 '{"event":"user.logout","timestamp":"2025-01-26T12:30:00Z","data":{"user_id":123},"webhook_id":"webhook-uuid"}',
                 "invalid_payload"))
    return c


def build():
    cases = fixture_cases() + extra_cases()
    seen = set()
    for case in cases:
        name = case["name"]
        if name in seen:
            sys.exit(f"duplicate case name {name}")
        seen.add(name)
        verify(case)
    return {
        "version": 1,
        "description": (
            "Event parsing vectors (DESIGN.md §5). For each case: parse `body` (a JSON string holding "
            "the raw request body, which may be invalid JSON) with Dialect::from_name(`dialect`), "
            "passing `type_hint` (used only when the envelope has no type; Device Service route types "
            "temperature_update and device_status_update map to device.temperature and "
            "device.status_changed), in strict mode when `strict` is true (types outside the catalog "
            "are unknown_event_type). `expect` is either {\"error\": code} or the event: canonical "
            "`type`, `family` (device|order|job|user|other), event `id` (hookwire and AuraConnect "
            "envelopes only, else null), `fields` (JSON pointers into the native envelope "
            "serialization {\"id\",\"type\",\"timestamp\",\"actor\",\"data\",...extra envelope fields}, "
            "compared as JSON values), and `round_trip` (encoding the event with the same dialect "
            "gives JSON equal to the body). Generated by generate_events.py from "
            "tests/fixtures/dialects/*.json plus extra cases; do not edit by hand."
        ),
        "cases": cases,
    }


def verify(case):
    """Checks a case against the reference model; stops the generator on any disagreement."""
    name, expect = case["name"], case["expect"]
    try:
        native, round_trips = ref_parse(case["dialect"], case["body"], case["type_hint"], case["strict"])
    except (Invalid, UnknownType) as e:
        if expect.get("error") != e.code:
            sys.exit(f"{name}: reference model says {e.code} ({e}), case expects {expect}")
        return
    if "error" in expect:
        sys.exit(f"{name}: reference model parses it, case expects {expect['error']}")
    problems = []
    if native["type"] != expect["type"]:
        problems.append(f"type {native['type']}")
    if family_of(native["type"]) != expect["family"]:
        problems.append(f"family {family_of(native['type'])}")
    if native.get("id") != expect["id"]:
        problems.append(f"id {native.get('id')}")
    for ptr, value in expect["fields"].items():
        try:
            got = pointer(native, ptr)
        except (KeyError, IndexError, ValueError):
            problems.append(f"{ptr} missing")
            continue
        if not same(got, value):
            problems.append(f"{ptr} is {got!r}, expected {value!r}")
    if round_trips != expect["round_trip"]:
        problems.append(f"round trip {round_trips}")
    if problems:
        sys.exit(f"{name}: " + "; ".join(problems))


def render(doc):
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def main():
    check = "--check" in sys.argv[1:]
    text = render(build())
    json.loads(text)
    if check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else None
        if current != text:
            print(f"{OUTPUT} is out of date: run python3 {Path(__file__).name}", file=sys.stderr)
            return 1
        print(f"{OUTPUT.name} is up to date")
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT} ({len(json.loads(text)['cases'])} cases)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
