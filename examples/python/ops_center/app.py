"""Ops Center's webhook service on hookwire's durable outbox: the webhook API of Epic 8.1
(create, list, get, update, delete webhooks with ["*"] or listed events; send a test event; a
webhook's delivery history; retry a delivery; statistics; the available events) and the business
events that publish into it, in Ops Center's payload format (`{"event", "timestamp", "data"}`), its
signature (`X-Webhook-Signature`: hex HMAC-SHA256 of the body) and its retry schedule (1m, 5m,
15m, 1h, 2h, ...). The outbox replaces webhook_manager.py's queue, worker, HTTP client, delivery
table and retry loop; this file is only the HTTP API around it.

Run: OPS_CENTER_DB=sqlite:///tmp/ops-center.db uvicorn --factory app:main --port 8084
"""

from __future__ import annotations

import contextlib
import datetime
import itertools
import os
from typing import Any, Dict, List, Literal, Optional

from fastapi import FastAPI, Header, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

import hookwire

SCHEME = "ops-center"  # X-Webhook-Signature: hex HMAC-SHA256 of the body
DIALECT = "ops-center"  # {"event", "timestamp", "data"}
RETRY = "ops-center"  # 1m, 5m, 15m, 1h, 2h, ...; 30 s per attempt

# What an error code answers in this API (the codes are hookwire's).
STATUS = {"not_found": 404, "invalid_state": 409, "blocked_url": 422, "unknown_event_type": 422,
          "invalid_argument": 422, "invalid_secret": 422}


class WebhookIn(BaseModel):
    url: str
    events: List[str] = ["*"]
    description: Optional[str] = None
    active: bool = True
    secret: Optional[str] = None  # generated when absent


class WebhookPatch(BaseModel):
    url: Optional[str] = None
    events: Optional[List[str]] = None
    description: Optional[str] = None
    active: Optional[bool] = None


class TestIn(BaseModel):
    event_type: Optional[str] = None


class UserIn(BaseModel):
    email: str


class DeviceStatusIn(BaseModel):
    status: Literal["online", "offline"]
    battery_level: Optional[float] = None


def webhook_json(endpoint: hookwire.EndpointRecord) -> Dict[str, Any]:
    return {"id": endpoint.id, "url": endpoint.url, "events": endpoint.events, "description": endpoint.description,
            "active": endpoint.enabled, "disabled_reason": endpoint.disabled_reason,
            "created_at": endpoint.created_at.isoformat()}


def delivery_json(d: hookwire.DeliveryRecord) -> Dict[str, Any]:
    return {"id": d.id, "webhook_id": d.endpoint_id, "event": d.event_type, "message_id": d.message_id,
            "status": d.status, "attempts": d.attempts, "response_status": d.last_status, "error": d.last_error,
            "next_attempt_at": d.next_attempt_at.isoformat() if d.next_attempt_at else None,
            "created_at": d.created_at.isoformat()}


def stats_json(s: hookwire.EndpointStats) -> Dict[str, Any]:
    ms = lambda span: span.total_seconds() * 1000 if span is not None else None  # noqa: E731
    return {"webhook_id": s.endpoint_id, "url": s.url, "active": s.enabled, "pending": s.pending,
            "retrying": s.retrying, "succeeded": s.succeeded, "failed": s.failed, "attempts": s.attempts,
            "success_rate": s.success_rate, "p50_ms": ms(s.p50_latency), "p95_ms": ms(s.p95_latency),
            "last_failure": s.last_failure}


def create_app(database: str, *, allow_private: bool = False, concurrency: int = 8) -> FastAPI:
    """The app on the outbox at `database` (`sqlite:///…` or `postgres://…`). `allow_private`
    lets webhooks point at loopback and private networks (tests); production refuses them."""
    outbox = hookwire.Outbox(database)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        outbox.start(concurrency=concurrency)  # the worker runs beside the app, on its own threads
        yield
        await outbox.stop_async(timeout=10)  # requests in flight finish; the rest wait in the database

    app = FastAPI(title="Ops Center webhooks", lifespan=lifespan)
    app.state.outbox = outbox

    @app.exception_handler(hookwire.WebhookError)
    async def webhook_error(request: Request, error: hookwire.WebhookError) -> JSONResponse:
        return JSONResponse({"detail": str(error), "code": error.code}, status_code=STATUS.get(error.code, 400))

    async def owned(webhook_id: str, org: str) -> hookwire.EndpointRecord:
        endpoint = await outbox.endpoint_async(webhook_id)
        if endpoint.tenant != org:
            raise HTTPException(404, "no such webhook")
        return endpoint

    # ---- the webhook API --------------------------------------------------------------------

    @app.post("/api/v1/webhooks", status_code=201)
    async def create_webhook(body: WebhookIn, x_org_id: str = Header("default")) -> Dict[str, Any]:
        secret = body.secret or hookwire.Secret.generate().expose_text()
        endpoint = await outbox.add_endpoint_async(body.url, scheme=SCHEME, secret=secret, events=body.events,
                                                   retry=RETRY, allow_private=allow_private, tenant=x_org_id,
                                                   description=body.description)
        if not body.active:
            endpoint = await outbox.disable_endpoint_async(endpoint)
        return {**webhook_json(endpoint), "secret": secret}  # shown once, at creation

    @app.get("/api/v1/webhooks")
    async def list_webhooks(active: Optional[bool] = None, x_org_id: str = Header("default")) -> List[Dict[str, Any]]:
        return [webhook_json(e) for e in await outbox.endpoints_async()
                if e.tenant == x_org_id and active in (None, e.enabled)]

    @app.get("/api/v1/webhooks/events/available")
    async def available_events() -> List[Dict[str, str]]:
        return [{"event": t, "family": family, "description": about} for t, family, about in hookwire.event_types()]

    @app.get("/api/v1/webhooks/stats")
    async def all_stats(x_org_id: str = Header("default")) -> List[Dict[str, Any]]:
        mine = {e.id for e in await outbox.endpoints_async() if e.tenant == x_org_id}
        return [stats_json(s) for s in await outbox.stats_async() if s.endpoint_id in mine]

    @app.get("/api/v1/webhooks/{webhook_id}")
    async def get_webhook(webhook_id: str, x_org_id: str = Header("default")) -> Dict[str, Any]:
        return webhook_json(await owned(webhook_id, x_org_id))

    @app.patch("/api/v1/webhooks/{webhook_id}")
    async def update_webhook(webhook_id: str, body: WebhookPatch, x_org_id: str = Header("default")) -> Dict[str, Any]:
        endpoint = await owned(webhook_id, x_org_id)
        if body.url is not None or body.events is not None or body.description is not None:
            endpoint = await outbox.update_endpoint_async(endpoint, url=body.url, events=body.events,
                                                          description=body.description)
        if body.active is True and not endpoint.enabled:
            endpoint = await outbox.enable_endpoint_async(endpoint)
        elif body.active is False and endpoint.enabled:
            endpoint = await outbox.disable_endpoint_async(endpoint)
        return webhook_json(endpoint)

    @app.delete("/api/v1/webhooks/{webhook_id}", status_code=204)
    async def delete_webhook(webhook_id: str, x_org_id: str = Header("default")) -> Response:
        await outbox.delete_endpoint_async(await owned(webhook_id, x_org_id))
        return Response(status_code=204)

    @app.post("/api/v1/webhooks/{webhook_id}/test", status_code=202)
    async def test_webhook(webhook_id: str, body: Optional[TestIn] = None,
                           x_org_id: str = Header("default")) -> Dict[str, Any]:
        endpoint = await owned(webhook_id, x_org_id)
        listed = [e for e in endpoint.events if "*" not in e]
        event_type = (body and body.event_type) or (listed[0] if listed else "user.created")
        return delivery_json(await outbox.send_test_event_async(endpoint, event_type))

    @app.get("/api/v1/webhooks/{webhook_id}/deliveries")
    async def webhook_deliveries(webhook_id: str, status: Optional[Literal[
            "pending", "retrying", "succeeded", "failed", "cancelled"]] = None, limit: int = 100,
            x_org_id: str = Header("default")) -> List[Dict[str, Any]]:
        endpoint = await owned(webhook_id, x_org_id)
        return [delivery_json(d) for d in await outbox.deliveries_async(status=status, endpoint=endpoint, limit=limit)]

    @app.post("/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/retry", status_code=202)
    async def retry_delivery(webhook_id: str, delivery_id: str, x_org_id: str = Header("default")) -> Dict[str, Any]:
        await owned(webhook_id, x_org_id)
        delivery = await outbox.delivery_async(delivery_id)
        if delivery.endpoint_id != webhook_id:
            raise HTTPException(404, "no such delivery")
        return delivery_json(await outbox.retry_async(delivery_id))

    @app.get("/api/v1/webhooks/{webhook_id}/stats")
    async def webhook_stats(webhook_id: str, x_org_id: str = Header("default")) -> Dict[str, Any]:
        await owned(webhook_id, x_org_id)
        [stats] = [s for s in await outbox.stats_async() if s.endpoint_id == webhook_id]
        return stats_json(stats)

    # ---- business events: what used to call webhook_manager.trigger_event --------------------

    users: Dict[int, Dict[str, Any]] = {}
    ids = itertools.count(1)

    async def trigger(org: str, event: str, data: Dict[str, Any], key: str) -> str:
        # One transaction: the message and a delivery per matching webhook of the organization.
        return await outbox.publish_async(event, data, key, tenant=org, dialect=DIALECT)

    @app.post("/api/v1/users", status_code=201)
    async def create_user(body: UserIn, x_org_id: str = Header("default")) -> Dict[str, Any]:
        user = {"user_id": next(ids), "email": body.email,
                "created_at": datetime.datetime.now(datetime.timezone.utc).isoformat()}
        users[user["user_id"]] = user
        await trigger(x_org_id, "user.created", user, f"user.created:{user['user_id']}")
        return user

    @app.put("/api/v1/devices/{device_id}/status")
    async def device_status(device_id: str, body: DeviceStatusIn, x_org_id: str = Header("default")) -> Dict[str, Any]:
        now = datetime.datetime.now(datetime.timezone.utc).isoformat()
        device = {"device_id": device_id, "status": body.status, "is_online": body.status == "online", "last_seen": now}
        if body.battery_level is not None:
            device["battery_level"] = body.battery_level
        message_id = await trigger(x_org_id, f"device.{body.status}", device, f"device.{body.status}:{device_id}:{now}")
        return {**device, "message_id": message_id}

    return app


def main() -> FastAPI:
    """The app of `uvicorn --factory app:main`, on OPS_CENTER_DB (an SQLite file by default)."""
    return create_app(os.environ.get("OPS_CENTER_DB", "sqlite:///ops-center.db"))
