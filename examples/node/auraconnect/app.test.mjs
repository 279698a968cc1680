// AuraConnect's webhook service, rebuilt on the outbox, driven with supertest against a real
// receiver on 127.0.0.1 that verifies `X-AuraConnect-Signature` with each webhook's secret.
import { test, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import request from 'supertest'
import { Verifier, WebhookError } from 'hookwire'

import { createApp, LIMITS } from './app.mjs'

const SECRETS = { '/r1': 'r1-secret-of-restaurant-one', '/r2': 'r2-secret-of-restaurant-two', '/all': 'all-secret' }

/** Partners' endpoints: each path verified with its webhook's secret; forged requests get 401. */
async function startReceiver() {
  const seen = []
  const answers = {}
  const server = createServer(async (req, res) => {
    const chunks = []
    for await (const chunk of req) chunks.push(chunk)
    const body = Buffer.concat(chunks)
    let status
    let message = null
    try {
      message = new Verifier(SECRETS[req.url], { scheme: 'auraconnect' }).verify(body, req.headers)
      status = answers[req.url] ?? 200
    } catch (error) {
      if (!(error instanceof WebhookError)) throw error
      status = 401
    }
    seen.push({ path: req.url, status, headers: req.headers, body: JSON.parse(body), message })
    res.writeHead(status, { 'content-length': '0' }).end()
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const url = (path) => `http://127.0.0.1:${server.address().port}${path}`
  const waitFor = async (count, ms = 30_000) => {
    const deadline = Date.now() + ms
    while (seen.length < count) {
      if (Date.now() > deadline) throw new Error(`${seen.length} of ${count} requests arrived`)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }
  return { seen, answers, url, waitFor, stop: () => { server.closeAllConnections(); server.close() } }
}

let dir, receiver, service
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'auraconnect-'))
  receiver = await startReceiver()
})
afterEach(async () => {
  await service?.close()
  receiver.stop()
  rmSync(dir, { recursive: true, force: true })
})

async function start(options = {}) {
  service = await createApp({ database: `sqlite://${join(dir, 'auraconnect.db')}`, allowPrivate: true, ...options })
  return request(service.app)
}

async function register(api, path, body) {
  const response = await api.post('/api/v1/webhooks').send({ url: receiver.url(path), secret: SECRETS[path], ...body })
  assert.equal(response.status, 201, response.text)
  return response.body
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

test("orders reach the restaurant's webhooks, filtered, in AuraConnect's envelope and headers", async () => {
  const api = await start()
  const r1 = await register(api, '/r1', { events: ['order.*'], filters: { restaurant_id: 1 } })
  const r2 = await register(api, '/r2', { events: ['order.*'], filters: { restaurant_id: 2 } })
  const all = await register(api, '/all', { events: ['order.created'] })
  assert.equal(r1.secret, 'webhook_secret_***', 'the secret is never shown again')
  assert.deepEqual(r1.filters, { restaurant_id: 1 })

  const order = (await api.post('/api/v1/orders').send({ restaurant_id: 2, customer_id: 456, total_amount: 45.99 }).expect(201)).body
  const updated = (await api.patch(`/api/v1/orders/${order.id}`).send({ status: 'completed' }).expect(200)).body
  await receiver.waitFor(3)
  await sleep(200) // nothing else is on its way

  assert.deepEqual(receiver.seen.map((s) => s.status), [200, 200, 200], 'every signature verified')
  const to = (path) => receiver.seen.filter((s) => s.path === path)
  assert.deepEqual(to('/r1'), [], 'restaurant 1 gets nothing of restaurant 2')
  assert.deepEqual(to('/r2').map((s) => s.body.type).sort(), ['order.created', 'order.updated'])
  assert.deepEqual(to('/all').map((s) => s.body.type), ['order.created'], 'listed events only')
  const [created] = to('/all')
  assert.deepEqual(Object.keys(created.body).sort(), ['created', 'data', 'id', 'type'])
  assert.equal(created.body.id, order.event_id)
  const { event_id: _, ...object } = order
  assert.deepEqual(created.body.data.object, object, 'the order as the app wrote it')
  assert.equal(created.headers['x-auraconnect-event'], 'order.created')
  assert.equal(created.headers['x-auraconnect-event-id'], order.event_id)
  assert.equal(created.headers['x-auraconnect-webhook-id'], all.id)
  assert.match(created.headers['x-auraconnect-signature'], /^sha256=[0-9a-f]{64}$/)
  assert.ok(Math.abs(Number(created.headers['x-auraconnect-timestamp']) - Date.now() / 1000) < 60)
  assert.equal(created.message.event.data.id, order.id, 'hookwire reads the envelope back as a typed order')
  assert.equal(to('/r2').find((s) => s.body.type === 'order.updated').body.id, updated.event_id)
  assert.equal(to('/r2')[0].headers['x-auraconnect-webhook-id'], r2.id)
})

test('the management API lists, updates, tests, logs, retries and deletes webhooks', async () => {
  const api = await start()
  const hook = await register(api, '/r1', { events: ['order.created', 'payment.completed'], description: 'POS sync' })
  assert.deepEqual((await api.get('/api/v1/webhooks').expect(200)).body.map((w) => w.id), [hook.id])
  const updated = (await api.put(`/api/v1/webhooks/${hook.id}`).send({ events: ['order.*'], active: false }).expect(200)).body
  assert.deepEqual([updated.events, updated.active], [['order.*'], false])
  await api.post('/api/v1/orders').send({ restaurant_id: 1 }).expect(201)
  await sleep(200)
  assert.equal(receiver.seen.length, 0, 'an inactive webhook gets nothing')
  assert.equal((await api.put(`/api/v1/webhooks/${hook.id}`).send({ active: true }).expect(200)).body.active, true)

  receiver.answers['/r1'] = 500
  const queued = (await api.post('/api/v1/webhooks/test').send({ webhook_id: hook.id, event_type: 'order.updated' }).expect(202)).body
  await receiver.waitFor(1)
  let logs
  for (const deadline = Date.now() + 10_000; ; await sleep(20)) {
    logs = (await api.get(`/api/v1/webhooks/${hook.id}/logs`).expect(200)).body.logs
    if (logs[0]?.attempts === 1 || Date.now() > deadline) break
  }
  assert.deepEqual(logs.map((l) => [l.event_id, l.event_type, l.status, l.attempts, l.response_code]),
    [[queued.event_id, 'order.updated', 'retrying', 1, 500]])
  assert.equal(typeof logs[0].response_time_ms, 'number')
  assert.equal(receiver.seen[0].body.type, 'order.updated', 'the sample in AuraConnect\'s envelope')

  // The next attempt is 10 s away (AuraConnect's schedule): retry sends it now.
  receiver.answers['/r1'] = 200
  await api.post(`/api/v1/webhooks/${hook.id}/logs/${logs[0].delivery_id}/retry`).expect(202)
  await receiver.waitFor(2)
  for (const deadline = Date.now() + 10_000; logs[0].status !== 'success' && Date.now() < deadline; await sleep(20)) {
    logs = (await api.get(`/api/v1/webhooks/${hook.id}/logs`).expect(200)).body.logs
  }
  assert.deepEqual(logs.map((l) => [l.status, l.attempts, l.response_code]), [['success', 2, 200]])
  assert.deepEqual(receiver.seen.map((s) => s.body.id), [queued.event_id, queued.event_id], 'the same event id on every attempt')

  await api.delete(`/api/v1/webhooks/${hook.id}`).expect(204)
  assert.equal((await api.get(`/api/v1/webhooks/${hook.id}/logs`)).body.code, 'not_found')
  assert.equal((await api.post('/api/v1/webhooks').send({ url: receiver.url('/r1'), secret: 's', events: ['order.exploded'] })).body.code, 'unknown_event_type')
})

test("AuraConnect's limits: 256 KB payloads, 1000 deliveries an hour, no retry after 7 days", async () => {
  const api = await start({ deliveriesPerHour: 3 }) // AuraConnect's 1000, made visible in a test
  const hook = await register(api, '/r1', { events: ['order.*'] })
  const [endpoint] = await service.outbox.endpoints()
  assert.deepEqual(endpoint.retry, { preset: 'auraconnect', maxAgeMs: LIMITS.maxAgeMs })
  assert.deepEqual(endpoint.rateLimit, { count: 3, periodMs: 3_600_000 })
  assert.equal(service.outbox.maxPayload, 256 * 1024)

  const big = (await api.post('/api/v1/orders').send({ restaurant_id: 1, notes: 'x'.repeat(LIMITS.maxPayload) })).body
  assert.equal(big.code, 'payload_too_large')
  for (let n = 0; n < 5; n++) await api.post('/api/v1/orders').send({ restaurant_id: 1 }).expect(201)
  await receiver.waitFor(3)
  await sleep(500)
  assert.equal(receiver.seen.length, 3, 'three an hour: the other two wait their turn')
  const pending = await service.outbox.deliveries({ status: 'pending', endpoint: hook.id })
  assert.equal(pending.length, 2)
  assert.equal((await service.outbox.deliveries({ status: 'succeeded' })).length, 3)

  // A production webhook keeps AuraConnect's 1000 an hour.
  const production = await createApp({ database: `sqlite://${join(dir, 'production.db')}`, allowPrivate: true })
  try {
    const created = (await request(production.app).post('/api/v1/webhooks').send({ url: receiver.url('/all'), secret: SECRETS['/all'] }).expect(201)).body
    assert.deepEqual((await production.outbox.endpoint(created.id)).rateLimit, { count: 1000, periodMs: 3_600_000 })
  } finally {
    await production.close()
  }
})
