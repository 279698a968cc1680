// The helpers, each with its framework: Express through supertest, Fastify through app.inject,
// the Fetch API with a real Request.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'

import express from 'express'
import request from 'supertest'
import Fastify from 'fastify'

import { Signer, Verifier, expressWebhook, fastifyWebhook, verifyRequest, InvalidSignature, WebhookError } from '../index.mjs'

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
