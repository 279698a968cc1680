import json
import pathlib

import pytest

VECTORS = pathlib.Path(__file__).resolve().parents[3] / "tests" / "vectors"


def load(name):
    return json.loads((VECTORS / name).read_text())["cases"]


@pytest.fixture
def secret():
    return "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@pytest.fixture(scope="session")
def postgres_server():
    from servers import Server

    server = Server("postgres")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server():
    from servers import Server

    server = Server("redis")
    yield server
    server.stop()


@pytest.fixture(params=["memory", "sqlite", "postgres", "redis"])
def store_kind(request):
    return request.param


@pytest.fixture
def open_store(request, store_kind, tmp_path):
    """Opens a handle on one store of `store_kind`, fresh for the test: every call gives another
    handle on the same entries (another receiver process would open the same)."""
    import uuid

    import hookwire

    namespace = "t_" + uuid.uuid4().hex[:16]
    if store_kind == "memory":
        memory = hookwire.SeenStore.memory(1000)
        return lambda: memory
    if store_kind == "sqlite":
        path = tmp_path / "replay.db"
        return lambda: hookwire.SeenStore.sqlite(path, namespace=namespace)
    server = request.getfixturevalue(f"{store_kind}_server")
    return lambda: server.store(namespace=namespace)


@pytest.fixture
def store(open_store):
    return open_store()
