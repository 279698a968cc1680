// The helpers, each with its framework: Express through supertest, Fastify through app.inject,
// the Fetch API with a real Request.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'

import express from 'express'
import request from 'supertest'
import Fastify from 'fastify'

import {
  Signer, Verifier, SeenStore, AsyncMessage, expressWebhook, fastifyWebhook, verifyRequest, fetchWebhook, InvalidSignature,
  WebhookError,
} from '../index.mjs'
import { Server } from './servers.mjs'

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const BODY = '{"id":"evt_1","type":"order.created","data":{"order_id":"ord_1","total_amount":45.99}}'
const sign = (body = BODY, options = {}) => new Signer(SECRET).sign(body, { eventType: 'order.created', ...options })

describe('Express middleware', () => {
  function app({ parser = express.raw({ type: '*/*' }), verifier = new Verifier(SECRET) } = {}) {
    const app = express()
    app.post('/hook', parser, expressWebhook(verifier), (req, res) => {
      const event = req.webhook.event
      res.json({ type: event.type, total: event.data.total_amount, id: req.webhook.id })
    })
    app.use((error, _req, res, _next) => res.status(500).json({ code: error.code, message: error.message }))
    return app
  }
  test('a signed request reaches the handler with req.webhook', async () => {
    const headers = sign(BODY, { id: 'msg_express' })
    const res = await request(app()).post('/hook').set(headers).set('content-type', 'application/json').send(BODY)
    assert.equal(res.status, 200, res.text)
    assert.deepEqual(res.body, { type: 'order.created', total: 45.99, id: 'msg_express' })
  })
  test('a tampered body is answered 401 invalid_signature', async () => {
    const res = await request(app()).post('/hook').set(sign()).set('content-type', 'application/json').send(BODY.replace('45.99', '1'))
    assert.equal(res.status, 401)
    assert.equal(res.body.error, 'invalid_signature')
  })
  test('missing headers: 400 missing_header', async () => {
    const res = await request(app()).post('/hook').set('content-type', 'application/json').send(BODY)
    assert.equal(res.status, 400)
    assert.equal(res.body.error, 'missing_header')
  })
  test('replays are answered 200 duplicate without the handler', async () => {
    const server = app({ verifier: new Verifier(SECRET, { replayCapacity: 10 }) })
    const headers = sign(BODY, { id: 'msg_once' })
    assert.equal((await request(server).post('/hook').set(headers).set('content-type', 'application/json').send(BODY)).body.type, 'order.created')
    const again = await request(server).post('/hook').set(headers).set('content-type', 'application/json').send(BODY)
    assert.deepEqual([again.status, again.body], [200, { duplicate: true }])
  })
  test('express.json() instead of express.raw: a clear error', async () => {
    const res = await request(app({ parser: express.json() })).post('/hook').set(sign()).set('content-type', 'application/json').send(BODY)
    assert.equal(res.status, 500)
    assert.equal(res.body.code, 'invalid_argument')
    assert.match(res.body.message, /already parsed.*pass the raw request body.*express\.raw/)
  })
})

describe('Fastify plugin', () => {
  async function app(verifier = new Verifier(SECRET)) {
    const app = Fastify()
    await app.register(async (scope) => {
      await scope.register(fastifyWebhook, { verifier })
      scope.post('/hook', async (req) => ({ type: req.webhook.event.type, id: req.webhook.id, raw: Buffer.isBuffer(req.body) }))
    })
    // Outside the scope, JSON is parsed as usual.
    app.post('/other', async (req) => ({ parsed: req.body }))
    return app
  }
  test('a signed JSON request verifies on the raw bytes', async () => {
    const server = await app()
    const res = await server.inject({ method: 'POST', url: '/hook', payload: BODY, headers: { ...sign(BODY, { id: 'msg_f' }), 'content-type': 'application/json' } })
    assert.equal(res.statusCode, 200, res.body)
    assert.deepEqual(res.json(), { type: 'order.created', id: 'msg_f', raw: true })
  })
  test('a bad signature is 401 with the code', async () => {
    const server = await app()
    const res = await server.inject({ method: 'POST', url: '/hook', payload: BODY + ' ', headers: { ...sign(), 'content-type': 'application/json' } })
    assert.equal(res.statusCode, 401)
    assert.equal(res.json().error, 'invalid_signature')
  })
  test('other routes keep their JSON parser', async () => {
    const server = await app()
    const res = await server.inject({ method: 'POST', url: '/other', payload: { a: 1 } })
    assert.deepEqual(res.json(), { parsed: { a: 1 } })
  })
})

describe('Fetch API', () => {
  const verifier = new Verifier(SECRET)
  test('verifyRequest reads the raw body and the Headers of a real Request', async () => {
    const req = new Request('https://example.com/hook', { method: 'POST', body: BODY, headers: sign(BODY, { id: 'msg_fetch' }) })
    const message = await verifyRequest(req, verifier)
    assert.equal(message.id, 'msg_fetch')
    assert.equal(Buffer.from(message.body).toString(), BODY)
  })
  test('verifier.verifyRequest rejects with the WebhookError', async () => {
    const req = new Request('https://example.com/hook', { method: 'POST', body: BODY + 'x', headers: sign() })
    await assert.rejects(verifier.verifyRequest(req), (e) => e instanceof InvalidSignature && e instanceof WebhookError)
  })
})

// ---- replay claims: settled by the handler's outcome ------------------------------------------

class HandlerFailed extends Error {}

/** A server of each helper whose handler answers `handler(message)` (a status) or throws; `send`
 * posts BODY with `headers` and resolves to [status, JSON body]. */
const SENDERS = {
  async express(verifier, handler) {
    const app = express()
    app.post('/hook', express.raw({ type: '*/*' }), expressWebhook(verifier), (req, res) => {
      res.status(handler(req.webhook)).json({ handled: req.webhook.id })
    })
    app.use((error, _req, res, _next) => res.status(500).json({ error: String(error) }))
    return async (headers) => {
      const res = await request(app).post('/hook').set(headers).set('content-type', 'application/json').send(BODY)
      return [res.status, res.body]
    }
  },
  async fastify(verifier, handler) {
    const app = Fastify()
    await app.register(async (scope) => {
      await scope.register(fastifyWebhook, { verifier })
      scope.post('/hook', async (req, reply) => reply.code(handler(req.webhook)).send({ handled: req.webhook.id }))
    })
    return async (headers) => {
      const res = await app.inject({ method: 'POST', url: '/hook', payload: BODY, headers: { ...headers, 'content-type': 'application/json' } })
      return [res.statusCode, res.json()]
    }
  },
  async fetch(verifier, handler) {
    const route = fetchWebhook(verifier, async (message) => Response.json({ handled: message.id }, { status: handler(message) }))
    return async (headers) => {
      let res
      try {
        res = await route(new Request('https://example.com/hook', { method: 'POST', body: BODY, headers }))
      } catch (error) {
        if (!(error instanceof HandlerFailed)) throw error
        return [500, null] // the platform answers 500
      }
      return [res.status, await res.json()]
    }
  },
}

// What the handler does the first time, what the sender is answered, and how the sender's retry
// of the same message fares: a committed message is a duplicate (200, the handler is not run
// again); a released one reaches the handler again.
const OUTCOMES = [
  ['answers 200', 200, 200, 'committed'],
  ['answers 202', 202, 202, 'committed'],
  ['throws', HandlerFailed, 500, 'released'],
  ['answers 500', 500, 500, 'released'],
  ['answers 503', 503, 503, 'released'],
  ['answers 400', 400, 400, 'released'],
]

/** Waits until the helper has settled the first delivery: Express and Fastify settle once the
 * answer is sent, a moment after the client has it. */
async function settled(verifier, id) {
  const deadline = Date.now() + 2000
  for (;;) {
    try {
      const probe = verifier.verify(BODY, new Signer(SECRET).sign(BODY, { id }))
      probe.release()
      return
    } catch (error) {
      if (error.code !== 'replay_in_progress' || Date.now() > deadline) return
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  }
}

for (const [framework, make] of Object.entries(SENDERS)) {
  describe(`${framework}: replay claims`, () => {
    for (const [outcome, first, answered, settlement] of OUTCOMES) {
      test(`the handler ${outcome}: the claim is ${settlement}`, async () => {
        const verifier = new Verifier(SECRET, { seenStore: SeenStore.memory(100) })
        const calls = []
        const send = await make(verifier, (message) => {
          assert.ok(message instanceof AsyncMessage)
          calls.push(message.id)
          if (calls.length > 1) return 200
          if (first === HandlerFailed) throw new HandlerFailed("the handler's database is down")
          return first
        })
        const id = `msg_${framework}`
        const headers = new Signer(SECRET).sign(BODY, { id })
        assert.equal((await send(headers))[0], answered)
        await settled(verifier, id)
        const retry = await send(headers)
        if (settlement === 'committed') {
          assert.deepEqual([retry, calls], [[200, { duplicate: true }], [id]])
        } else {
          assert.deepEqual([retry, calls.length], [[200, { handled: id }], 2])
        }
      })
    }

    test('409 while another delivery is handled, 503 when the store refuses', async () => {
      const verifier = new Verifier(SECRET, { replayCapacity: 1 })
      const send = await make(verifier, () => 200)
      const held = new Signer(SECRET).sign(BODY, { id: 'msg_held' })
      verifier.verify(BODY, held) // being handled by another worker
      const [busy, busyBody] = await send(held)
      assert.deepEqual([busy, busyBody.error], [409, 'replay_in_progress'])
      const [full, fullBody] = await send(new Signer(SECRET).sign(BODY, { id: 'msg_other' }))
      assert.deepEqual([full, fullBody.error], [503, 'store_error'])
    })
  })
}

test('a failed commit keeps the handler\'s answer and warns (fetch, on Redis)', async () => {
  const server = await Server.start('redis')
  const warnings = []
  const onWarning = (warning) => warnings.push(warning)
  process.on('warning', onWarning)
  try {
    const verifier = new Verifier(SECRET, { seenStore: server.store({ timeoutMs: 500 }) })
    const route = fetchWebhook(verifier, async (message) => {
      await server.command('kill') // the store goes down while the event is handled
      return Response.json({ handled: message.id })
    })
    const res = await route(new Request('https://example.com/hook', { method: 'POST', body: BODY, headers: new Signer(SECRET).sign(BODY, { id: 'msg_handled' }) }))
    assert.deepEqual([res.status, await res.json()], [200, { handled: 'msg_handled' }])
    await new Promise((resolve) => setImmediate(resolve))
    assert.ok(warnings.some((w) => w.code === 'HOOKWIRE_COMMIT_FAILED' && /msg_handled was handled but its commit failed \(store_error/.test(w.message)), String(warnings))
  } finally {
    process.off('warning', onWarning)
    await server.stop()
  }
})
