"""The stubs' name types are the core's lists: each `Literal` alias of `_hookwire.pyi` that names
a core enum's values equals its list in bindings/names.json (generated from the core by
tests/names.rs), in the core's order, so a kind added to the core cannot be missing here."""

import ast
import json
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
STUBS = ROOT / "bindings" / "python" / "python" / "hookwire" / "_hookwire.pyi"
NAMES = json.loads((ROOT / "bindings" / "names.json").read_text())["names"]

# Stub alias -> its list in names.json (an alias to another alias is followed).
ALIASES = {
    "FailureKind": "FailureKind",
    "OutcomeClass": "OutcomeClass",
    "GiveUpReason": "GiveUpReason",
    "JitterKind": "JitterKind",
    "DecisionAction": "DecisionAction",
    "DeliveryStateName": "DeliveryStateName",
    "DeliveryStatus": "DeliveryStateName",
    "HealthTransitionName": "HealthTransitionName",
    "Family": "Family",
}


def literal_aliases(source):
    """Every module-level `Name = Literal[...]` (or `Name = OtherName`) of the stub, as lists."""
    aliases = {}
    for node in ast.parse(source).body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            continue
        value = node.value
        if isinstance(value, ast.Subscript) and isinstance(value.value, ast.Name) and value.value.id == "Literal":
            items = value.slice.elts if isinstance(value.slice, ast.Tuple) else [value.slice]
            aliases[node.targets[0].id] = [item.value for item in items]
        elif isinstance(value, ast.Name) and value.id in aliases:
            aliases[node.targets[0].id] = aliases[value.id]
    return aliases


STUB_ALIASES = literal_aliases(STUBS.read_text())


@pytest.mark.parametrize("alias,names_key", sorted(ALIASES.items()))
def test_stub_name_type_is_the_core_list(alias, names_key):
    assert alias in STUB_ALIASES, f"_hookwire.pyi has no `{alias} = Literal[...]`"
    assert STUB_ALIASES[alias] == NAMES[names_key], f"{alias} differs from names.json's {names_key}"


def test_every_core_list_has_a_stub_type():
    # DisableReasonName is the one list Python does not expose (the reason is a str detail).
    exposed = set(ALIASES.values()) | {"DisableReasonName"}
    assert set(NAMES) <= exposed, sorted(set(NAMES) - exposed)


def test_a_drifted_stub_is_caught():
    # The parser reads what the check compares: a list missing a name differs from the core's.
    drifted = 'FailureKind = Literal["timeout", "other"]\nAlias = FailureKind\n'
    parsed = literal_aliases(drifted)
    assert parsed == {"FailureKind": ["timeout", "other"], "Alias": ["timeout", "other"]}
    assert parsed["FailureKind"] != NAMES["FailureKind"]


def test_no_name_list_is_inlined_in_a_signature():
    # A core list spelled inline (not through its alias) would escape the checks above.
    lists = {tuple(names) for names in NAMES.values()}
    for node in ast.walk(ast.parse(STUBS.read_text())):
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "Literal":
            items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            values = tuple(getattr(item, "value", None) for item in items)
            if values in lists:
                line = node.lineno
                assert STUBS.read_text().splitlines()[line - 1].split("=")[0].strip().isidentifier(), (
                    f"_hookwire.pyi:{line} spells a core name list inline; use its alias"
                )
