"""How the extension hands an outbox call's answer to asyncio: `loop.call_soon_threadsafe(settle,
future, ok, value)` from the outbox's runtime thread, run on the event loop's own thread."""

from __future__ import annotations

import asyncio
from typing import Any


def settle(future: asyncio.Future[Any], ok: bool, value: Any) -> None:
    """Sets the answer, unless the awaiting task was cancelled meanwhile (the call itself ran to
    its end: a publish that began is stored or fails)."""
    if future.cancelled():
        return
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)
