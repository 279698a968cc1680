"""Receiving webhooks in web frameworks: read the raw body, verify it, answer failures.

Each helper verifies the body exactly as received (before any JSON parsing) and, on failure,
answers with the core's status for the error (``response_status(code)``): 401 when the request is
not authentic (bad signature, timestamp outside the tolerance), 409 while another delivery of the
same message is being handled, 413 when too large, 503 when the replay store is down, 500 when the
receiver is misconfigured, 400 when it is malformed, with a JSON body
``{"error": <code>, "message": <text>}``; a replay is answered 200 ``{"duplicate": true}`` so
that a retrying sender stops.
The frameworks are imported only when a helper is used.

FastAPI / Starlette::

    from fastapi import Depends, FastAPI
    from hookwire.integrations import fastapi_webhook

    verified = fastapi_webhook(hookwire.Verifier(SECRET))

    @app.post("/hooks")
    async def receive(message: hookwire.Message = Depends(verified)):
        return {"type": message.event.type}

Flask::

    @app.post("/hooks")
    @flask_webhook(verifier)
    def receive(message):
        ...

Django::

    @django_webhook(verifier)          # also exempts the view from CSRF
    def receive(request, message):
        ...
"""

# No `from __future__ import annotations`: FastAPI reads the dependency's annotations at runtime.

import functools
from typing import Any, Awaitable, Callable, Tuple

from . import errors
from ._hookwire import Message, Verifier, response_status


def _check(verifier: Verifier) -> None:
    # Checked when the helper is made, not at the first request.
    if not isinstance(verifier, Verifier):
        got = type(verifier).__name__
        raise errors.InvalidArgument(f"invalid argument `verifier`: must be a hookwire.Verifier, got {got}")


def error_response(err: errors.WebhookError) -> Tuple[int, dict]:
    """The status and JSON body hookwire's helpers answer a failed verification with."""
    status = response_status(err.code)
    if isinstance(err, errors.Replayed):
        return status, {"duplicate": True}
    return status, {"error": err.code, "message": str(err)}


def fastapi_webhook(verifier: Verifier) -> Callable[..., Awaitable[Message]]:
    """A FastAPI dependency (also usable from Starlette) that returns the verified message."""
    _check(verifier)
    from fastapi import HTTPException, Request

    async def dependency(request: Request) -> Message:
        body = await request.body()
        try:
            return verifier.verify(body, request.headers)
        except errors.WebhookError as err:
            status, payload = error_response(err)
            raise HTTPException(status_code=status, detail=payload) from None

    return dependency


def flask_webhook(verifier: Verifier) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A Flask view decorator: the view receives the verified message as its first argument."""
    _check(verifier)

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            from flask import jsonify, request

            try:
                message = verifier.verify(request.get_data(cache=True), request.headers)
            except errors.WebhookError as err:
                status, payload = error_response(err)
                return jsonify(payload), status
            return view(message, *args, **kwargs)

        return wrapper

    return decorator


def django_webhook(verifier: Verifier) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A Django view decorator: the view receives ``(request, message, ...)``; CSRF-exempt,
    since the signature is the authentication."""
    _check(verifier)

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        from django.http import JsonResponse
        from django.views.decorators.csrf import csrf_exempt

        @functools.wraps(view)
        def wrapper(request: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                message = verifier.verify(request.body, request.headers)
            except errors.WebhookError as err:
                status, payload = error_response(err)
                return JsonResponse(payload, status=status)
            return view(request, message, *args, **kwargs)

        return csrf_exempt(wrapper)

    return decorator


__all__ = ["django_webhook", "error_response", "fastapi_webhook", "flask_webhook"]
