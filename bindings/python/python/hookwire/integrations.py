"""Receiving webhooks in web frameworks: read the raw body, verify it, answer failures, and
settle the replay claim by the handler's outcome.

Each helper verifies the body exactly as received (before any JSON parsing) and, on failure,
answers with the core's status for the error (``response_status(code)``): 401 when the request is
not authentic (bad signature, timestamp outside the tolerance), 409 while another delivery of the
message is being handled (``replay_in_progress``: the sender retries), 413 when too large, 503
when the replay store cannot answer (the sender retries), 500 when the receiver is misconfigured,
400 when it is malformed, with a JSON body ``{"error": <code>, "message": <text>}``; a message
already handled is answered 200 ``{"duplicate": true}`` so that a retrying sender stops.

With a replay store (``Verifier(..., seen_store=...)``) the message is claimed before the handler
runs, then **committed** when the handler answers 2xx and **released** when it raises or answers
anything else (so the sender's retry reaches the handler again). When the commit itself fails
(the store went down meanwhile), the handler's answer stands (the event was handled), a warning
is logged on the ``hookwire`` logger, and the claim lapses after the claim time.
The frameworks are imported only when a helper is used.

FastAPI / Starlette (the middleware settles claims by the status of the answer)::

    from fastapi import Depends, FastAPI
    from hookwire.integrations import WebhookClaims, fastapi_webhook

    app = FastAPI()
    app.add_middleware(WebhookClaims)
    verified = fastapi_webhook(hookwire.Verifier(SECRET, seen_store=hookwire.SeenStore.sqlite("replay.db")))

    @app.post("/hooks")
    async def receive(message: hookwire.Message = Depends(verified)):
        return {"type": message.event.type}

Flask::

    @app.post("/hooks")
    @flask_webhook(verifier)
    def receive(message):
        ...

Django (sync or async views)::

    @django_webhook(verifier)          # also exempts the view from CSRF
    def receive(request, message):
        ...
"""

# No `from __future__ import annotations`: FastAPI reads the dependency's annotations at runtime.

import functools
import inspect
import logging
from typing import Any, Awaitable, Callable, List, MutableMapping, Tuple

from . import errors
from ._hookwire import Message, Verifier, response_status

_log = logging.getLogger("hookwire")

# Where WebhookClaims keeps, in the ASGI scope, the messages verified during a request.
_CLAIMS = "hookwire.claims"


def _succeeded(status: int) -> bool:
    return 200 <= status < 300


def _commit_failed(message: Message, err: errors.WebhookError) -> None:
    _log.warning(
        "hookwire: message %s was handled but its commit failed (%s: %s); the claim lapses after the "
        "claim time, and a later delivery of the message will be handled again",
        message.id,
        err.code,
        err,
    )


def _settle(message: Message, status: int) -> None:
    """Commits after a 2xx answer, releases after any other (blocking)."""
    try:
        if _succeeded(status):
            message.commit()
        else:
            message.release()
    except errors.WebhookError as err:
        if _succeeded(status):
            _commit_failed(message, err)
        # A release that failed: the claim lapses by itself.


def _release(message: Message) -> None:
    try:
        message.release()
    except errors.WebhookError:
        pass  # the claim lapses by itself


async def _settle_async(message: Message, status: int) -> None:
    try:
        if _succeeded(status):
            await message.commit_async()
        else:
            await message.release_async()
    except errors.WebhookError as err:
        if _succeeded(status):
            _commit_failed(message, err)


async def _release_async(message: Message) -> None:
    try:
        await message.release_async()
    except errors.WebhookError:
        pass


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


class WebhookClaims:
    """ASGI middleware (FastAPI, Starlette) that settles the claims of the messages
    ``fastapi_webhook`` verified in a request: committed when the answer is 2xx, released when
    it is anything else or when the application raises or is cancelled before answering. The
    commit is awaited before the answer is sent: a duplicate arriving meanwhile is told 409.

    ``app.add_middleware(WebhookClaims)``; requests without a verified message pass through.
    """

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        held: List[Message] = []
        scope[_CLAIMS] = held
        answered = False

        async def send_settled(event: MutableMapping[str, Any]) -> None:
            nonlocal answered
            if event["type"] == "http.response.start" and not answered:
                answered = True
                for message in held:
                    await _settle_async(message, event["status"])
            await send(event)

        try:
            await self.app(scope, receive, send_settled)
        finally:
            if not answered and held:
                # Raised or cancelled before answering: let the sender's retry through. Shielded,
                # so that the cancellation of a disconnected request does not cut the release.
                import anyio

                with anyio.CancelScope(shield=True):
                    for message in held:
                        await _release_async(message)


def fastapi_webhook(verifier: Verifier) -> Callable[..., Awaitable[Message]]:
    """A FastAPI dependency (also usable from Starlette) that returns the verified message. The
    claim is awaited (``verify_async``): the event loop never blocks on the store. With a replay
    store, the app needs the ``WebhookClaims`` middleware, which commits or releases the claim
    by the answer's status; without it, a request answers 500 (``invalid_state``) before any
    claim is taken."""
    _check(verifier)
    from fastapi import HTTPException, Request

    async def dependency(request: Request) -> Message:
        held = request.scope.get(_CLAIMS)
        if held is None and verifier.seen_store is not None:
            raise errors.InvalidState(
                "invalid state: the verifier has a replay store, so its claims must be committed or "
                "released after the answer: add the middleware, app.add_middleware(hookwire.integrations.WebhookClaims)",
                "invalid_state",
            )
        body = await request.body()
        try:
            message = await verifier.verify_async(body, request.headers)
        except errors.WebhookError as err:
            status, payload = error_response(err)
            raise HTTPException(status_code=status, detail=payload) from None
        if held is not None:
            held.append(message)
        return message

    return dependency


def flask_webhook(verifier: Verifier) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A Flask view decorator: the view receives the verified message as its first argument;
    its claim is committed when the view answers 2xx, released when it raises or answers
    anything else."""
    _check(verifier)

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            from flask import jsonify, make_response, request

            try:
                message = verifier.verify(request.get_data(cache=True), request.headers)
            except errors.WebhookError as err:
                status, payload = error_response(err)
                return jsonify(payload), status
            try:
                response = make_response(view(message, *args, **kwargs))
            except BaseException:
                _release(message)
                raise
            _settle(message, response.status_code)
            return response

        return wrapper

    return decorator


def django_webhook(verifier: Verifier) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A Django view decorator: the view receives ``(request, message, ...)``; CSRF-exempt,
    since the signature is the authentication. The claim is committed when the view answers
    2xx, released when it raises or answers anything else. An ``async def`` view is verified
    with ``verify_async``."""
    _check(verifier)

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        from django.http import JsonResponse
        from django.views.decorators.csrf import csrf_exempt

        def refused(err: errors.WebhookError) -> Any:
            status, payload = error_response(err)
            return JsonResponse(payload, status=status)

        if inspect.iscoroutinefunction(view):

            @functools.wraps(view)
            async def async_wrapper(request: Any, *args: Any, **kwargs: Any) -> Any:
                try:
                    message = await verifier.verify_async(request.body, request.headers)
                except errors.WebhookError as err:
                    return refused(err)
                try:
                    response = await view(request, message, *args, **kwargs)
                except BaseException:
                    await _release_async(message)
                    raise
                await _settle_async(message, response.status_code)
                return response

            return csrf_exempt(async_wrapper)

        @functools.wraps(view)
        def wrapper(request: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                message = verifier.verify(request.body, request.headers)
            except errors.WebhookError as err:
                return refused(err)
            try:
                response = view(request, message, *args, **kwargs)
            except BaseException:
                _release(message)
                raise
            _settle(message, response.status_code)
            return response

        return csrf_exempt(wrapper)

    return decorator


__all__ = ["WebhookClaims", "django_webhook", "error_response", "fastapi_webhook", "flask_webhook"]
