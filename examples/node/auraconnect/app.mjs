// AuraConnect's webhook service on hookwire's durable outbox: its webhook API (register, list,
// update, delete, test, logs) with subscriptions to `order.*` wildcards or listed events and data
// filters (`{"restaurant_id": 1}`), and the business events that publish into it, in AuraConnect's
// envelope (`{"id", "type", "created", "data": {"object"}}`) and headers (`X-AuraConnect-Signature:
// sha256=…`, `-Event`, `-Event-Id`, `-Timestamp`, `-Webhook-Id`), with its limits: 256 KB payloads,
// 1000 deliveries per hour per webhook, retries at 10 s, 30 s, 1 m, 5 m, 30 m and none after 7 days.
// The outbox is the queue, the worker, the HTTP client and the delivery log; this file is the API.
import { randomBytes } from 'node:crypto'

import express from 'express'
import { Outbox, WebhookError } from 'hookwire'

const SCHEME = 'auraconnect'
const DAY_MS = 86_400_000
/** AuraConnect's limits. */
export const LIMITS = { maxPayload: 256 * 1024, deliveriesPerHour: 1000, maxAgeMs: 7 * DAY_MS }

// What an error code answers in this API (the codes are hookwire's).
const STATUS = {
  not_found: 404, invalid_state: 409, payload_too_large: 413, blocked_url: 422, unknown_event_type: 422,
  invalid_argument: 422, invalid_secret: 422, invalid_payload: 422,
}

/** A webhook as AuraConnect's API shows it, from the outbox's stored endpoint.
 * @param {import('hookwire').EndpointRecord} e */
const webhookJson = (e) => ({
  id: e.id, url: e.url, events: e.events, filters: e.filters, secret: 'webhook_secret_***', active: e.enabled,
  description: e.description ?? null, created_at: e.createdAt.toISOString(),
})

const STATUS_NAMES = { succeeded: 'success', failed: 'failed', cancelled: 'cancelled', pending: 'pending', retrying: 'retrying' }

/**
 * The Express app on the outbox at `database` (`sqlite:///…` or `postgres://…`), with its worker
 * running. `allowPrivate` lets webhooks point at loopback and private networks (tests);
 * `deliveriesPerHour` is AuraConnect's 1000 unless a test needs to see the pacing.
 */
export async function createApp({ database, allowPrivate = false, deliveriesPerHour = LIMITS.deliveriesPerHour, concurrency = 8 }) {
  const outbox = await Outbox.open(database, { maxPayload: LIMITS.maxPayload })
  outbox.start({ concurrency })

  const app = express()
  app.use(express.json({ limit: '1mb' }))
  const route = (handler) => (req, res, next) => handler(req, res).catch(next)

  // ---- the webhook API ------------------------------------------------------------------------

  app.post('/api/v1/webhooks', route(async (req, res) => {
    const { url, events = ['*'], secret, filters = {}, active = true, description } = req.body
    // The id is ours, so the X-AuraConnect-Webhook-Id header can carry it.
    const id = `webhook_${randomBytes(8).toString('hex')}`
    let endpoint = await outbox.addEndpoint(url, {
      id, scheme: SCHEME, secret, events, filters, description, allowPrivate,
      retry: { preset: 'auraconnect', maxAgeMs: LIMITS.maxAgeMs },
      rateLimit: { count: deliveriesPerHour, periodMs: 3_600_000 },
      headers: { 'X-AuraConnect-Webhook-Id': id },
    })
    if (!active) endpoint = await outbox.disableEndpoint(endpoint)
    res.status(201).json(webhookJson(endpoint))
  }))

  app.get('/api/v1/webhooks', route(async (req, res) => {
    res.json((await outbox.endpoints()).map(webhookJson))
  }))

  app.put('/api/v1/webhooks/:id', route(async (req, res) => {
    const { url, events, filters, secret, active, description } = req.body
    let endpoint = await outbox.updateEndpoint(req.params.id, { url, events, filters, secret, description })
    if (active === true && !endpoint.enabled) endpoint = await outbox.enableEndpoint(endpoint)
    if (active === false && endpoint.enabled) endpoint = await outbox.disableEndpoint(endpoint)
    res.json(webhookJson(endpoint))
  }))

  app.delete('/api/v1/webhooks/:id', route(async (req, res) => {
    await outbox.deleteEndpoint(req.params.id)
    res.status(204).end()
  }))

  app.post('/api/v1/webhooks/test', route(async (req, res) => {
    const delivery = await outbox.sendTestEvent(req.body.webhook_id, req.body.event_type ?? 'order.created')
    res.status(202).json({ delivery_id: delivery.id, event_id: delivery.messageId, status: 'queued' })
  }))

  app.get('/api/v1/webhooks/:id/logs', route(async (req, res) => {
    const endpoint = await outbox.endpoint(req.params.id)
    const logs = []
    for (const d of await outbox.deliveries({ endpoint, limit: 100 })) {
      const last = (await outbox.attempts(d.id)).at(-1)
      logs.push({
        event_id: d.messageId, event_type: d.eventType, status: STATUS_NAMES[d.status], attempts: d.attempts,
        response_code: d.lastStatus ?? null, response_time_ms: last ? Math.round(last.durationMs) : null,
        timestamp: d.createdAt.toISOString(), delivery_id: d.id,
      })
    }
    res.json({ logs })
  }))

  app.post('/api/v1/webhooks/:id/logs/:deliveryId/retry', route(async (req, res) => {
    const delivery = await outbox.delivery(req.params.deliveryId)
    if (delivery.endpointId !== req.params.id) return res.status(404).json({ detail: 'no such delivery' })
    res.status(202).json({ status: (await outbox.retry(delivery.id)).status })
  }))

  // ---- business events ------------------------------------------------------------------------

  const orders = new Map()
  let next = 1000
  const publish = (type, object, key) => outbox.publish(type, object, { idempotencyKey: key, dialect: SCHEME })

  app.post('/api/v1/orders', route(async (req, res) => {
    const id = ++next
    const order = {
      id, order_number: `ORD-2025-${String(id).padStart(3, '0')}`, status: 'pending', ...req.body,
      created_at: new Date().toISOString(),
    }
    const eventId = await publish('order.created', order, `order.created:${id}`)
    orders.set(id, order)
    res.status(201).json({ ...order, event_id: eventId })
  }))

  app.patch('/api/v1/orders/:id', route(async (req, res) => {
    const order = orders.get(Number(req.params.id))
    if (!order) return res.status(404).json({ detail: 'no such order' })
    Object.assign(order, req.body)
    const eventId = await publish('order.updated', order, `order.updated:${order.id}:${Date.now()}`)
    res.json({ ...order, event_id: eventId })
  }))

  app.use((error, req, res, next) => {
    if (!(error instanceof WebhookError)) return next(error)
    res.status(STATUS[error.code] ?? 400).json({ detail: error.message, code: error.code })
  })

  return { app, outbox, close: () => outbox.stop(10_000) }
}
