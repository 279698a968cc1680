// Every case of tests/vectors/signatures.json and events.json, as the Rust and Python tests run them.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'

import { Verifier, Signer, parseEvent, Event, WebhookError, ERROR_CLASSES } from '../index.mjs'
import { load, bodyOf } from './vectors.mjs'

const SIGNATURES = load('signatures.json')
const EVENTS = load('events.json')

function outcome(run) {
  try {
    return run()
  } catch (error) {
    assert.ok(error instanceof WebhookError, `not a WebhookError: ${error}`)
    // The subclass is the one of the code.
    assert.ok(error instanceof ERROR_CLASSES.get(error.code), `${error.code} is a ${error.constructor.name}`)
    return { error: error.code }
  }
}

describe('signature vectors: verify', () => {
  const cases = SIGNATURES.filter((c) => c.op === 'verify')
  test('there are verify cases', () => assert.ok(cases.length > 300))
  for (const c of cases) {
    test(c.name, () => {
      const body = bodyOf(c)
      const got = outcome(() => {
        const verifier = new Verifier(c.secrets, { scheme: c.scheme, tolerance: c.tolerance, maxBody: c.max_body })
        const message = verifier.verify(body, c.headers, { now: c.now })
        assert.ok(Buffer.from(message.body).equals(body))
        return {
          ok: true,
          id: message.id,
          timestamp: message.timestamp,
          timestamp_signed: message.timestampSigned,
          event_type: message.eventType,
          secret_index: message.secretIndex,
        }
      })
      assert.deepEqual(got, c.expect)
      // The same headers as a plain object (Node's shape) and as a fetch Headers give the same
      // answer when no header name repeats.
      const names = c.headers.map(([n]) => n.toLowerCase())
      if (new Set(names).size === names.length) {
        const verifier = () =>
          new Verifier(c.secrets, { scheme: c.scheme, tolerance: c.tolerance, maxBody: c.max_body })
        const asObject = outcome(() => verifier().verify(body, Object.fromEntries(c.headers), { now: c.now }) && { ok: true })
        const asHeaders = outcome(() => verifier().verify(body, new Headers(c.headers), { now: c.now }) && { ok: true })
        const want = c.expect.ok ? { ok: true } : c.expect
        assert.deepEqual(asObject, want, 'plain object')
        assert.deepEqual(asHeaders, want, 'fetch Headers')
      }
    })
  }
})

describe('signature vectors: sign', () => {
  for (const c of SIGNATURES.filter((c) => c.op === 'sign')) {
    test(c.name, () => {
      const got = outcome(() => {
        const headers = new Signer(c.secrets, { scheme: c.scheme }).sign(bodyOf(c), {
          id: c.id,
          timestamp: c.timestamp,
          eventType: c.event_type ?? undefined,
        })
        return { headers: Object.entries(headers).sort() }
      })
      const want = c.expect.headers
        ? { headers: c.expect.headers.map(([k, v]) => [k.toLowerCase(), v]).sort() }
        : c.expect
      assert.deepEqual(got, want)
    })
  }
})

function pointer(document, path) {
  for (let part of path.replace(/^\//, '').split('/')) {
    part = part.replaceAll('~1', '/').replaceAll('~0', '~')
    document = Array.isArray(document) ? document[Number(part)] : document[part]
  }
  return document
}

describe('event vectors', () => {
  test('there are event cases', () => assert.ok(EVENTS.length > 50))
  for (const c of EVENTS) {
    test(c.name, () => {
      const result = outcome(() =>
        parseEvent(Buffer.from(c.body), { dialect: c.dialect, typeHint: c.type_hint ?? undefined, strict: c.strict }),
      )
      if (c.expect.error) {
        assert.deepEqual(result, c.expect)
        return
      }
      assert.ok(result instanceof Event, JSON.stringify(result))
      assert.deepEqual([result.type, result.family, result.id], [c.expect.type, c.expect.family, c.expect.id])
      const native = JSON.parse(result.toJson())
      for (const [path, value] of Object.entries(c.expect.fields)) {
        assert.deepEqual(pointer(native, path), value, path)
      }
      if (c.expect.round_trip) {
        assert.deepEqual(JSON.parse(result.encode(c.dialect)), JSON.parse(c.body))
      }
    })
  }
})
