// The receive and send path: Secret, Signer, Verifier, Message; errors, rotation, replay, inputs.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import v8 from 'node:v8'
import vm from 'node:vm'

import * as hookwire from '../index.mjs'
const {
  Secret, Signer, Verifier, Message, WebhookError, InvalidSignature, MissingHeader, TimestampTooOld,
  TimestampTooNew, TimestampOutOfTolerance, Replayed, PayloadTooLarge, InvalidSecret, InvalidArgument,
  UnknownScheme, UnknownDialect, UnknownEventType, BlockedUrl, InvalidState, InvalidPayload,
  MalformedHeader, ERROR_CODES, ERROR_CLASSES, SCHEMES, DIALECTS, RETRY_POLICIES, fromCode,
  RetryPolicy, Scheduler, EndpointHealth,
} = hookwire

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const core = (file) => JSON.parse(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8'))
const CORE_ERRORS = core('errors.json')
const CORE_LISTS = core('names.json')
const NOW = 1_700_000_000
const BODY = Buffer.from('{"id":"evt_1","type":"order.created","data":{"total_amount":45.99}}')

const signed = (body = BODY, { secret = SECRET, scheme, id = 'msg_1', timestamp = NOW, eventType } = {}) =>
  new Signer(secret, { scheme }).sign(body, { id, timestamp, eventType })

/** A verifier's verify function called as `verify` calls it: `(body, now, given, ...values)`,
 * `given` saying which are passed (bit 8 `now`, bit `i` value `i`; null and undefined are not). */
const callDirect = (direct, body, now, values) =>
  direct(body, now, values.reduce((bits, value, i) => (value == null ? bits : bits | (1 << i)), now === undefined ? 0 : 256), ...values)

function throwsCode(run, cls, code) {
  assert.throws(run, (error) => {
    assert.ok(error instanceof cls, `${error?.constructor?.name}: ${error?.message}`)
    assert.ok(error instanceof WebhookError)
    assert.ok(error instanceof Error)
    assert.equal(error.code, code)
    return true
  })
}

describe('package', () => {
  test('CommonJS and ESM give the same classes', () => {
    const cjs = createRequire(import.meta.url)('../index.js')
    assert.equal(cjs.Verifier, Verifier)
    assert.equal(cjs.WebhookError, WebhookError)
    assert.equal(cjs.default, undefined)
  })
  test('constants are the core lists', () => {
    // bindings/errors.json and bindings/names.json are written from the core's tables, in order.
    assert.deepEqual([...ERROR_CODES], CORE_ERRORS.errors.map((kind) => kind.code))
    assert.deepEqual([...SCHEMES], CORE_LISTS.constants.SCHEMES)
    assert.deepEqual([...DIALECTS], CORE_LISTS.constants.DIALECTS)
    assert.deepEqual([...RETRY_POLICIES], CORE_LISTS.constants.RETRY_POLICIES)
    assert.ok(Object.isFrozen(ERROR_CODES))
  })
  test('every code has its own error class', () => {
    for (const code of ERROR_CODES) {
      const cls = ERROR_CLASSES.get(code)
      assert.ok(cls, code)
      assert.equal(cls.code, code)
      const error = fromCode(code, 'x')
      assert.ok(error instanceof cls && error instanceof WebhookError)
      assert.equal(error.code, code)
      assert.equal(error.name, cls.name)
    }
    assert.ok(fromCode('timestamp_too_old', 'x') instanceof TimestampOutOfTolerance)
    assert.equal(fromCode('something_new', 'x').code, 'something_new')
  })
})

describe('Secret', () => {
  test('generate makes a whsec_ secret that signs and verifies', () => {
    const secret = Secret.generate()
    assert.match(secret.exposeText(), /^whsec_[A-Za-z0-9+/]{43}=$/)
    const headers = new Signer(secret).sign(BODY, { timestamp: NOW })
    assert.equal(new Verifier(secret).verify(BODY, headers, { now: NOW }).secretIndex, 0)
  })
  test('never shows the key', () => {
    const secret = new Secret(SECRET)
    assert.ok(!String(secret).includes('MfKQ9r8'), String(secret))
    assert.match(String(secret), /redacted/)
  })
  test('fromBytes and a Uint8Array are raw key bytes', () => {
    const key = new Uint8Array(32).fill(7)
    const headers = new Signer(Secret.fromBytes(key)).sign(BODY, { timestamp: NOW })
    assert.equal(new Verifier(key).verify(BODY, headers, { now: NOW }).secretIndex, 0)
    assert.equal(new Secret(key).exposeText(), null)
  })
  test('ed25519: whsk_ signs, whpk_ verifies (standard-webhooks v1a)', () => {
    const key = Secret.generateEd25519()
    const headers = new Signer(key, { scheme: 'standard-webhooks' }).sign(BODY, { id: 'msg_1', timestamp: NOW })
    assert.match(headers['webhook-signature'], /^v1a,/)
    const message = new Verifier(key.publicKey(), { scheme: 'standard-webhooks' }).verify(BODY, headers, { now: NOW })
    assert.equal(message.id, 'msg_1')
    throwsCode(() => new Signer(key.publicKey(), { scheme: 'standard-webhooks' }), InvalidSecret, 'invalid_secret')
  })
  test('bad secrets are invalid_secret', () => {
    for (const bad of ['', ' whsec_abc', 'whsec_!!!', 'whsec_', 42, {}, null, []]) {
      throwsCode(() => new Verifier(bad), InvalidSecret, 'invalid_secret')
    }
  })
})

describe('Signer', () => {
  test('hookwire scheme headers, lower-case names', () => {
    const headers = signed(BODY, { eventType: 'order.created' })
    assert.deepEqual(Object.keys(headers).sort(), ['x-webhook-event', 'x-webhook-id', 'x-webhook-signature', 'x-webhook-timestamp'])
    assert.match(headers['x-webhook-signature'], /^sha256=[0-9a-f]{64}$/)
    assert.equal(headers['x-webhook-timestamp'], String(NOW))
    assert.equal(headers['x-webhook-event'], 'order.created')
  })
  test('defaults: a random id and the clock', () => {
    const a = new Signer(SECRET).sign(BODY)
    const b = new Signer(SECRET).sign(BODY)
    assert.match(a['x-webhook-id'], /^msg_[0-9a-f]{24}$/)
    assert.notEqual(a['x-webhook-id'], b['x-webhook-id'])
    assert.ok(Math.abs(Number(a['x-webhook-timestamp']) - Date.now() / 1000) < 5)
    assert.equal(new Verifier(SECRET).verify(BODY, a).id, a['x-webhook-id'])
  })
  test('scheme getter and unknown schemes', () => {
    assert.equal(new Signer(SECRET, { scheme: 'github' }).scheme, 'github')
    assert.equal(new Verifier(SECRET, { scheme: 'stripe' }).scheme, 'stripe')
    throwsCode(() => new Signer(SECRET, { scheme: 'nope' }), UnknownScheme, 'unknown_scheme')
    throwsCode(() => new Verifier(SECRET, { scheme: 'nope' }), UnknownScheme, 'unknown_scheme')
  })
  test('ids with a dot are refused (ambiguous signed content)', () => {
    throwsCode(() => signed(BODY, { id: 'a.b' }), InvalidArgument, 'invalid_argument')
  })
  test('string, Buffer and Uint8Array bodies sign the same bytes', () => {
    const text = BODY.toString()
    const a = signed(text)
    assert.deepEqual(signed(new Uint8Array(BODY)), a)
    assert.deepEqual(signed(BODY), a)
  })
})

describe('Verifier', () => {
  const verifier = new Verifier(SECRET)
  test('verifies and returns the message', () => {
    const headers = signed(BODY, { eventType: 'order.created' })
    const message = verifier.verify(BODY, headers, { now: NOW + 10 })
    assert.ok(message instanceof Message)
    assert.equal(message.id, 'msg_1')
    assert.equal(message.timestamp, NOW)
    assert.equal(message.timestampSigned, true)
    assert.equal(message.eventType, 'order.created')
    assert.equal(message.secretIndex, 0)
    assert.equal(message.body, BODY, 'the caller\'s own Buffer, not a copy')
    assert.deepEqual(message.json(), JSON.parse(BODY))
    const event = message.event
    assert.equal(event.type, 'order.created')
    assert.equal(event.data.total_amount, 45.99)
  })
  test('a string body verifies like its bytes and comes back as a Buffer', () => {
    const message = verifier.verify(BODY.toString(), signed(), { now: NOW })
    assert.ok(Buffer.isBuffer(message.body) && message.body.equals(BODY))
  })
  test('a changed body is invalid_signature', () => {
    const other = Buffer.from(BODY.toString().replace('45.99', '0.01'))
    throwsCode(() => verifier.verify(other, signed(), { now: NOW }), InvalidSignature, 'invalid_signature')
  })
  test('a wrong secret is invalid_signature', () => {
    throwsCode(() => new Verifier('whsec_' + Buffer.alloc(24, 1).toString('base64')).verify(BODY, signed(), { now: NOW }), InvalidSignature, 'invalid_signature')
  })
  test('missing and malformed headers', () => {
    const headers = signed()
    const { 'x-webhook-signature': _, ...withoutSignature } = headers
    throwsCode(() => verifier.verify(BODY, withoutSignature, { now: NOW }), MissingHeader, 'missing_header')
    const { 'x-webhook-timestamp': __, ...withoutTimestamp } = headers
    throwsCode(() => verifier.verify(BODY, withoutTimestamp, { now: NOW }), MissingHeader, 'missing_header')
    throwsCode(() => verifier.verify(BODY, { ...headers, 'x-webhook-signature': 'sha256=zz' }, { now: NOW }), MalformedHeader, 'malformed_header')
  })
  test('timestamp tolerance: 300 s both ways by default, configurable', () => {
    const headers = signed()
    verifier.verify(BODY, headers, { now: NOW + 300 })
    verifier.verify(BODY, headers, { now: NOW - 300 })
    throwsCode(() => verifier.verify(BODY, headers, { now: NOW + 301 }), TimestampTooOld, 'timestamp_too_old')
    throwsCode(() => verifier.verify(BODY, headers, { now: NOW - 301 }), TimestampTooNew, 'timestamp_too_new')
    const strict = new Verifier(SECRET, { tolerance: 10 })
    throwsCode(() => strict.verify(BODY, headers, { now: NOW + 11 }), TimestampOutOfTolerance, 'timestamp_too_old')
    strict.verify(BODY, headers, { now: NOW + 10 })
  })
  test('maxBody: payload_too_large before hashing', () => {
    const small = new Verifier(SECRET, { maxBody: 10 })
    throwsCode(() => small.verify(BODY, signed(), { now: NOW }), PayloadTooLarge, 'payload_too_large')
  })
  test('rotation: any configured secret, secretIndex says which', () => {
    const next = Secret.generate()
    const rotating = new Verifier([next, SECRET])
    assert.equal(rotating.verify(BODY, signed(), { now: NOW }).secretIndex, 1)
    assert.equal(rotating.verify(BODY, signed(BODY, { secret: next }), { now: NOW }).secretIndex, 0)
    // A signer with two secrets sends two signatures; a verifier with either accepts.
    const both = new Signer([SECRET, next]).sign(BODY, { id: 'msg_2', timestamp: NOW })
    assert.equal(both['x-webhook-signature'].split(' ').length, 2)
    assert.equal(new Verifier(next).verify(BODY, both, { now: NOW }).secretIndex, 0)
    assert.equal(new Verifier(SECRET).verify(BODY, both, { now: NOW }).secretIndex, 0)
  })
  test('replay: with replayCapacity a message id is accepted once', () => {
    const guarded = new Verifier(SECRET, { replayCapacity: 100 })
    const headers = signed()
    assert.equal(guarded.verify(BODY, headers, { now: NOW }).commit(), true)
    throwsCode(() => guarded.verify(BODY, headers, { now: NOW + 1 }), Replayed, 'replayed')
    guarded.verify(BODY, signed(BODY, { id: 'msg_other' }), { now: NOW })
    // Without a store, the same message verifies again.
    verifier.verify(BODY, headers, { now: NOW })
    verifier.verify(BODY, headers, { now: NOW })
  })
  // verify without a store takes the values as positional ASCII strings and answers a number
  // or, when a value the core read is part of a header value, a Float64Array (the verify function's);
  // any other value, and verifyAsync, take the one-object path (verifyParts). Both must read
  // the same message.
  const outcome = async (run) => {
    try {
      const m = await run()
      return { id: m.id, timestamp: m.timestamp, timestampSigned: m.timestampSigned, eventType: m.eventType, secretIndex: m.secretIndex }
    } catch (error) {
      return { code: error.code }
    }
  }
  test('options holding `now` in any shape read by the one rule for options (a plain `{ now }` goes as its value)', async () => {
    const verifier = new Verifier(SECRET)
    const headers = signed()
    class Options {
      constructor() {
        this.now = NOW
      }
    }
    const withNow = (object) => Object.assign(object, { now: NOW })
    // What the addon's rule answers: an object (not an array) whose keys, own and inherited
    // enumerable ones, are all known; `now` a number (undefined: the clock's, which refuses the
    // 2023 timestamp).
    const shapes = [
      ['a plain object', { now: NOW }, 'msg_1'],
      ['now undefined (the clock)', { now: undefined }, 'timestamp_too_old'],
      ['no prototype', withNow(Object.create(null)), 'msg_1'],
      ['an object under a plain one', withNow(Object.create({})), 'msg_1'],
      ['a class instance', new Options(), 'msg_1'],
      ['an inherited enumerable now', Object.create({ now: NOW }), 'msg_1'],
      ['a Proxy of a plain object', new Proxy({ now: NOW }, {}), 'msg_1'],
      ['an array', withNow([]), 'invalid_argument'],
      ['an array that says it is an Object', withNow(Object.defineProperty([], 'constructor', { value: Object })), 'invalid_argument'],
      ['now and an unknown key', { now: NOW, tolerance: 5 }, 'invalid_argument'],
      ['a now that is text', { now: String(NOW) }, 'invalid_argument'],
    ]
    for (const [what, options, expected] of shapes) {
      const sync = await outcome(() => verifier.verify(BODY, headers, options))
      assert.equal(sync.id ?? sync.code, expected, what)
      assert.deepEqual(await outcome(() => verifier.verifyAsync(BODY, headers, options)), sync, what)
    }
  })
  const idCases = [['a plain id', 'msg_1'], ['an id with spaces around it', '  msg_1  '], ['an id with a non-ASCII letter', 'msg_\u00e9t\u00e9'], ['an empty id', ''], ['an id with a line feed', 'msg_\n1'], ['an id with a lone surrogate', 'msg_\ud800']]
  for (const scheme of SCHEMES) {
    for (const [what, id] of idCases) {
      test(`${scheme}, ${what}: verify reads what verifyAsync reads`, async () => {
        // Signed with the id where the signer takes it; otherwise the id header is replaced.
        let headers
        try {
          headers = signed(BODY, { scheme, id, eventType: 'order.created' })
        } catch {
          headers = signed(BODY, { scheme, eventType: 'order.created' })
          const idName = new Verifier(SECRET, { scheme }).headerNames[1]
          if (idName !== null) headers[idName] = id
        }
        const rotating = new Verifier([Secret.generate(), SECRET], { scheme })
        const sync = await outcome(() => rotating.verify(BODY, headers, { now: NOW }))
        assert.deepEqual(sync, await outcome(() => rotating.verifyAsync(BODY, headers, { now: NOW })))
        if (what === 'a plain id') assert.equal(sync.secretIndex, 1, JSON.stringify(sync))
      })
    }
  }
  // A repeated header given as an array leaves verify's fast path (-1) for verifyParts.
  for (const scheme of SCHEMES) {
    test(`${scheme}: a header given as an array of values is read as verifyAsync reads it`, async () => {
      const verifier = new Verifier(SECRET, { scheme })
      const headers = signed(BODY, { scheme, eventType: 'order.created' })
      const names = verifier.headerNames.filter((name) => name !== null && name in headers)
      assert.ok(names.length > 0)
      for (const name of names) {
        const repeated = { ...headers, [name]: [headers[name], headers[name]] }
        const sync = await outcome(() => verifier.verify(BODY, repeated, { now: NOW }))
        assert.deepEqual(sync, await outcome(() => verifier.verifyAsync(BODY, repeated, { now: NOW })), name)
      }
    })
  }
  // verify reads each value as UTF-16 and takes only ASCII on its fast path: a character beyond
  // Latin-1 whose low byte is the one the sender wrote must count as itself, never as that byte.
  for (const scheme of SCHEMES) {
    test(`${scheme}: a header value whose last character matches only without its high byte is read as itself`, async () => {
      const verifier = new Verifier(SECRET, { scheme })
      const headers = signed(BODY, { scheme, eventType: 'order.created' })
      assert.equal((await outcome(() => verifier.verify(BODY, headers, { now: NOW }))).code, undefined)
      for (const name of verifier.headerNames.filter((name) => name !== null && name in headers)) {
        const value = headers[name]
        const forged = value.slice(0, -1) + String.fromCharCode(0x100 + value.charCodeAt(value.length - 1))
        const read = await outcome(() => verifier.verify(BODY, { ...headers, [name]: forged }, { now: NOW }))
        assert.deepEqual(read, await outcome(() => verifier.verifyAsync(BODY, { ...headers, [name]: forged }, { now: NOW })))
        if (name === verifier.headerNames[0]) assert.ok(read.code, `${name}: ${JSON.stringify(read)}`)
      }
    })
  }
  test('verify with a seen store still claims (it never takes the store-less path)', () => {
    const guarded = new Verifier(SECRET, { replayCapacity: 10 })
    const headers = signed()
    const message = guarded.verify(BODY, headers, { now: NOW })
    assert.equal(message.claimed, true)
    assert.equal(message.commit({ now: NOW }), true)
    throwsCode(() => guarded.verify(BODY, headers, { now: NOW }), Replayed, 'replayed')
    // It gives no verify function of the store-less path (which would skip the claim).
    throwsCode(() => guarded.directFunction(), InvalidArgument, 'invalid_argument')
  })
  // The verify function reads the header values into a buffer of 1,024 UTF-16 units on the stack; a
  // request whose values are longer goes by verifyParts, read whole, and reads the same.
  for (const scheme of SCHEMES) {
    test(`${scheme}: header values longer than verify's fast path holds are read as verifyAsync reads them`, async () => {
      const verifier = new Verifier(SECRET, { scheme })
      const [signature, idName] = verifier.headerNames
      const headers = signed(BODY, { scheme, eventType: 'order.created' })
      const long = [
        // The signature header with its valid entry after 1,100 characters of padding (spaces,
        // which every list format skips or refuses alike on both paths).
        { ...headers, [signature]: ' '.repeat(1100) + headers[signature] },
        ...(idName !== null && idName in headers ? [{ ...headers, [idName]: 'm'.repeat(1100) }] : []),
      ]
      for (const request of long) {
        const sync = await outcome(() => verifier.verify(BODY, request, { now: NOW }))
        assert.deepEqual(sync, await outcome(() => verifier.verifyAsync(BODY, request, { now: NOW })))
      }
      // Around the buffer's edge (where it lies depends on the scheme's other values, which
      // share the buffer): each length reads alike on both paths.
      for (let length = 990; length <= 1024; length++) {
        const request = { ...headers, [signature]: headers[signature].padStart(length, ' ') }
        const sync = await outcome(() => verifier.verify(BODY, request, { now: NOW }))
        assert.deepEqual(sync, await outcome(() => verifier.verifyAsync(BODY, request, { now: NOW })), String(length))
      }
    })
  }
  test('the verify function reads values of up to 1,022 UTF-16 units in all (its buffer, less a terminator) and hands longer ones back', () => {
    const verifier = new Verifier(SECRET) // hookwire: signature, id, timestamp, event (none here)
    const direct = verifier.directFunction()
    const headers = signed()
    const id = headers['x-webhook-id']
    const timestamp = headers['x-webhook-timestamp']
    // Each value is read after the ones before it: the signature padded to 1,022 units less
    // the id's and the timestamp's fills the buffer exactly, and is verified; one unit more is
    // handed back (-1) for verifyParts, which then verifies it too.
    const exact = 1022 - id.length - timestamp.length
    const fits = headers['x-webhook-signature'].padStart(exact, ' ')
    const answer = callDirect(direct, BODY, NOW, [fits, id, timestamp, null])
    assert.ok(typeof answer === 'number' && answer >= 0, String(answer))
    assert.equal(callDirect(direct, BODY, NOW, [' ' + fits, id, timestamp, null]), -1)
    assert.equal(verifier.verify(BODY, { ...headers, 'x-webhook-signature': ' ' + fits }, { now: NOW }).id, id)
  })
  test('verify in worker threads: each thread its own verify functions, a worker ended mid-verify leaves the others verifying', async () => {
    const { Worker } = await import('node:worker_threads')
    const index = new URL('../index.js', import.meta.url).pathname
    // Each worker makes verifiers of its own (and counts its own verify functions alone),
    // verifies a valid and a forged message many times, and reports what it read.
    const code = `
      const { parentPort, workerData } = require('node:worker_threads')
      const { Verifier, Signer } = require(workerData.index)
      const body = Buffer.from('{"type":"order.created"}')
      const verifiers = Array.from({ length: 3 }, () => new Verifier(workerData.secret))
      const headers = new Signer(workerData.secret).sign(body, { id: 'msg_' + workerData.name, timestamp: workerData.now })
      let read = 0, refused = 0
      for (let i = 0; i < 2000; i++) {
        const verifier = verifiers[i % 3]
        if (verifier.verify(body, headers, { now: workerData.now }).id === 'msg_' + workerData.name) read++
        try { verifier.verify(Buffer.from('{"type":"order.forged"}'), headers, { now: workerData.now }) } catch (error) { if (error.code === 'invalid_signature') refused++ }
      }
      parentPort.postMessage({ read, refused, alive: require(workerData.native).directFunctionsAlive() })
      if (workerData.spin) for (;;) verifiers[0].verify(body, headers, { now: workerData.now })
    `
    const run = (name, spin = false) => new Worker(code, { eval: true, workerData: { index, native: new URL('../native.js', import.meta.url).pathname, secret: SECRET, now: NOW, name, spin } })
    const spinning = run('spin', true)
    const first = await new Promise((resolve, reject) => { spinning.once('message', resolve); spinning.once('error', reject) })
    await spinning.terminate()
    const results = await Promise.all(['a', 'b'].map((name) => new Promise((resolve, reject) => {
      const worker = run(name)
      worker.once('message', resolve)
      worker.once('error', reject)
    })))
    for (const result of [first, ...results]) {
      assert.equal(result.read, 2000)
      assert.equal(result.refused, 2000)
    }
    // Each thread counts its own: the three verifiers' functions, whatever this thread holds.
    for (const result of [first, ...results]) assert.equal(result.alive, 3)
    // This thread's verifiers still verify after the workers' tables came and went.
    const verifier = new Verifier(SECRET)
    assert.equal(verifier.verify(BODY, signed(), { now: NOW }).id, 'msg_1')
  })
  test('verify takes its verify function (the answer is not -1) for every scheme and every body kind it reads', () => {
    for (const scheme of SCHEMES) {
      const verifier = new Verifier(SECRET, { scheme })
      const direct = verifier.directFunction()
      const headers = signed(BODY, { scheme, eventType: 'order.created' })
      const values = verifier.headerNames.map((name) => (name === null ? null : headers[name] ?? null))
      assert.ok(values.length <= 8, scheme)
      const view = Buffer.concat([Buffer.from('xx'), BODY]).subarray(2)
      for (const [kind, body] of [['Buffer', BODY], ['Uint8Array', new Uint8Array(BODY)], ['a view', view], ['string', BODY.toString()]]) {
        assert.notEqual(callDirect(direct, body, NOW, values), -1, `${scheme}, ${kind}`)
        // Without \`now\` the clock's is used: the core answers (the 2023 timestamp of the
        // schemes that sign one is refused as too old), never -1.
        let answer
        try {
          answer = callDirect(direct, body, undefined, values)
        } catch (error) {
          assert.equal(error.code, 'timestamp_too_old', `${scheme}, ${kind}: ${error.message}`)
          continue
        }
        assert.notEqual(answer, -1, `${scheme}, ${kind}, the clock's now`)
      }
    }
  })
  test("a verifier's verify function is bound to it, keeps it alive, and is freed when collected", async () => {
    const native = createRequire(import.meta.url)('../native.js')
    const verifier = new Verifier(SECRET)
    const direct = verifier.directFunction()
    assert.equal(typeof direct, 'function')
    const headers = signed()
    const values = verifier.headerNames.map((name) => (name === null ? null : headers[name] ?? null))
    assert.ok(callDirect(direct, BODY, NOW, values) >= 0)
    // Each call makes another function of the same verifier.
    const again = verifier.directFunction()
    assert.notEqual(again, direct)
    assert.ok(callDirect(again, BODY, NOW, values) >= 0)
    // Another verifier's function checks with its own secret.
    const other = new Verifier('whsec_' + Buffer.alloc(32, 7).toString('base64')).directFunction()
    throwsCode(() => callDirect(other, BODY, NOW, values), InvalidSignature, 'invalid_signature')
    v8.setFlagsFromString('--expose-gc')
    const gc = vm.runInNewContext('gc')
    const collect = async () => {
      gc()
      await new Promise((resolve) => setImmediate(resolve))
    }
    // A function outlives the verifier object it came from, and still verifies with it.
    const orphan = (() => new Verifier(SECRET).directFunction())()
    for (let i = 0; i < 3; i++) await collect()
    assert.ok(callDirect(orphan, BODY, NOW, values) >= 0)
    // Collected functions free their verifiers (the finalizers run).
    const before = native.directFunctionsAlive()
    ;(() => {
      const made = Array.from({ length: 100 }, () => new Verifier(SECRET).directFunction())
      assert.equal(native.directFunctionsAlive(), before + 100)
      assert.ok(made.every((f) => typeof f === 'function'))
    })()
    for (let i = 0; i < 50 && native.directFunctionsAlive() > before; i++) await collect()
    assert.ok(native.directFunctionsAlive() <= before, `${native.directFunctionsAlive()} alive, ${before} before`)
  })
  test("a verifier's reader serves that verifier only: not an object inheriting from it, nor another verifier", () => {
    const outcome = (run) => {
      try {
        return `answered ${run().id}`
      } catch (error) {
        return `threw ${error.constructor.name}: ${error.message}`
      }
    }
    const parent = new Verifier(SECRET)
    const child = Object.create(parent)
    const proxy = new Proxy(parent, {})
    // The same answer before and after the parent verified (its reader then exists).
    const before = [outcome(() => child.verify(BODY, signed(), { now: NOW })), outcome(() => proxy.verify(BODY, signed(), { now: NOW }))]
    assert.equal(parent.verify(BODY, signed(), { now: NOW }).id, 'msg_1')
    const after = [outcome(() => child.verify(BODY, signed(), { now: NOW })), outcome(() => proxy.verify(BODY, signed(), { now: NOW }))]
    assert.deepEqual(after, before)
    for (const answer of after) assert.match(answer, /^threw /)
    // A reader copied onto a verifier of another secret is not used by it.
    const other = new Verifier('whsec_' + Buffer.alloc(32, 9).toString('base64'))
    const symbol = Object.getOwnPropertySymbols(parent).find((key) => String(key) === 'Symbol(hookwire.reader)')
    assert.ok(symbol, 'the reader is kept under its symbol')
    Object.defineProperty(other, symbol, { value: parent[symbol] })
    throwsCode(() => other.verify(BODY, signed(), { now: NOW }), InvalidSignature, 'invalid_signature')
  })
  test("the verify function's one-number answer carries every timestamp it can, exactly; a later one comes as its slots", async () => {
    // 34 bits of timestamp in the answer (up to 2^34 - 1, the year 2514); from 2^34 the answer
    // is the Float64Array of the slots. Each read as verifyAsync (verifyParts) reads it. The
    // ninth secret matches: its index (8) sets the answer's highest bit below the timestamp.
    const others = Array.from({ length: 8 }, (_, i) => 'whsec_' + Buffer.alloc(32, i + 1).toString('base64'))
    const verifier = new Verifier([...others, SECRET])
    const direct = verifier.directFunction()
    for (const timestamp of [1, 2 ** 14 - 1, 2 ** 14, NOW, 2 ** 31, 2 ** 33 + 12_345, 2 ** 34 - 1, 2 ** 34, 2 ** 40 + 7]) {
      const headers = signed(BODY, { timestamp, eventType: 'order.created' })
      const values = verifier.headerNames.map((name) => headers[name] ?? null)
      const answer = callDirect(direct, BODY, timestamp, values)
      assert.equal(typeof answer, timestamp < 2 ** 34 ? 'number' : 'object', String(timestamp))
      const message = verifier.verify(BODY, headers, { now: timestamp })
      assert.deepEqual(
        { id: message.id, timestamp: message.timestamp, eventType: message.eventType, secretIndex: message.secretIndex },
        { id: 'msg_1', timestamp, eventType: 'order.created', secretIndex: 8 },
        String(timestamp),
      )
      assert.deepEqual(await outcome(() => verifier.verify(BODY, headers, { now: timestamp })), await outcome(() => verifier.verifyAsync(BODY, headers, { now: timestamp })))
    }
  })
  test('a message has the same properties in the same order whichever path read it', async () => {
    // The verify function's number, its slots (a timestamp past 34 bits), verifyParts's object
    // (a repeated header; verifyAsync): one shape of message for code that spreads or logs it.
    const verifier = new Verifier(SECRET)
    const keys = ['id', 'timestamp', 'timestampSigned', 'eventType', 'secretIndex']
    for (const timestamp of [NOW, 2 ** 34]) {
      const headers = signed(BODY, { timestamp, eventType: 'order.created' })
      const signature = headers['x-webhook-signature']
      const messages = [
        verifier.verify(BODY, headers, { now: timestamp }),
        verifier.verify(BODY, { ...headers, 'x-webhook-signature': [signature, signature] }, { now: timestamp }),
        await verifier.verifyAsync(BODY, headers, { now: timestamp }),
      ]
      for (const message of messages) {
        assert.deepEqual(Object.keys(message), keys)
        assert.deepEqual({ ...message }, { id: 'msg_1', timestamp, timestampSigned: true, eventType: 'order.created', secretIndex: 0 })
      }
    }
  })
  test("the verify function reads what `given` says is passed, and hands anything else back", () => {
    const verifier = new Verifier(SECRET)
    const direct = verifier.directFunction()
    const headers = signed(BODY, { eventType: 'order.created' })
    const values = verifier.headerNames.map((name) => headers[name])
    const event = verifier.headerNames.indexOf('x-webhook-event')
    assert.ok(event >= 0 && typeof values[event] === 'string')
    const all = 256 | (2 ** values.length - 1)
    const answer = direct(BODY, NOW, all, ...values)
    assert.equal(new Message(verifier, BODY, answer, values).eventType, 'order.created')
    // A value whose bit is clear is not read: an absent header, whatever is in its place.
    const without = all & ~(1 << event)
    for (const absent of [null, undefined, 'order.forged', 0, {}]) {
      const passed = values.with(event, absent)
      const answer = direct(BODY, NOW, without, ...passed)
      assert.ok(answer >= 0, String(absent))
      assert.equal(new Message(verifier, BODY, answer, passed).eventType, null, String(absent))
    }
    assert.ok(direct(BODY, NOW, without, ...values.slice(0, event)) >= 0, 'not passed at all')
    // The signature's bit clear: no signature header, the core's error (not -1).
    throwsCode(() => direct(BODY, NOW, all & ~1, ...values), MissingHeader, 'missing_header')
    // A value given that is not one string (null, a repeated header's array, anything else) is
    // not read here: verify takes its general path.
    for (const other of [null, undefined, 0, false, {}, [], [values[event]], Symbol('x'), 1n]) {
      assert.equal(direct(BODY, NOW, all, ...values.with(event, other)), -1, String(typeof other))
    }
    // `now`: its bit clear, the clock's (a 2023 timestamp is too old, whatever `now` says); set,
    // a `now` that is not a number is handed back.
    throwsCode(() => direct(BODY, NOW, all & ~256, ...values), TimestampTooOld, 'timestamp_too_old')
    throwsCode(() => direct(BODY, 'soon', all & ~256, ...values), TimestampTooOld, 'timestamp_too_old')
    for (const other of [undefined, null, String(NOW), BigInt(NOW)]) assert.equal(direct(BODY, other, all, ...values), -1, String(other))
    // `given` itself: a whole number below 512, or everything is handed back.
    for (const other of [undefined, null, String(all), -1, 512, all + 0.5, NaN, Infinity]) {
      assert.equal(direct(BODY, NOW, other, ...values), -1, String(other))
    }
  })
  test('a frozen verifier verifies, and its reader adds no string key to a verifier', () => {
    const verifier = Object.freeze(new Verifier(SECRET))
    assert.equal(verifier.verify(BODY, signed(), { now: NOW }).id, 'msg_1')
    throwsCode(() => verifier.verify(BODY, { ...signed(), 'x-webhook-signature': 'sha256=' + '0'.repeat(64) }, { now: NOW }), InvalidSignature, 'invalid_signature')
    const open = new Verifier(SECRET)
    const before = Reflect.ownKeys(open).filter((key) => typeof key === 'string')
    open.verify(BODY, signed(), { now: NOW })
    assert.deepEqual(Object.keys(open), Object.keys(new Verifier(SECRET)))
    assert.deepEqual(Reflect.ownKeys(open).filter((key) => typeof key === 'string'), before)
    assert.deepEqual({ ...open }, { ...new Verifier(SECRET) })
  })
})

describe('headers', () => {
  const verifier = new Verifier(SECRET)
  const headers = signed()
  test('pick reads what a plain case-insensitive reading reads, for every scheme and many spellings', () => {
    const { pick, reader } = createRequire(import.meta.url)('../lib/message.js')
    // ASCII case folding only: header names are ASCII (the Kelvin sign is not a `k`).
    const fold = (name) => name.replace(/[A-Z]/g, (c) => c.toLowerCase())
    const plain = (object, names) => {
      const values = names.map(() => null)
      for (const key of Object.keys(object)) {
        const at = names.findIndex((name) => name !== null && name === fold(key))
        if (at < 0) continue
        const had = values[at]
        values[at] = had === null ? object[key] : [].concat(had, object[key])
      }
      return values
    }
    let seed = 7
    const random = (n) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n)
    const flipCase = (name) => [...name].map((c) => (random(2) ? c.toUpperCase() : c)).join('')
    // Same length as a name, a character changed (the first one as often as any other).
    const near = (name) => {
      const at = random(2) ? 0 : random(name.length)
      const other = '_^-09azAZ\u212a\u00e9x'[random(12)]
      return name.slice(0, at) + other + name.slice(at + 1)
    }
    // Every scheme's names, and names of one length beginning differently (no scheme has them).
    const lists = SCHEMES.map((scheme) => [scheme, new Verifier(SECRET, { scheme }).headerNames])
    lists.push(['made up', ['x-sig', 'y-sig', null, 'z-id', 'svix-id']])
    for (const [scheme, names] of lists) {
      const read = reader(names)
      const real = names.filter((name) => name !== null)
      for (let round = 0; round < 300; round++) {
        const object = {}
        for (let i = random(6); i > 0; i--) object[near(real[random(real.length)])] = `near ${i}`
        for (const name of real) if (random(3)) object[random(2) ? name : flipCase(name)] = `value of ${name}`
        if (random(4) === 0) object[flipCase(real[0])] = 'again'
        object['content-type'] = 'application/json'
        assert.deepEqual(pick(object, read), plain(object, names), `${scheme}: ${JSON.stringify(object)}`)
        assert.deepEqual(pick(Object.entries(object), read), plain(object, names), `${scheme} as pairs`)
      }
    }
  })
  test('only own keys count: an inherited header (a polluted prototype) is never read', () => {
    const { 'x-webhook-signature': signature, ...rest } = headers
    const inherited = Object.assign(Object.create({ 'x-webhook-signature': signature }), rest)
    throwsCode(() => verifier.verify(BODY, inherited, { now: NOW }), MissingHeader, 'missing_header')
    const polluted = Object.assign(Object.create({ 'x-webhook-id': 'msg_forged' }), headers)
    assert.equal(verifier.verify(BODY, polluted, { now: NOW }).id, 'msg_1')
    // Object.prototype itself (the options object would inherit it too: verified without one).
    const { 'x-webhook-signature': current, ...others } = signed(BODY, { timestamp: Math.floor(Date.now() / 1000) })
    Object.prototype['x-webhook-signature'] = current
    try {
      throwsCode(() => verifier.verify(BODY, { ...others }), MissingHeader, 'missing_header')
    } finally {
      delete Object.prototype['x-webhook-signature']
    }
  })
  test('any case of the names', () => {
    const upper = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]))
    assert.equal(verifier.verify(BODY, upper, { now: NOW }).id, 'msg_1')
    const mixed = { 'X-Webhook-Signature': headers['x-webhook-signature'], 'x-WEBHOOK-id': 'msg_1', 'X-Webhook-Timestamp': String(NOW) }
    assert.equal(verifier.verify(BODY, mixed, { now: NOW }).id, 'msg_1')
  })
  test('fetch Headers', () => {
    assert.equal(verifier.verify(BODY, new Headers(headers), { now: NOW }).id, 'msg_1')
  })
  test('[name, value] pairs', () => {
    assert.equal(verifier.verify(BODY, Object.entries(headers), { now: NOW }).id, 'msg_1')
  })
  test('IncomingHttpHeaders arrays: a repeated signature header counts wherever the valid one is', () => {
    const other = signed(BODY, { secret: Secret.generate() })['x-webhook-signature']
    const mine = headers['x-webhook-signature']
    for (const [list, index] of [[[mine, other], 0], [[other, mine], 0]]) {
      const message = verifier.verify(BODY, { ...headers, 'x-webhook-signature': list }, { now: NOW })
      assert.equal(message.secretIndex, index)
      assert.equal(message.id, 'msg_1')
    }
    // Neither valid: refused.
    throwsCode(() => verifier.verify(BODY, { ...headers, 'x-webhook-signature': [other, other] }, { now: NOW }), InvalidSignature, 'invalid_signature')
    const svix = new Signer(SECRET, { scheme: 'svix' }).sign(BODY, { id: 'msg_1', timestamp: NOW })
    const svixOther = new Signer(Secret.generate(), { scheme: 'svix' }).sign(BODY, { id: 'msg_1', timestamp: NOW })
    for (const list of [[svix['svix-signature'], svixOther['svix-signature']], [svixOther['svix-signature'], svix['svix-signature']]]) {
      assert.equal(new Verifier(SECRET, { scheme: 'svix' }).verify(BODY, { ...svix, 'svix-signature': list }, { now: NOW }).id, 'msg_1')
    }
    // A fetch Headers joins repeats with ", ": read back as two fields.
    for (const list of [[mine, other], [other, mine]]) {
      const fetchHeaders = new Headers(Object.entries(headers).filter(([n]) => n !== 'x-webhook-signature'))
      for (const value of list) fetchHeaders.append('x-webhook-signature', value)
      assert.equal(verifier.verify(BODY, fetchHeaders, { now: NOW }).id, 'msg_1')
    }
    // Pairs keep repeats as separate values too.
    const pairs = [...Object.entries(headers).filter(([n]) => n !== 'x-webhook-signature'), ['X-Webhook-Signature', mine], ['x-webhook-signature', other]]
    assert.equal(verifier.verify(BODY, pairs, { now: NOW }).id, 'msg_1')
  })
  test('malformed pairs and header values are refused', () => {
    throwsCode(() => verifier.verify(BODY, [['x-webhook-id']], { now: NOW }), InvalidArgument, 'invalid_argument')
    throwsCode(() => verifier.verify(BODY, [null], { now: NOW }), InvalidArgument, 'invalid_argument')
    throwsCode(() => verifier.verify(BODY, [['x-webhook-id', 'a', 'b']], { now: NOW }), InvalidArgument, 'invalid_argument')
    throwsCode(() => verifier.verify(BODY, { ...headers, 'x-webhook-id': [1] }, { now: NOW }), InvalidArgument, 'invalid_argument')
  })
  test('numbers that are not whole and ≥ 0 are refused, never wrapped', () => {
    for (const bad of [-1, 1.5, NaN, Infinity, 2 ** 53]) {
      throwsCode(() => new Verifier(SECRET, { tolerance: bad }), InvalidArgument, 'invalid_argument')
      throwsCode(() => new Verifier(SECRET, { maxBody: bad }), InvalidArgument, 'invalid_argument')
      throwsCode(() => new Verifier(SECRET, { replayCapacity: bad }), InvalidArgument, 'invalid_argument')
      throwsCode(() => verifier.verify(BODY, headers, { now: bad === -1 ? 0.5 : bad }), InvalidArgument, 'invalid_argument')
      throwsCode(() => new Signer(SECRET).sign(BODY, { timestamp: bad === -1 ? NaN : bad }), InvalidArgument, 'invalid_argument')
      throwsCode(() => RetryPolicy.fromName('svix').withMaxAttempts(bad), InvalidArgument, 'invalid_argument')
      throwsCode(() => new Scheduler().popDue(0, bad), InvalidArgument, 'invalid_argument')
      throwsCode(() => new EndpointHealth({ disableAfterFailures: bad }), InvalidArgument, 'invalid_argument')
    }
    throwsCode(() => RetryPolicy.fromName('svix').withMaxAttempts(2 ** 32), InvalidArgument, 'invalid_argument')
    // A tolerance of 2^32 s must not turn into 0 either: it is simply very large.
    assert.equal(new Verifier(SECRET, { tolerance: 2 ** 32 }).verify(BODY, headers, { now: NOW + 10_000 }).id, 'msg_1')
    // tolerance -1 would have been 136 years: the old message must stay refused with the default.
    throwsCode(() => verifier.verify(BODY, headers, { now: NOW + 10_000 }), TimestampTooOld, 'timestamp_too_old')
  })
  test('unknown or misspelled options are refused, not dropped', () => {
    // A port from Python (`replay_capacity`) must not silently run without a replay store.
    throwsCode(() => new Verifier(SECRET, { replay_capacity: 100 }), InvalidArgument, 'invalid_argument')
    throwsCode(() => new Verifier(SECRET, { schema: 'github' }), InvalidArgument, 'invalid_argument')
    throwsCode(() => new Verifier(SECRET, 'github'), InvalidArgument, 'invalid_argument')
    throwsCode(() => new Signer(SECRET, { scheme: 'github', tolerance: 5 }), InvalidArgument, 'invalid_argument')
    throwsCode(() => new Signer(SECRET).sign(BODY, { msg_id: 'x' }), InvalidArgument, 'invalid_argument')
    throwsCode(() => verifier.verify(BODY, headers, { now: NOW, tolerance: 5 }), InvalidArgument, 'invalid_argument')
    // Known options, undefined and null still work.
    assert.equal(new Verifier(SECRET, { scheme: 'hookwire', tolerance: 300, maxBody: 1 << 20, replayCapacity: 10 }).verify(BODY, headers, { now: NOW }).id, 'msg_1')
    assert.equal(new Verifier(SECRET, undefined).verify(BODY, headers, { now: NOW }).id, 'msg_1')
    assert.equal(new Verifier(SECRET, null).verify(BODY, headers, { now: NOW }).id, 'msg_1')
    throwsCode(() => verifier.verify(BODY, headers, null), TimestampTooOld, 'timestamp_too_old') // null: the clock
    assert.equal(new Signer(SECRET, null).sign(BODY, { id: 'msg_9', timestamp: NOW, eventType: 'order.created' })['x-webhook-id'], 'msg_9')
  })
  test('secrets never show in strings, inspection or errors', async () => {
    const { inspect } = await import('node:util')
    const text = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
    for (const value of [new Secret(text), new Signer(text), new Verifier(text)]) {
      for (const shown of [String(value), inspect(value, { showHidden: true, depth: 5 }), JSON.stringify(value) ?? '']) {
        assert.ok(!shown.includes('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'), shown)
      }
    }
    try { new Secret('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS!') } catch (e) { assert.ok(!e.message.includes('MfKQ9r8'), e.message) }
  })
  test('numbers are read as text; other headers are ignored', () => {
    const withNumber = { ...headers, 'x-webhook-timestamp': NOW, 'content-type': 'application/json', host: 'x' }
    assert.equal(verifier.verify(BODY, withNumber, { now: NOW }).timestamp, NOW)
  })
  test('not headers at all', () => {
    throwsCode(() => verifier.verify(BODY, 'x-webhook-id: 1', { now: NOW }), InvalidArgument, 'invalid_argument')
    throwsCode(() => verifier.verify(BODY, null, { now: NOW }), InvalidArgument, 'invalid_argument')
  })
})

describe('bodies', () => {
  const verifier = new Verifier(SECRET)
  test('a parsed object or array says to pass the raw request body', () => {
    for (const parsed of [JSON.parse(BODY), [1, 2], new ArrayBuffer(2), 42, undefined]) {
      assert.throws(
        () => verifier.verify(parsed, signed(), { now: NOW }),
        (error) => error instanceof InvalidArgument && error.code === 'invalid_argument' && /pass the raw request body/.test(error.message),
      )
    }
    assert.throws(() => new Signer(SECRET).sign({ a: 1 }), /pass the raw request body/)
    assert.throws(() => hookwire.parseEvent({ type: 'x' }), /pass the raw request body/)
  })
  test('a Uint8Array view into a larger buffer verifies only its bytes', () => {
    const big = Buffer.concat([Buffer.from('xxxx'), BODY, Buffer.from('yyyy')])
    const view = new Uint8Array(big.buffer, big.byteOffset + 4, BODY.length)
    assert.equal(verifier.verify(view, signed(), { now: NOW }).id, 'msg_1')
  })
})

describe('errors from the other classes carry their code', () => {
  test('unknown dialect, unknown event type, blocked url, invalid state, invalid payload', () => {
    throwsCode(() => hookwire.parseEvent('{}', { dialect: 'nope' }), UnknownDialect, 'unknown_dialect')
    throwsCode(() => hookwire.sampleEvent('order.refunded'), UnknownEventType, 'unknown_event_type')
    throwsCode(() => new hookwire.UrlGuard().checkUrl('http://127.0.0.1/'), BlockedUrl, 'blocked_url')
    const delivery = new hookwire.Delivery('msg_1', 0)
    throwsCode(() => delivery.retry(0), InvalidState, 'invalid_state')
    throwsCode(() => hookwire.parseEvent('not json'), InvalidPayload, 'invalid_payload')
  })
})

describe('Message.json', () => {
  test('JSON.parse of the body; not JSON is invalid_payload', () => {
    const verifier = new Verifier(SECRET)
    const text = Buffer.from('not json')
    const message = verifier.verify(text, signed(text), { now: NOW })
    throwsCode(() => message.json(), InvalidPayload, 'invalid_payload')
  })
})
