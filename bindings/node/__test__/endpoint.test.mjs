// The sender's Endpoint (surface.json `Endpoint`): the core's hookwire::Endpoint, one request per
// attempt, signed by every secret, with the endpoint's headers, the URL judged by its guard.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'

import {
  Endpoint, Subscription, RetryPolicy, Verifier, Secret, sampleEvent,
  BlockedUrl, PayloadTooLarge, InvalidArgument, InvalidSignature,
} from '../index.mjs'

const USER_AGENT_PREFIX = /^hookwire\/\d+\.\d+\.\d+/
const NEW = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const OLD = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD'
const URL = 'https://hooks.example.com/orders'
const NOW = new Date(1_700_000_000_000)
const SECS = 1_700_000_000

describe('Endpoint.request', () => {
  test('every secret signs: a receiver with either one accepts (rotation kept)', () => {
    for (const scheme of ['hookwire', 'standard-webhooks', 'github', 'stripe']) {
      const endpoint = new Endpoint(URL, [NEW, OLD], { scheme })
      assert.equal(endpoint.secretCount, 2)
      const { method, url, headers, body } = endpoint.request({ body: '{"a":1}', msgId: 'msg_1', now: NOW })
      assert.equal(method, 'POST')
      assert.equal(url, URL)
      assert.equal(Buffer.from(body).toString(), '{"a":1}')
      for (const secret of [NEW, OLD]) {
        const message = new Verifier(secret, { scheme }).verify(body, headers, { now: SECS })
        assert.equal(message.secretIndex, 0, `${scheme}: ${secret === NEW ? 'new' : 'old'} secret`)
      }
      const stranger = new Verifier(Secret.generate(), { scheme })
      assert.throws(() => stranger.verify(body, headers, { now: SECS }), InvalidSignature, scheme)
    }
  })
  test('headers: content type, user agent, custom headers; the scheme\'s own win', () => {
    const endpoint = new Endpoint(URL, NEW, {
      scheme: 'standard-webhooks',
      headers: { 'X-Tenant': 'kitchen-7', 'webhook-id': 'forged' },
    })
    const { headers } = endpoint.request({ body: '{}', msgId: 'msg_2', eventType: 'order.created', now: NOW })
    assert.equal(headers['content-type'], 'application/json')
    assert.match(headers['user-agent'], USER_AGENT_PREFIX)
    assert.equal(headers['x-tenant'], 'kitchen-7')
    assert.equal(headers['webhook-id'], 'msg_2')
    assert.equal(headers['webhook-timestamp'], String(SECS))
    assert.deepEqual(endpoint.headers, { 'x-tenant': 'kitchen-7', 'webhook-id': 'forged' })
    for (const name of ['Content-Length', 'Host', 'Transfer-Encoding']) {
      assert.throws(() => new Endpoint(URL, NEW, { headers: { [name]: '1' } }), InvalidArgument, name)
    }
  })
  test('one body rule: a string is its UTF-8, a Buffer or Uint8Array its bytes; a parsed object is refused', () => {
    const endpoint = new Endpoint(URL, NEW)
    const text = '{"name":"Zoë"}'
    const signed = [text, Buffer.from(text), new Uint8Array(Buffer.from(text))].map(
      (body) => endpoint.request({ body, msgId: 'msg_3', now: NOW }),
    )
    for (const request of signed) {
      assert.deepEqual(request.headers, signed[0].headers)
      assert.deepEqual(Buffer.from(request.body), Buffer.from(text, 'utf8'))
    }
    for (const bad of [{ name: 'x' }, 5, null, new ArrayBuffer(2)]) {
      assert.throws(() => endpoint.request({ body: bad, msgId: 'msg_3' }), (e) => e instanceof InvalidArgument && e.argument === 'body')
    }
  })
  test('now: a Date and the same unix ms sign the same timestamp; the default is the clock', () => {
    const endpoint = new Endpoint(URL, NEW, { scheme: 'standard-webhooks' })
    const byDate = endpoint.request({ body: '{}', msgId: 'm', now: NOW })
    const byMs = endpoint.request({ body: '{}', msgId: 'm', now: NOW.getTime() })
    assert.deepEqual(byDate.headers, byMs.headers)
    const fresh = Number(endpoint.request({ body: '{}', msgId: 'm' }).headers['webhook-timestamp'])
    assert.ok(Math.abs(fresh - Date.now() / 1000) < 60, String(fresh))
    assert.throws(() => endpoint.request({ body: '{}', msgId: 'm', now: '2026-01-01' }), (e) => e instanceof InvalidArgument && e.argument === 'now')
  })
  test('maxPayload: a larger body is PayloadTooLarge with its size and limit', () => {
    const endpoint = new Endpoint(URL, NEW, { maxPayload: 8 })
    assert.equal(endpoint.maxPayload, 8)
    endpoint.request({ body: '12345678', msgId: 'm' })
    const error = (() => { try { endpoint.request({ body: '123456789', msgId: 'm' }) } catch (e) { return e } })()
    assert.ok(error instanceof PayloadTooLarge)
    assert.equal(error.size, 9)
    assert.equal(error.limit, 8)
  })
  test('the URL guard: private targets are BlockedUrl unless allowPrivate; cloud metadata always', () => {
    const cases = [
      ['http://127.0.0.1:8080/hook', false, true],
      ['http://127.0.0.1:8080/hook', true, false],
      ['http://10.1.2.3/hook', true, false],
      ['http://169.254.169.254/latest/meta-data', true, true],
      ['https://hooks.example.com/x', false, false],
    ]
    for (const [url, allowPrivate, blocked] of cases) {
      const endpoint = new Endpoint(url, NEW, { allowPrivate })
      const request = () => endpoint.request({ body: '{}', msgId: 'm' })
      if (blocked) assert.throws(request, BlockedUrl, `${url} allowPrivate=${allowPrivate}`)
      else assert.equal(request().url, url)
    }
    assert.throws(() => new Endpoint('ftp://example.com/', NEW), InvalidArgument)
  })
})

describe('Endpoint settings', () => {
  test('defaults, and each option read back by its getter', () => {
    const plain = new Endpoint(URL, NEW)
    assert.equal(plain.scheme, 'hookwire')
    assert.equal(plain.retryPolicy.name, 'standard-webhooks')
    assert.equal(plain.timeoutMs, 30_000)
    assert.equal(plain.rateLimit, null)
    assert.equal(plain.maxPayload, 1024 * 1024)
    assert.deepEqual(plain.subscription.patterns, ['*'])
    const endpoint = new Endpoint(URL, NEW, {
      scheme: 'auraconnect',
      subscription: new Subscription({ patterns: ['order.*'], filters: { restaurant_id: 1 } }),
      retry: RetryPolicy.fromName('auraconnect').withMaxAttempts(3),
      timeoutMs: 10_000,
      rateLimit: { count: 1000, periodMs: 3_600_000 },
    })
    assert.equal(endpoint.scheme, 'auraconnect')
    assert.equal(endpoint.retryPolicy.maxAttempts, 3)
    assert.equal(endpoint.timeoutMs, 10_000)
    assert.deepEqual(endpoint.rateLimit, { count: 1000, periodMs: 3_600_000 })
    assert.deepEqual(endpoint.subscription.patterns, ['order.*'])
    assert.equal(new Endpoint(URL, NEW, { retry: 'webnet' }).retryPolicy.name, 'webnet')
    assert.throws(() => new Endpoint(URL, NEW, { retry: 'nope' }), InvalidArgument)
    assert.throws(() => new Endpoint(URL, NEW, { timeoutMs: 0 }), InvalidArgument)
    assert.throws(() => new Endpoint(URL, NEW, { rateLimit: { count: 0, periodMs: 1000 } }), InvalidArgument)
  })
  test('matches: the subscription decides', () => {
    const endpoint = new Endpoint(URL, NEW, { subscription: new Subscription({ patterns: ['order.*'] }) })
    assert.equal(endpoint.matches(sampleEvent('order.created')), true)
    assert.equal(endpoint.matches(sampleEvent('job.started')), false)
  })
  test('its text never shows a secret', () => {
    const endpoint = new Endpoint(URL, [NEW, OLD])
    assert.ok(!String(endpoint).includes(NEW.slice(6)) && !String(endpoint).includes(OLD.slice(6)), String(endpoint))
  })
})
