"""Typed payload classes: generated from the Rust types' field table, filled from the core's
parse (exact decimals, ids as sent, unknown fields kept)."""

import dataclasses
import json
import pathlib
import subprocess
import sys
import threading
import typing
from decimal import Decimal

import hookwire
from hookwire import payloads

ROOT = pathlib.Path(__file__).resolve().parents[3]
FIELDS = json.loads((ROOT / "bindings" / "payload_fields.json").read_text())


def test_generated_module_is_up_to_date():
    script = ROOT / "bindings" / "python" / "generate_payloads.py"
    result = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_classes_have_exactly_the_rust_fields_and_types():
    python_type = {
        "Id": typing.Union[str, int],
        "String": str,
        "Decimal": Decimal,
        "bool": bool,
        "i64": int,
        "Timestamp": typing.Union[str, int],
        "Json": typing.Any,
        "TemperatureUnit": typing.Literal["F", "C"],
    }

    def expected(rust):
        if rust.startswith("Vec<"):
            return typing.List[expected(rust[4:-1])]
        return python_type.get(rust) or getattr(payloads, rust)

    assert set(FIELDS["types"]) == {name for name in dir(payloads) if dataclasses.is_dataclass(getattr(payloads, name))}
    for name, fields in FIELDS["types"].items():
        cls = getattr(payloads, name)
        hints = typing.get_type_hints(cls)
        declared = [f.name for f in dataclasses.fields(cls)]
        assert declared == [f["name"] for f in fields] + ["extra"], name
        for f in fields:
            assert hints[f["name"]] == typing.Optional[expected(f["type"])], (name, f)
        assert [key for key, _, _ in cls._FIELDS] == [f["key"] for f in fields]
    assert {family: cls.__name__ for family, cls in payloads.FAMILIES.items()} == FIELDS["families"]


def test_order_is_typed_with_exact_money():
    body = (
        b'{"type":"order.created","data":{"id":1001,"order_number":"ORD-1","total_amount":45.10,'
        b'"items":[{"id":1,"quantity":2,"price":12.990,"gift":true}],"coupon":"X","note":null}}'
    )
    order = hookwire.parse_event(body).data
    assert isinstance(order, hookwire.Order)
    assert order.id == 1001 and order.order_number == "ORD-1"
    assert order.total_amount == Decimal("45.10") and str(order.total_amount) == "45.10"
    assert isinstance(order.items[0], hookwire.OrderItem)
    assert (order.items[0].quantity, str(order.items[0].price)) == (2, "12.990")
    assert order.items[0].extra == {"gift": True}
    assert order.extra == {"coupon": "X", "note": None}
    assert order.customer_id is None


def test_ids_keep_their_kind_and_device_probes_are_typed():
    event = hookwire.parse_event(
        b'{"device_id":"d1","battery_level":85,"probes":[{"probe_id":1,"temperature":107.5,"unit":"C"}]}',
        dialect="device-service",
        type_hint="temperature_update",
    )
    device = event.data
    assert isinstance(device, hookwire.Device)
    assert device.device_id == "d1" and device.battery_level == Decimal(85)
    probe = device.probes[0]
    assert isinstance(probe, hookwire.Probe)
    assert (probe.probe_id, probe.temperature, probe.unit) == (1, Decimal("107.5"), "C")


def test_job_type_field_and_actor():
    body = (
        b'{"event_timestamp":"2025-12-02T01:00:00Z","event_type":"job.completed",'
        b'"actor":{"id":7,"username":"admin","role":"ops","score":0.10},'
        b'"job":{"id":123,"type":"config_backup","result_summary":{"backed_up":5}}}'
    )
    event = hookwire.parse_event(body, dialect="webnet")
    job = event.data
    assert isinstance(job, hookwire.Job)
    assert (job.id, job.job_type, job.result_summary) == (123, "config_backup", {"backed_up": 5})
    assert event.actor == hookwire.Actor(id=7, username="admin", extra={"role": "ops", "score": Decimal("0.10")})


def test_user_and_other_families():
    user = hookwire.parse_event(b'{"type":"user.created","data":{"user_id":"usr_1","email":"a@b.c","plan":"pro"}}').data
    assert isinstance(user, hookwire.User) and (user.user_id, user.email, user.extra) == ("usr_1", "a@b.c", {"plan": "pro"})
    other = hookwire.parse_event(b'{"type":"invoice.paid","data":{"amount":19.99,"lines":[1,2]}}').data
    assert other == {"amount": Decimal("19.99"), "lines": [1, 2]}
    assert hookwire.parse_event(b'{"type":"invoice.paid","data":[1,"x"]}').data == [1, "x"]


def test_every_catalog_sample_gives_its_family_class():
    types = hookwire.event_types()
    assert len(types) >= 30 and all(description for _, _, description in types)
    for event_type, family, _ in types:
        event = hookwire.sample_event(event_type)
        assert (event.type, event.family) == (event_type, family)
        cls = payloads.FAMILIES.get(family)
        if cls is not None:
            assert isinstance(event.data, cls), event_type


def _reference(event):
    """What `.data` held before it was built in Rust: the exact JSON text read by Python."""
    return payloads.from_data(event.family, event.data_json())


def _events():
    from conftest import load

    for case in load("events.json"):
        try:
            event = hookwire.parse_event(case["body"].encode(), dialect=case["dialect"], type_hint=case["type_hint"],
                                         strict=case["strict"])
        except hookwire.WebhookError:
            continue
        yield case["name"], event
    for event_type, _, _ in hookwire.event_types():
        yield event_type, hookwire.sample_event(event_type)


def test_data_built_from_the_cores_values_equals_the_json_reading_of_every_vector_and_sample():
    checked = 0
    for name, event in _events():
        data = event.data
        assert data == _reference(event), name
        assert type(data) is type(_reference(event)), name
        checked += 1
    assert checked > 100


def test_data_objects_behave_as_the_dataclasses_their_constructor_makes():
    # `.data` sets attributes as `object.__setattr__` does, without the constructor: every
    # dataclass behaviour a user leans on must still match the constructor-made twin.
    import copy
    import pickle

    checked = 0
    for name, event in _events():
        data, twin = event.data, _reference(event)
        if not dataclasses.is_dataclass(data):
            continue
        # Fields not sent are left to the class defaults (None), not written per object.
        assert vars(data).items() <= vars(twin).items(), name
        assert all(twin_value is None for key, twin_value in vars(twin).items() if key not in vars(data)), name
        assert pickle.loads(pickle.dumps(data)) == data == twin, name
        assert copy.copy(data) == data and copy.deepcopy(data) == data, name
        assert dataclasses.asdict(data) == dataclasses.asdict(twin), name
        assert dataclasses.replace(data) == data, name
        field = dataclasses.fields(data)[0].name
        try:
            setattr(data, field, None)
        except dataclasses.FrozenInstanceError:
            pass
        else:
            raise AssertionError(f"{name}: a frozen payload took an attribute")
        assert getattr(data, field) == getattr(twin, field), name
        checked += 1
    assert checked > 30


def test_data_is_built_once_without_json_text_in_between(monkeypatch):
    event = hookwire.parse_event(
        b'{"type":"order.created","data":{"id":1001,"total_amount":45.10,"items":[{"price":12.990,"gift":true}],'
        b'"note":null,"coupon":{"code":"X","off":0.5,"big":123456789012345678901234567890}}}'
    )

    def forbidden(*args, **kwargs):
        raise AssertionError("the data went through JSON text in Python")

    monkeypatch.setattr(payloads, "from_data", forbidden)
    monkeypatch.setattr(json, "loads", forbidden)
    order = event.data
    assert order is event.data  # built on first read, the same object after
    assert (order.id, str(order.total_amount), str(order.items[0].price)) == (1001, "45.10", "12.990")
    assert order.items[0].extra == {"gift": True} and order.extra["note"] is None
    assert order.extra["coupon"] == {"code": "X", "off": Decimal("0.5"), "big": 123456789012345678901234567890}
    assert order == hookwire.Order(id=1001, total_amount=Decimal("45.10"),
                                   items=[hookwire.OrderItem(price=Decimal("12.990"), extra={"gift": True})],
                                   extra={"note": None, "coupon": order.extra["coupon"]})


def test_data_read_by_several_threads_at_once_is_one_object_per_event():
    body = b'{"type":"order.created","data":{"id":7,"total_amount":1.50,"items":[{"price":0.75},{"price":0.75}]}}'
    events = [hookwire.parse_event(body) for _ in range(200)]
    start = threading.Barrier(4)
    seen = [None] * 4

    def read(k):
        start.wait()
        seen[k] = [event.data for event in (events if k % 2 else reversed(events))]

    threads = [threading.Thread(target=read, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for k in range(4):
        read_in_order = seen[k] if k % 2 else seen[k][::-1]
        assert all(data is event.data for data, event in zip(read_in_order, events)), k
    assert events[0].data.total_amount == Decimal("1.50")
