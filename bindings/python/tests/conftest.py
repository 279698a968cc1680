import json
import pathlib

import pytest

VECTORS = pathlib.Path(__file__).resolve().parents[3] / "tests" / "vectors"


def load(name):
    return json.loads((VECTORS / name).read_text())["cases"]


@pytest.fixture
def secret():
    return "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
