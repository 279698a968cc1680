"""The stubs and py.typed let mypy check a typed use of the package, and flag a wrong one."""

import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).parent


def mypy(path):
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(path)], capture_output=True, text=True
    )


def test_typed_usage_passes_mypy():
    result = mypy(HERE / "typed_usage.py")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_catches_misuse(tmp_path):
    wrong = tmp_path / "wrong.py"
    wrong.write_text("import hookwire\nx: int = hookwire.parse_event(b'{}').type\n")
    result = mypy(wrong)
    assert result.returncode != 0 and "incompatible types" in result.stdout.lower(), result.stdout


def test_mypy_knows_the_payload_fields(tmp_path):
    wrong = tmp_path / "wrong_payload.py"
    wrong.write_text(
        "import hookwire\n"
        "data = hookwire.parse_event(b'{}').data\n"
        "if isinstance(data, hookwire.Order):\n"
        "    total: str = data.total_amount\n"
        "    data.no_such_field\n"
    )
    result = mypy(wrong)
    assert result.returncode != 0, result.stdout
    assert "Decimal | None" in result.stdout and "no_such_field" in result.stdout, result.stdout


def test_mypy_refuses_a_number_where_an_instant_belongs(tmp_path):
    """Delivery-side instants are datetimes: a bare number (seconds? milliseconds?) is flagged
    before it runs, and at run time too (`test_hardening.py`)."""
    wrong = tmp_path / "wrong_instant.py"
    wrong.write_text(
        "import hookwire\n"
        "delivery = hookwire.Delivery('msg_1', 1_700_000_000_000)\n"
        "due: int = hookwire.Scheduler().pop_due(hookwire.Delivery('m', 0).due)[0][1]\n"
    )
    result = mypy(wrong)
    assert result.returncode != 0, result.stdout
    assert result.stdout.count("datetime") >= 2, result.stdout
