// The error classes held to bindings/errors.json (generated from the core's Error::KINDS): one
// class per code, the status the core answers it with, and each code's structured details as
// properties of the thrown error (index.d.ts declares them, generated from the same file).
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'

import {
  ERROR_CLASSES, ERROR_CODES, OUTBOX_ERROR_CODES, WebhookError, responseStatus, fromCode,
  Verifier, Signer, Endpoint, parseEvent, sampleEvent, RetryPolicy,
  MissingHeader, MalformedHeader, TimestampTooOld, TimestampTooNew, PayloadTooLarge, InvalidArgument,
  UnknownScheme, UnknownEventType, UnknownDialect, Replayed,
} from '../index.mjs'
import { errorClassName } from '../scripts/gen-dts.mjs'

const kinds = JSON.parse(readFileSync(new URL('../../errors.json', import.meta.url), 'utf8')).errors
const dts = readFileSync(new URL('../index.d.ts', import.meta.url), 'utf8')
const camel = (name) => name.replace(/_([a-z])/g, (_, c) => c.toUpperCase())
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'

function thrown(run) {
  try {
    run()
  } catch (error) {
    return error
  }
  assert.fail('did not throw')
}

describe('error classes follow bindings/errors.json', () => {
  test('one class per code, no more: the core\'s codes, then the outbox\'s own', () => {
    assert.deepEqual(ERROR_CODES, kinds.map((k) => k.code))
    assert.deepEqual([...ERROR_CLASSES.keys()].sort(), [...ERROR_CODES, ...OUTBOX_ERROR_CODES].sort())
  })
  test("index.d.ts declares exactly the outbox's codes (OUTBOX_ERROR_CODES) as classes", () => {
    // lib/api.d.ts writes these by hand, with their docs: held here to the Rust outbox's list.
    const declared = [...dts.matchAll(/^export declare class (\w+) extends WebhookError \{ readonly code: '(\w+)' \}$/gm)]
    assert.deepEqual(
      declared.map(([, cls, code]) => [cls, code]),
      OUTBOX_ERROR_CODES.map((code) => [errorClassName(code), code]),
    )
    for (const code of OUTBOX_ERROR_CODES) assert.equal(ERROR_CLASSES.get(code).name, errorClassName(code))
  })
  for (const kind of kinds) {
    test(`${kind.code}: class, status ${kind.status}, details ${kind.details.map((d) => d.name).join(', ') || '(none)'}`, () => {
      const cls = ERROR_CLASSES.get(kind.code)
      assert.equal(cls.code, kind.code)
      assert.ok(cls.prototype instanceof WebhookError)
      assert.equal(responseStatus(kind.code), kind.status)
      // index.d.ts declares the class with its code and each detail as a typed property.
      const start = dts.indexOf(`export declare class ${cls.name} extends`)
      assert.ok(start >= 0, `index.d.ts declares ${cls.name}`)
      const body = dts.slice(start, dts.indexOf('\n}', start))
      assert.ok(body.includes(`readonly code: '${kind.code}'`), body)
      for (const detail of kind.details) {
        const type = { text: 'string', number: 'number', names: 'readonly string[]' }[detail.kind]
        assert.ok(body.includes(`readonly ${camel(detail.name)}: ${type}`), `${cls.name}.${camel(detail.name)}: ${type}`)
      }
      // fromCode (what the addon calls) puts the details on the error.
      const details = Object.fromEntries(kind.details.map((d) => [camel(d.name), d.kind === 'number' ? 7 : d.kind === 'names' ? ['a'] : 'x']))
      const error = fromCode(kind.code, 'message', details)
      assert.ok(error instanceof cls)
      for (const [key, value] of Object.entries(details)) assert.deepEqual(error[key], value, key)
    })
  }
})

describe('thrown errors carry their details', () => {
  const verifier = new Verifier(SECRET, { scheme: 'standard-webhooks' })
  const signed = new Signer(SECRET, { scheme: 'standard-webhooks' }).sign('{}', { id: 'msg_1', timestamp: 1_700_000_000 })
  const without = (name) => Object.fromEntries(Object.entries(signed).filter(([k]) => k !== name))
  const cases = [
    ['missing header', () => verifier.verify('{}', without('webhook-id'), { now: 1_700_000_000 }), MissingHeader, { header: 'webhook-id', scheme: 'standard-webhooks' }],
    ['malformed header', () => verifier.verify('{}', { ...signed, 'webhook-timestamp': 'soon' }, { now: 1_700_000_000 }), MalformedHeader, { header: 'webhook-timestamp' }],
    ['too old', () => verifier.verify('{}', signed, { now: 1_700_000_400 }), TimestampTooOld, { age: 400, tolerance: 300 }],
    ['too new', () => verifier.verify('{}', signed, { now: 1_699_999_000 }), TimestampTooNew, { ahead: 1000, tolerance: 300 }],
    ['body over maxBody', () => new Verifier(SECRET, { maxBody: 1 }).verify('{}', {}), PayloadTooLarge, { size: 2, limit: 1 }],
    ['endpoint over maxPayload', () => new Endpoint('https://example.com/h', SECRET, { maxPayload: 1 }).request({ body: '{}', msgId: 'm' }), PayloadTooLarge, { size: 2, limit: 1 }],
    ['bad argument', () => RetryPolicy.fromName(5), InvalidArgument, { argument: 'name' }],
    ['unknown scheme', () => new Verifier(SECRET, { scheme: 'nope' }), UnknownScheme, { scheme: 'nope' }],
    ['unknown event type', () => sampleEvent('nope.nope'), UnknownEventType, { eventType: 'nope.nope' }],
    ['unknown dialect', () => parseEvent('{}', { dialect: 'nope' }), UnknownDialect, { dialect: 'nope' }],
  ]
  for (const [what, run, cls, details] of cases) {
    test(what, () => {
      const error = thrown(run)
      assert.ok(error instanceof cls, `${what}: ${error}`)
      for (const [key, value] of Object.entries(details)) assert.deepEqual(error[key], value, `${what}: ${key}`)
    })
  }
  test('known lists come as arrays (unknown_scheme.known)', () => {
    const error = thrown(() => new Verifier(SECRET, { scheme: 'nope' }))
    assert.ok(Array.isArray(error.known) && error.known.includes('standard-webhooks'), String(error.known))
  })
  test('a replayed message names its id', () => {
    const store = new Verifier(SECRET, { scheme: 'standard-webhooks', replayCapacity: 10 })
    store.verify('{}', signed, { now: 1_700_000_000 }).commit()
    const error = thrown(() => store.verify('{}', signed, { now: 1_700_000_000 }))
    assert.ok(error instanceof Replayed)
    assert.equal(error.id, 'msg_1')
  })
})
