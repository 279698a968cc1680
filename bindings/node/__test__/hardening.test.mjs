// Issue 11, the Node binding's part: every failure is a WebhookError with a code and names the
// argument (§8), options objects refuse keys they do not know (§5), header names fold ASCII only
// (§7), and [name, value] pairs are read in linear time (§4).
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import vm from 'node:vm'

import * as hookwire from '../index.mjs'
const {
  Secret, Signer, Verifier, SeenStore, Event, Subscription, Endpoint, UrlGuard, Outcome, RetryPolicy, Delivery, Scheduler,
  EndpointHealth, WebhookError, InvalidArgument, InvalidSecret, MissingHeader, parseEvent, sampleEvent,
  responseStatus, expressWebhook, fastifyWebhook, verifyRequest,
} = hookwire

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const NOW = 1_700_000_000
const BODY = Buffer.from('{"id":"evt_1","type":"order.created","data":{"total_amount":45.99}}')
const signed = new Signer(SECRET).sign(BODY, { id: 'msg_1', timestamp: NOW })

/** `run` throws the WebhookError subclass `cls` with `code`, whose message names `name`. */
function refuses(run, cls, code, name) {
  assert.throws(run, (error) => {
    assert.ok(error instanceof cls, `${error?.constructor?.name} (${error?.code}): ${error?.message}`)
    assert.ok(error instanceof WebhookError)
    assert.equal(error.code, code)
    if (name !== undefined) assert.ok(error.message.includes(`\`${name}\``), `${error.message} names \`${name}\``)
    return true
  })
}

const argumentError = (run, name) => refuses(run, InvalidArgument, 'invalid_argument', name)

describe('§8 wrong types are invalid_argument naming the argument', () => {
  const policy = RetryPolicy.fromName('svix')
  const outcome = Outcome.response(500)
  const event = sampleEvent('order.created')
  // One row per input class: what was given where, and the argument the error must name.
  const cases = [
    // a number where a string belongs
    ['scheme: 5', () => new Verifier(SECRET, { scheme: 5 }), 'scheme'],
    ['checkUrl(5)', () => new UrlGuard().checkUrl(5), 'url'],
    ['checkIp(5)', () => new UrlGuard().checkIp(5), 'address'],
    ['new Subscription(5)', () => new Subscription(5), 'options'],
    ['new Endpoint(5)', () => new Endpoint(5, SECRET), 'url'],
    ['Endpoint timeoutMs: -1', () => new Endpoint('https://example.com/h', SECRET, { timeoutMs: -1 }), 'timeoutMs'],
    ['Endpoint retry: 5', () => new Endpoint('https://example.com/h', SECRET, { retry: 5 }), 'retry'],
    ['request msgId: 5', () => new Endpoint('https://example.com/h', SECRET).request({ body: '{}', msgId: 5 }), 'msgId'],
    ['matchesType(5)', () => new Subscription().matchesType(5), 'eventType'],
    ['sampleEvent(5)', () => sampleEvent(5), 'eventType'],
    ['responseStatus(5)', () => responseStatus(5), 'code'],
    ['event.encode(5)', () => event.encode(5), 'dialect'],
    ['parseEvent dialect: 5', () => parseEvent(BODY, { dialect: 5 }), 'dialect'],
    ['sign id: 5', () => new Signer(SECRET).sign(BODY, { id: 5 }), 'id'],
    ['RetryPolicy.fromName(5)', () => RetryPolicy.fromName(5), 'name'],
    ['Outcome.transport(5)', () => Outcome.transport(5), 'failure'],
    ['new Delivery(5, 0)', () => new Delivery(5, 0), 'id'],
    ['Delivery.fromJson(5)', () => Delivery.fromJson(5), 'json'],
    ['scheduler.schedule(5, 0)', () => new Scheduler().schedule(5, 0), 'key'],
    ['withJitter(5)', () => policy.withJitter(5), 'kind'],
    // a string or null where a number belongs
    ["tolerance: '300'", () => new Verifier(SECRET, { tolerance: '300' }), 'tolerance'],
    ['tolerance: null', () => new Verifier(SECRET, { tolerance: null }), 'tolerance'],
    ["maxBody: '1'", () => new Verifier(SECRET, { maxBody: '1' }), 'maxBody'],
    ["now: '1'", () => new Verifier(SECRET).verify(BODY, signed, { now: String(NOW) }), 'now'],
    ["timestamp: '1'", () => new Signer(SECRET).sign(BODY, { timestamp: '1' }), 'timestamp'],
    ["Outcome.response('200')", () => Outcome.response('200'), 'status'],
    ["elapsedMs: '1'", () => Outcome.response(200, undefined, '1'), 'elapsedMs'],
    ["next('1', ...)", () => policy.next('1', 0, 0, outcome), 'attempt'],
    ['exponential factor: "2"', () => RetryPolicy.exponential('x', 1000, '2', 4000, 3), 'factor'],
    ["new Delivery('m', '0')", () => new Delivery('m', '0'), 'now'],
    ["withSeed('7')", () => policy.withSeed('7'), 'seed'],
    ["disableAfterMs: 'x'", () => new EndpointHealth({ disableAfterMs: 'x' }), 'disableAfterMs'],
    ['a bigint', () => new Scheduler().schedule('k', 5n), 'due'],
    // a number out of range
    ['Outcome.response(99999)', () => Outcome.response(99999), 'status'],
    ['withMaxAttempts(2 ** 40)', () => policy.withMaxAttempts(2 ** 40), 'maxAttempts'],
    ['withSeed(-1)', () => policy.withSeed(-1), 'seed'],
    // a scalar where an array belongs
    ["checkResolved('1.2.3.4')", () => new UrlGuard().checkResolved('1.2.3.4'), 'addresses'],
    ['checkResolved([5])', () => new UrlGuard().checkResolved([5]), 'addresses'],
    ["RetryPolicy.table('t', 5)", () => RetryPolicy.table('t', 5), 'delaysMs'],
    ["patterns: 'order.*'", () => new Subscription({ patterns: 'order.*' }), 'patterns'],
    ["allow: '10.0.0.0/8'", () => new UrlGuard({ allow: '10.0.0.0/8' }), 'allow'],
    ["strict: 'yes'", () => parseEvent(BODY, { strict: 'yes' }), 'strict'],
    ["filters: 'x'", () => new Subscription({ filters: 'x' }), 'filters'],
    // a plain object where a hookwire object belongs
    ['matches({})', () => new Subscription().matches({ type: 'order.created' }), 'event'],
    ['next(..., {})', () => policy.next(1, 0, 0, {}), 'outcome'],
    ['record({}, ...)', () => new Delivery('m', 0).record({}, 0, outcome, '', 1), 'policy'],
    ['health.record({})', () => new EndpointHealth().record({}, 0), 'outcome'],
    // bytes of the wrong kind
    ['Secret.fromBytes(text)', () => Secret.fromBytes('abc'), 'bytes'],
    ['record(..., body {})', () => new Delivery('m', 0).record(policy, 0, outcome, {}, 1), 'responseBody'],
    ['an Int16Array body', () => new Signer(SECRET).sign(new Int16Array(4)), 'body'],
    // headers holding what is not a header value
    ['a Map of headers holding null', () => Outcome.response(503, new Map([['retry-after', null]])), 'headers'],
    ['header pairs that are not pairs', () => Outcome.response(503, [['retry-after']]), 'headers'],
    ['verify headers holding null in an array', () => new Verifier(SECRET).verify(BODY, { ...signed, 'x-webhook-id': [null] }), 'headers'],
    ['verify headers that are a number', () => new Verifier(SECRET).verify(BODY, 5), 'headers'],
    // factories only
    ['new Outcome()', () => new Outcome(), 'new'],
    ['new RetryPolicy()', () => new RetryPolicy(), 'new'],
    ['new Event()', () => new Event(), 'new'],
    // the framework helpers' callbacks
    ['expressWebhook onError: 5', () => expressWebhook(new Verifier(SECRET), { onError: 5 }), 'onError'],
  ]
  for (const [what, run, name] of cases) test(what, () => argumentError(run, name))

  test('a secret of the wrong kind is invalid_secret, not "Expected $name, got 3"', () => {
    for (const bad of [new Int16Array(16), new Float64Array(4), null, 5, { key: 'x' }, [SECRET, 5]]) {
      refuses(() => new Verifier(bad), InvalidSecret, 'invalid_secret')
      refuses(() => new Signer(bad), InvalidSecret, 'invalid_secret')
    }
  })

  // The addon reads a Uint8Array or Buffer body in one napi call and everything else through its
  // checks (src/input.rs `body`): each kind of body is taken, or refused with its message, alike
  // by verify, parseEvent and sign (verify's ArrayBuffer is refused in JS, before the addon).
  test('each kind of body is taken or refused by verify, parseEvent and sign as it always was', () => {
    const text = '{"type":"order.created","data":{"order_id":"ord_1"}}'
    const bytes = Buffer.from(text)
    const shared = new Uint8Array(new SharedArrayBuffer(bytes.length))
    shared.set(bytes)
    const detached = new Uint8Array(bytes)
    structuredClone(detached.buffer, { transfer: [detached.buffer] })
    assert.equal(detached.byteLength, 0, "the buffer is detached")
    const RAW = "pass the raw request body (a Buffer, Uint8Array or string, exactly as received), not a parsed object: with Express mount express.raw({ type: '*/*' }) instead of express.json() on the webhook route"
    const KIND = 'invalid argument `body`: a typed array body must be a Uint8Array or Buffer'
    const PARSED = `invalid argument \`body\`: got a parsed object: ${RAW}`
    const ARRAY_BUFFER = `invalid argument \`body\`: got an ArrayBuffer: wrap it as new Uint8Array(buffer); ${RAW}`
    const got = (what) => `invalid argument \`body\`: got ${what}: ${RAW}`
    const cases = [
      ['a string', text, 'ok', 'ok', 'ok'],
      ['a Buffer', bytes, 'ok', 'ok', 'ok'],
      ['a Uint8Array', new Uint8Array(bytes), 'ok', 'ok', 'ok'],
      ['a Uint8Array of another realm', vm.runInNewContext('new Uint8Array(b)', { b: [...bytes] }), 'ok', 'ok', 'ok'],
      ['a Uint8Array over a SharedArrayBuffer', shared, 'ok', 'ok', 'ok'],
      ['a view into a larger buffer', Buffer.concat([Buffer.from('xx'), bytes, Buffer.from('yy')]).subarray(2, 2 + bytes.length), 'ok', 'ok', 'ok'],
      ['an empty Uint8Array', new Uint8Array(0), 'ok', 'invalid payload: the body is not JSON: EOF while parsing a value at line 1 column 0', 'ok'],
      ['a subclass of Uint8Array', new (class Body extends Uint8Array {})(bytes), 'ok', 'ok', 'ok'],
      ['a detached Uint8Array (reads as empty)', detached, 'ok', 'invalid payload: the body is not JSON: EOF while parsing a value at line 1 column 0', 'ok'],
      ['a Uint8ClampedArray', new Uint8ClampedArray(bytes), KIND, KIND, KIND],
      ['an Int8Array', new Int8Array(bytes), KIND, KIND, KIND],
      ['a Float32Array', new Float32Array(4), KIND, KIND, KIND],
      ['a DataView', new DataView(bytes.buffer, bytes.byteOffset, bytes.length), PARSED, PARSED, PARSED],
      ['an ArrayBuffer', new Uint8Array(bytes).buffer, PARSED, ARRAY_BUFFER, ARRAY_BUFFER],
      ['a bare SharedArrayBuffer', shared.buffer, PARSED, PARSED, PARSED],
      ['a parsed object', { type: 'order.created' }, PARSED, PARSED, PARSED],
      ['an array', [1], PARSED, PARSED, PARSED],
      ['a number', 5, got('number'), got('number'), got('number')],
      ['null', null, got('null'), got('null'), got('null')],
      ['undefined', undefined, got('undefined'), got('undefined'), got('undefined')],
    ]
    const signer = new Signer(SECRET)
    const verifier = new Verifier(SECRET)
    const answer = (run) => {
      try {
        run()
        return 'ok'
      } catch (error) {
        assert.ok(error instanceof WebhookError, String(error))
        return error.message
      }
    }
    for (const [what, body, verify, parse, sign] of cases) {
      // Signed over the body itself where it can be: verify then answers only on the body's kind.
      const headers = signer.sign(sign === 'ok' ? body : text)
      assert.deepEqual(
        [answer(() => verifier.verify(body, headers)), answer(() => parseEvent(body)), answer(() => signer.sign(body))],
        [verify, parse, sign],
        what,
      )
    }
  })
  test('a Map of headers holding numbers is read like an object of them', () => {
    const map = new Map(Object.entries({ ...signed, 'x-webhook-timestamp': NOW }))
    assert.equal(new Verifier(SECRET).verify(BODY, map, { now: NOW }).id, 'msg_1')
    const decision = RetryPolicy.fromName('svix').next(1, 0, 0, Outcome.response(503, new Map([['Retry-After', 120]])))
    assert.deepEqual(decision, { action: 'retry', at: new Date(120_000), delayMs: 120_000 })
    for (const headers of [{ 'Retry-After': '120' }, [['retry-after', '120']], new Headers({ 'retry-after': '120' })]) {
      assert.equal(RetryPolicy.fromName('svix').next(1, 0, 0, Outcome.response(503, headers)).delayMs, 120_000)
    }
  })

  // The siblings: every public function, constructor and method, called with values of every
  // wrong type, either works or throws a WebhookError; never napi's bare errors.
  test('every public callable answers wrong types with a WebhookError', async () => {
    const WRONG = [undefined, null, 5, -1, 1.5, NaN, 'x', true, {}, [], [5], Symbol('s'), 5n, new Int16Array(2), () => 0]
    const instances = {
      Secret: new Secret(SECRET), Signer: new Signer(SECRET), Verifier: new Verifier(SECRET),
      Event: sampleEvent('order.created'), Subscription: new Subscription(),
      Endpoint: new Endpoint('https://example.com/h', SECRET),
      UrlGuard: new UrlGuard(), Outcome: Outcome.response(500), RetryPolicy: RetryPolicy.fromName('svix'),
      Delivery: new Delivery('m', 0), Scheduler: new Scheduler(), EndpointHealth: new EndpointHealth(),
      SeenStore: SeenStore.memory(10),
    }
    const calls = []
    for (const [name, value] of Object.entries(hookwire)) {
      if (typeof value !== 'function' || value === WebhookError || value.prototype instanceof Error) continue
      // A Fastify plugin is called by Fastify with its instance; messages are built by verify.
      if (value === fastifyWebhook || name.endsWith('Message') || name === 'fromCode') continue
      const isClass = name in instances || name === 'Secret'
      if (isClass) {
        calls.push([`new ${name}`, (...args) => new value(...args), 3])
        for (const key of Object.getOwnPropertyNames(value)) {
          // SeenStore.sqlite(text) opens (creates) that file: its arguments are checked in claims.test.mjs.
          if (value === SeenStore && key === 'sqlite') continue
          if (typeof value[key] === 'function' && !['length', 'name', 'prototype'].includes(key)) {
            calls.push([`${name}.${key}`, (...args) => value[key](...args), value[key].length || 3])
          }
        }
        const instance = instances[name]
        for (const key of Object.getOwnPropertyNames(value.prototype)) {
          const method = Object.getOwnPropertyDescriptor(value.prototype, key).value
          if (key !== 'constructor' && typeof method === 'function') {
            calls.push([`${name}#${key}`, (...args) => method.apply(instance, args), method.length || 3])
          }
        }
      } else {
        calls.push([name, value, value.length || 3])
      }
    }
    assert.ok(calls.length > 60, `${calls.length} callables`)
    for (const [label, call, arity] of calls) {
      for (const wrong of WRONG) {
        for (let count = 0; count <= Math.max(arity, 1); count++) {
          // The first `count` arguments are valid-looking text, then the wrong one.
          const args = [...Array(count).fill('order.created'), wrong]
          try {
            const result = call(...args)
            if (result instanceof Promise) await result
          } catch (error) {
            assert.ok(error instanceof WebhookError, `${label}(${args.map(String).join(', ')}): ${error?.constructor?.name} ${error?.code}: ${error?.message}`)
          }
        }
      }
    }
  })
})

describe('§5 options objects refuse unknown keys and non-objects', () => {
  const verifier = new Verifier(SECRET)
  const event = sampleEvent('order.created')
  // Each options argument of the package, given a misspelled key.
  const cases = [
    ['new UrlGuard', (o) => new UrlGuard(o), { https_only: true }],
    ['parseEvent', (o) => parseEvent(BODY, o), { type_hint: 'order.created' }],
    ['parseEvent (dialekt)', (o) => parseEvent(BODY, o), { dialekt: 'webnet' }],
    ['new Subscription', (o) => new Subscription(o), { pattern: ['order.*'] }],
    ['new Endpoint', (o) => new Endpoint('https://example.com/h', SECRET, o), { timeout: 5 }],
    ['endpoint.request', (o) => new Endpoint('https://example.com/h', SECRET).request(o), { body: '{}', msgId: 'm', msg_id: 'm' }],
    ['new EndpointHealth', (o) => new EndpointHealth(o), { disable_after_failures: 3 }],
    ['new Verifier', (o) => new Verifier(SECRET, o), { replay_capacity: 10 }],
    ['new Signer', (o) => new Signer(SECRET, o), { schema: 'github' }],
    ['signer.sign', (o) => new Signer(SECRET).sign(BODY, o), { event_type: 'x' }],
    ['verifier.verify', (o) => verifier.verify(BODY, signed, o), { tolerance: 5 }],
    ['verifyRequest', (o) => verifyRequest(new Request('https://x/', { method: 'POST', body: BODY, headers: signed }), verifier, o), { nw: 5 }],
    ['expressWebhook', (o) => expressWebhook(verifier, o), { on_error: () => {} }],
    ['fastifyWebhook', (o) => fastifyWebhook({}, o, () => {}), { verifier, on_error: () => {} }],
  ]
  for (const [what, run, unknown] of cases) {
    test(`${what}: an unknown key`, async () => {
      const key = Object.keys(unknown).at(-1)
      await assert.rejects(async () => run(unknown), (error) => {
        assert.ok(error instanceof InvalidArgument, `${error?.constructor?.name}: ${error?.message}`)
        assert.match(error.message, new RegExp(`unknown option \`${key}\``))
        return true
      })
    })
    test(`${what}: a string or an array as options`, async () => {
      for (const notAnObject of ['order.created', ['x'], 5]) {
        await assert.rejects(async () => run(notAnObject), (error) => {
          assert.ok(error instanceof InvalidArgument, `${error?.constructor?.name}: ${error?.message}`)
          assert.match(error.message, /`options`: must be an object of options/)
          return true
        })
      }
    })
  }
  test('the https-only guard is not silently off', () => {
    refuses(() => new UrlGuard({ httpsOnly: true }).checkUrl('http://example.com/'), hookwire.BlockedUrl, 'blocked_url')
  })
  test('undefined option values are absent; known options still work', () => {
    assert.equal(parseEvent(BODY, { dialect: undefined, typeHint: undefined }).type, 'order.created')
    assert.equal(new EndpointHealth({ disableAfterMs: null, disableAfterFailures: 2 }).isDisabled, false)
    assert.equal(new Subscription({ patterns: ['order.*'], active: true, filters: {} }).matches(event), true)
  })
})

describe('§7 header names fold ASCII letters only', () => {
  const KELVIN = '\u212a' // lower-cases to an ASCII `k` in Unicode
  const slack = new Signer('slack-signing-secret-0123456789', { scheme: 'slack' }).sign(BODY, { timestamp: NOW })
  const verifier = new Verifier('slack-signing-secret-0123456789', { scheme: 'slack' })
  const spoofed = Object.fromEntries(Object.entries(slack).map(([name, value]) => [name.replace('slack', `slac${KELVIN}`), value]))
  for (const [shape, headers] of [['object', spoofed], ['pairs', Object.entries(spoofed)], ['Map', new Map(Object.entries(spoofed))]]) {
    test(`x-slac\\u212a-signature is not x-slack-signature (${shape})`, () => {
      assert.equal(`slac${KELVIN}`.toLowerCase(), 'slack') // what Unicode lowercasing did
      refuses(() => verifier.verify(BODY, headers, { now: NOW }), MissingHeader, 'missing_header')
    })
  }
  test('ASCII letters in any case still match', () => {
    const upper = Object.fromEntries(Object.entries(slack).map(([name, value]) => [name.toUpperCase(), value]))
    for (const headers of [upper, Object.entries(upper), new Map(Object.entries(upper))]) {
      assert.equal(verifier.verify(BODY, headers, { now: NOW }).timestamp, NOW)
    }
  })
})

// §4: [name, value] pairs were read in quadratic time (the list re-concatenated per pair). How
// long a read takes is measured by `npm run bench` (bench/verify.mjs, "header pairs"), not here:
// this checks that very long lists get the core's answer, the same for every shape.
describe('§4 very long [name, value] lists get the core\'s answer', () => {
  const verifier = new Verifier(SECRET)
  const pairs = (count, value) => {
    const list = Object.entries(signed)
    for (let i = list.length; i < count; i++) list.push(['X-Webhook-Signature', value])
    return list
  }
  test('100,000 repeats of the signature header are more entries than the core reads', () => {
    for (const value of [signed['x-webhook-signature'], 'sha256=00']) {
      assert.throws(() => verifier.verify(BODY, pairs(100_000, value), { now: NOW }),
        (error) => error instanceof WebhookError && error.code === 'malformed_header' && /16/.test(error.message))
    }
  })
  test('100,000 pairs of headers the scheme never reads change nothing', () => {
    const list = Object.entries(signed)
    for (let i = 0; i < 100_000; i++) list.push([`x-other-${i % 7}`, 'v'])
    assert.equal(verifier.verify(BODY, list, { now: NOW }).id, signed['x-webhook-id'])
  })
})

// Members of a sender's envelope named like the native envelope's keys (the Kotlin binding once
// rebuilt events from the native JSON and lost them; every binding holds the core's event).
describe('encode keeps members named like native keys', () => {
  const bodies = {
    'ops-center': '{"event":"order.created","data":{"id":5},"id":"keep-me","type":"keep-type","actor":"keep-actor"}',
    homechef: '{"event":"order.created","timestamp":"2025-08-08T10:00:00Z","data":{"id":5},"webhook_id":"wh_1","delivery_id":"d1","id":"keep-id","type":"keep-type","actor":"keep-actor"}',
    webnet: '{"event_type":"order.created","event_timestamp":"2025-08-08T10:00:00Z","actor":{"id":1},"order":{"id":5},"id":"keep-id","type":"keep-type","timestamp":"keep-ts","data":"keep-data"}',
    auraconnect: '{"id":"evt_1","type":"order.created","created":1700000000,"data":{"object":{"id":5}},"timestamp":"keep-ts","actor":"keep-actor"}',
  }
  for (const [dialect, body] of Object.entries(bodies)) {
    test(dialect, () => assert.equal(parseEvent(body, { dialect }).encode(dialect).toString(), body))
  }
})
