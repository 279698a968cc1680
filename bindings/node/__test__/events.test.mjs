// Events: typed data, the catalog, dialects, subscriptions.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'

import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { Session } from 'node:inspector'
import { createRequire } from 'node:module'
import { inspect } from 'node:util'

import { parseEvent, sampleEvent, eventTypes, Event, Subscription, Endpoint, DIALECTS, InvalidArgument, InvalidPayload, UnknownEventType, Signer, Verifier } from '../index.mjs'

// The addon's own parseEvent (an instance of its Event class), beside which the package's
// parseEvent (lib/event.js: a JS object over one addon call) must answer alike.
const addon = createRequire(import.meta.url)('../native.js')

/** Every member of Event (getters, and methods with the arguments of `calls`) on `event`: its
 * answer, or the code or message of what it threw. */
function members(event) {
  const calls = { encode: DIALECTS.map((dialect) => [dialect]) }
  const answers = {}
  for (const name of Object.getOwnPropertyNames(Event.prototype)) {
    if (name === 'constructor') continue
    const member = Object.getOwnPropertyDescriptor(Event.prototype, name)
    for (const args of member.get ? [null] : calls[name] ?? [[]]) {
      const key = args === null ? name : `${name}(${args.join(', ')})`
      try {
        const value = args === null ? event[name] : event[name](...args)
        answers[key] = Buffer.isBuffer(value) ? `bytes ${value.toString('base64')}` : value
      } catch (error) {
        answers[key] = `threw ${error.code ?? error.message}`
      }
    }
  }
  return answers
}

/** What `f()` gives: every member of the event it returns, or what it threw (class, code,
 * message). */
function outcome(f) {
  try {
    return { event: members(f()) }
  } catch (error) {
    return { threw: error.constructor.name, code: error.code, message: error.message }
  }
}

/** What `f()` gives: its answer, or what it threw (class, code, message). */
function settled(f) {
  try {
    return { answer: f() }
  } catch (error) {
    return { threw: error.constructor.name, code: error.code, message: error.message }
  }
}

/** Every typed array `value` holds in a property of its own (keyed by string or symbol) or a
 * private field, as `[where, length, byteLength of its ArrayBuffer]`. Private fields are seen
 * through the inspector protocol (the view a debugger or a heap snapshot has). */
function heldBytes(value) {
  const session = new Session()
  session.connect()
  const post = (method, params) => {
    let answer
    let failure
    session.post(method, params, (error, result) => {
      failure = error
      answer = result
    })
    if (failure) throw failure
    return answer
  }
  try {
    globalThis.__heldBytes = value
    const { result } = post('Runtime.evaluate', { expression: 'globalThis.__heldBytes' })
    const { result: own, privateProperties = [] } = post('Runtime.getProperties', { objectId: result.objectId, ownProperties: true })
    return [...own, ...privateProperties]
      .filter((property) => property.value?.subtype === 'typedarray')
      .map((property) => [
        property.name,
        ...post('Runtime.callFunctionOn', { objectId: property.value.objectId, functionDeclaration: 'function () { return [this.length, this.buffer.byteLength] }', returnByValue: true }).result.value,
      ])
  } finally {
    delete globalThis.__heldBytes
    session.disconnect()
  }
}

/** parseEvent cases, each with the body and options it is given. */
const PARSE_CASES = [
  ['the native envelope', sampleEvent('order.created').toJson(), undefined],
  ['an actor and envelope keys of its own', '{"id":"evt_2","type":"user.created","timestamp":1754647200,"actor":{"id":"usr_9","type":"user"},"trace":"t-1","data":{"user_id":7,"email":"a@b.c"}}', undefined],
  ['a type outside the catalog, array data', '{"type":"widget.exploded","data":[1,"two",null,1.50]}', undefined],
  ['a dialect with a type hint', Buffer.from('{"device_id":"dev_1","probes":[{"probe_id":1,"temperature":71.5,"unit":"F"}]}'), { dialect: 'device-service', typeHint: 'device.temperature' }],
  ['strict, in the catalog', '{"type":"job.started","data":{"id":123,"status":"running"}}', { strict: true }],
  // The addon answers the parts as one string separated by U+0001 (an array where a part holds one).
  ['an id, no timestamp', '{"id":"evt_3","type":"job.started","data":{}}', undefined],
  ['a timestamp, no id', '{"type":"job.started","timestamp":"2025-08-08T10:00:00+02:00","data":{"id":5}}', undefined],
  ['an empty id', '{"id":"","type":"user.login","timestamp":1754647200,"data":{"user_id":1}}', undefined],
  ["U+0001 in the id and the data", '{"id":"a\\u0001b","type":"widget.noted","timestamp":1754647200,"data":{"note":"c\\u0001d"}}', undefined],
  ['U+0001 in the data only', '{"id":"evt_4","type":"widget.noted","data":{"note":"\\u0001","\\u0001":1}}', undefined],
]

describe('parseEvent', () => {
  test('the native envelope: typed order data', () => {
    const ev = parseEvent('{"id":"evt_1","type":"order.created","timestamp":"2025-08-08T10:00:00Z","data":{"order_id":"ord_1","total_amount":45.99,"items":[{"id":1,"quantity":2,"price":9.50}],"extra":true}}')
    assert.ok(ev instanceof Event)
    assert.equal(ev.type, 'order.created')
    assert.equal(ev.family, 'order')
    assert.equal(ev.id, 'evt_1')
    assert.equal(ev.timestamp, '2025-08-08T10:00:00Z')
    assert.equal(ev.data.total_amount, 45.99)
    assert.equal(ev.data.items[0].price, 9.5)
    assert.match(ev.dataJson(), /"price":9\.50/, 'the exact digits')
    assert.equal(ev.data.extra, true, 'unknown fields are kept')
    assert.match(ev.dataJson(), /"total_amount":45\.99/)
    assert.deepEqual(JSON.parse(JSON.stringify(ev)), JSON.parse(ev.toJson()))
  })
  test('exact decimals in dataJson', () => {
    const ev = parseEvent('{"type":"order.created","data":{"total_amount":12345678901234567890.123456789}}')
    assert.match(ev.dataJson(), /12345678901234567890\.123456789/)
  })
  test('integers beyond 2^53 keep their digits in dataJson/toJson; data is JSON.parse of it', () => {
    const ev = parseEvent('{"type":"order.created","data":{"id":9007199254740993}}')
    assert.match(ev.dataJson(), /9007199254740993/)
    assert.match(ev.toJson().toString(), /9007199254740993/)
    assert.deepEqual(ev.data, JSON.parse(ev.dataJson()))
    assert.equal(typeof JSON.stringify(ev), 'string')
  })
  test('data is built on the first read and kept: the same object on every read, not a key of the event', () => {
    for (const body of ['{"type":"order.created","data":{"total_amount":45.99,"items":[{"id":1,"price":9.50}]}}', '{"type":"widget.exploded","data":[1,"two",null]}']) {
      const ev = parseEvent(body)
      const keys = Object.keys(ev)
      const text = JSON.stringify(ev)
      const first = ev.data
      assert.deepEqual(first, JSON.parse(ev.dataJson()))
      assert.equal(ev.data, first, 'the same object, not a new parse')
      assert.deepEqual(Object.keys(ev), keys, 'the kept data is no enumerable key')
      assert.equal(JSON.stringify(ev), text)
      assert.notEqual(parseEvent(body).data, first, 'each event has its own')
    }
  })
  test('types outside the catalog parse as other, nothing lost', () => {
    const ev = parseEvent('{"type":"widget.exploded","data":{"pieces":7}}')
    assert.equal(ev.family, 'other')
    assert.deepEqual(ev.data, { pieces: 7 })
  })
  test('strict refuses types outside the catalog', () => {
    assert.throws(() => parseEvent('{"type":"widget.exploded","data":{}}', { strict: true }), UnknownEventType)
  })
  test('a dialect with a type hint (Device Service routes)', () => {
    const body = '{"device_id":"dev_1","probes":[{"probe_id":1,"temperature":71.5,"unit":"F"}]}'
    const ev = parseEvent(Buffer.from(body), { dialect: 'device-service', typeHint: 'device.temperature' })
    assert.equal(ev.type, 'device.temperature')
    assert.equal(ev.family, 'device')
    assert.equal(ev.data.probes[0].unit, 'F')
  })
  test('encode into every dialect and back keeps the type', () => {
    const ev = sampleEvent('order.created')
    for (const dialect of DIALECTS.filter((d) => d !== 'device-service')) {
      const again = parseEvent(ev.encode(dialect), { dialect, typeHint: 'order.created' })
      assert.equal(again.type, 'order.created', dialect)
      assert.equal(again.data.total_amount, ev.data.total_amount, dialect)
    }
  })
  test('a decimal written as text is invalid_payload (decimals are JSON numbers)', () => {
    assert.throws(() => parseEvent('{"type":"order.created","data":{"total_amount":"9.50"}}'), (e) => e.code === 'invalid_payload')
  })
  test('bodies: parsed objects are refused', () => {
    assert.throws(() => parseEvent({ type: 'order.created' }), InvalidArgument)
  })
  // parseEvent's event is made in JS (lib/event.js); each member of Event, read or called,
  // answers as on the addon's own instance of the same parse (a member added to the addon's
  // Event is covered too: the members are listed from its prototype).
  test("an event of parseEvent answers every member of Event as the addon's own instance does", () => {
    for (const [what, body, options] of PARSE_CASES) {
      const ev = parseEvent(body, options)
      assert.ok(ev instanceof Event, what)
      assert.deepEqual(members(ev), members(addon.parseEvent(body, options)), what)
      assert.deepEqual(Object.keys(ev), [], what)
      assert.equal(inspect(ev), inspect(addon.parseEvent(body, options)), what)
      assert.equal(JSON.stringify(ev), JSON.stringify(addon.parseEvent(body, options)), what)
      for (const matcher of [new Subscription({ patterns: ['*'] }), new Endpoint('https://example.com/hook', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')]) {
        assert.equal(matcher.matches(ev), true, what)
      }
    }
  })
  // What the event was parsed from is copied: the members made by parsing again later (toJson,
  // encode, matches) see the bytes and options given at the call.
  test('an event of parseEvent is unchanged when the caller reuses its Buffer or options object', () => {
    const text = '{"id":"evt_3","type":"order.created","data":{"order_id":"ord_1","total_amount":45.99}}'
    const body = Buffer.from(text)
    const options = { dialect: 'hookwire' }
    const ev = parseEvent(body, options)
    body.fill(0x20)
    options.dialect = 'device-service'
    options.typeHint = 'device.temperature'
    assert.deepEqual(members(ev), members(addon.parseEvent(text)))
    assert.equal(new Subscription({ patterns: ['order.*'], filters: { order_id: 'ord_1' } }).matches(ev), true)
  })

  // Nothing of what the event keeps (its parts, body, options, the addon's instance, the parsed
  // data) is a property: a spread or Object.assign copies nothing, no symbol lists it, a log
  // line of the event shows no body; the addon's own instances alike once `.data` is read.
  test('an event keeps nothing a spread, Object.assign or a symbol listing can see', () => {
    for (const [what, body, options] of PARSE_CASES) {
      const ev = parseEvent(body, options)
      const own = addon.parseEvent(body, options)
      for (const event of [ev, own]) {
        members(event)
        JSON.stringify(event)
        new Subscription({ patterns: ['*'] }).matches(event)
        assert.deepEqual(Reflect.ownKeys(event), [], what)
        assert.deepEqual(Object.getOwnPropertySymbols(event), [], what)
        assert.deepEqual({ ...event }, {}, what)
        assert.deepEqual(Object.assign({}, event), {}, what)
      }
      const listed = (event) => {
        const keys = []
        for (const key in event) keys.push(key)
        return keys
      }
      assert.deepEqual(listed(ev), listed(own), what)
      assert.equal(inspect(ev), inspect(own), what)
      assert.equal(inspect(ev, { showHidden: true }), inspect(own, { showHidden: true }), what)
    }
  })
  // Object.freeze(event) leaves every member working: the addon's instance a member needs is
  // made and kept where a frozen object still takes it, and so is the parsed data.
  test('a frozen event answers every member, toJSON and matches as an unfrozen one does', () => {
    for (const [what, body, options] of PARSE_CASES) {
      for (const [maker, parse] of [['package', parseEvent], ['addon', addon.parseEvent]]) {
        const ev = Object.freeze(parse(body, options))
        const label = `${what} (${maker})`
        assert.deepEqual(members(ev), members(addon.parseEvent(body, options)), label)
        assert.equal(JSON.stringify(ev), JSON.stringify(addon.parseEvent(body, options)), label)
        assert.equal(new Subscription({ patterns: ['*'] }).matches(ev), true, label)
        assert.equal(new Endpoint('https://example.com/hook', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw').matches(ev), true, label)
        assert.ok(Object.isFrozen(ev), label)
      }
    }
  })
  // The options are read once, by the package, and the addon gets that copy: a getter or a
  // Proxy that answers differently later changes nothing, and the members made later (by a
  // second parse) see the first answers.
  test('parseEvent reads each option once', () => {
    const reads = []
    const answers = { dialect: ['hookwire', 'device-service'], typeHint: [undefined, 'device.temperature'], strict: [false, true] }
    const options = {}
    for (const [key, [first, later]] of Object.entries(answers)) {
      Object.defineProperty(options, key, {
        enumerable: true,
        get() {
          reads.push(key)
          return reads.filter((read) => read === key).length === 1 ? first : later
        },
      })
    }
    const body = '{"id":"evt_4","type":"widget.exploded","data":{"pieces":7}}'
    const ev = parseEvent(body, options)
    assert.deepEqual(reads, ['dialect', 'typeHint', 'strict'])
    assert.deepEqual(members(ev), members(addon.parseEvent(body)))
    assert.equal(new Subscription({ patterns: ['*'] }).matches(ev), true)
    assert.deepEqual(reads, ['dialect', 'typeHint', 'strict'], 'not read again by the members made later')
  })
  // Reading the options once keeps the addon's checks: what is refused, with which error, and
  // what is accepted (inherited, non-enumerable and symbol keys as the addon sees them).
  test('parseEvent refuses and accepts options as the addon does', () => {
    const body = '{"id":"evt_5","type":"order.created","data":{"order_id":"ord_1"}}'
    class ProtoOptions {
      get dialect() {
        return 'hookwire'
      }
      get strict() {
        return true
      }
    }
    const cases = [
      ['no options', undefined],
      ['null', null],
      ['an unknown key', { foo: 1 }],
      ['a known and an unknown key', { dialect: 'hookwire', foo: 1 }],
      ['an unknown key before a known one', { foo: 1, dialect: 'hookwire' }],
      ['an unknown key whose getter throws', { get foo() { throw new Error('read foo') } }],
      ['an inherited enumerable unknown key', Object.create({ foo: 1 })],
      ['an inherited enumerable known key', Object.create({ strict: true })],
      ['getters on a class prototype (not enumerable)', new ProtoOptions()],
      ['a non-enumerable unknown key', Object.defineProperty({}, 'foo', { value: 1 })],
      ['a symbol key', { [Symbol('foo')]: 1 }],
      ['a Proxy', new Proxy({ dialect: 'hookwire' }, {})],
      ['a Proxy of an array', new Proxy([], {})],
      ['an array', []],
      ['a string', 'hookwire'],
      ['a number', 5],
      ['a function', () => {}],
      ['a dialect that is a number', { dialect: 5 }],
      ['an unknown dialect', { dialect: 'nope' }],
      ['strict that is text', { strict: 'yes' }],
      ['a type hint that is a number', { typeHint: 7 }],
      ['a getter that throws', { get dialect() { throw new Error('read dialect') } }],
    ]
    for (const [what, options] of cases) {
      for (const [bodyWhat, input] of [['a good body', body], ['a parsed object', { type: 'order.created' }]]) {
        assert.deepEqual(outcome(() => parseEvent(input, options)), outcome(() => addon.parseEvent(input, options)), `${what}, ${bodyWhat}`)
      }
    }
  })
  // A small Buffer (Buffer.from) is a view of Node's shared 8 KB pool, and a Uint8Array may be a
  // view of a larger buffer: no typed array the event keeps holds more than its own bytes (a view
  // would keep the whole buffer alive), and the copy it keeps gives back the exact bytes.
  test("the bytes an event of parseEvent keeps are its own, not a view of a larger buffer", () => {
    const text = '{"id":"evt_6","type":"order.created","data":{"order_id":"ord_é😀","note":"\\u00e9\\n","total_amount":1.10}}'
    const large = new Uint8Array(65536)
    large.set(Buffer.from(text), 100)
    for (const [what, body] of [['Buffer.from of a string', Buffer.from(text)], ['a view into 64 KB', large.subarray(100, 100 + Buffer.byteLength(text))]]) {
      const ev = parseEvent(body)
      for (const [where, length, byteLength] of heldBytes(ev)) {
        assert.equal(byteLength, length, `${what}: ${where} holds ${byteLength} bytes for ${length}`)
      }
      body.fill(0x20)
      assert.deepEqual(members(ev), members(addon.parseEvent(text)), what)
    }
  })

  test('the plain parts function answers as parseEventParts for byte bodies, and -1 for any other', () => {
    const direct = addon.partsFunction()
    const bodies = [
      sampleEvent('order.created').toJson().toString(),
      '{"id":"evt_1","type":"order.created","timestamp":"2025-08-08T10:00:00Z","data":{"note":"é😀 \\u0001","total_amount":1.10}}',
      '{"id":"a\\u0001b","type":"user.login","data":{}}',
      '{"type":"custom.thing","timestamp":1754647200,"data":[1,{"k":null}]}',
      '{"id":"","type":"order.created","data":{}}',
      '{"type":"order.created","data":{"total_amount":"lots"}}',
      '{"type":"order.created","type":"order.updated","data":{}}',
      '{"data":{}}',
      '[]',
      'not json',
      '',
      '{"type":"order.created","data":{"id":99999999999999999999999}}',
    ]
    for (const text of bodies) {
      const bytes = Buffer.from(text)
      const large = new Uint8Array(bytes.length + 64)
      large.set(bytes, 32)
      const expected = settled(() => addon.parseEventParts(bytes, undefined))
      assert.deepEqual(settled(() => direct(bytes)), expected, text)
      assert.deepEqual(settled(() => direct(large.subarray(32, 32 + bytes.length))), expected, `${text} (a view)`)
      assert.deepEqual(settled(() => direct(new Uint8Array(bytes))), expected, `${text} (a Uint8Array)`)
    }
    // Bytes held otherwise: shared memory, a detached buffer (empty), a Uint8Array subclass.
    const text = sampleEvent('order.created').toJson().toString()
    const shared = new Uint8Array(new SharedArrayBuffer(Buffer.byteLength(text)))
    shared.set(Buffer.from(text))
    const detached = new Uint8Array(Buffer.from(text))
    structuredClone(detached.buffer, { transfer: [detached.buffer] })
    class Bytes extends Uint8Array {}
    for (const held of [shared, detached, Bytes.from(Buffer.from(text))]) {
      assert.deepEqual(settled(() => direct(held)), settled(() => addon.parseEventParts(held, undefined)), inspect(held))
    }
    // Anything but a Uint8Array is not taken, the nearest kinds of typed array too.
    const bytes = Buffer.from(text)
    const others = [
      text, new DataView(bytes.buffer), new Int16Array(4), Uint8ClampedArray.from(bytes), Int8Array.from(bytes),
      bytes.buffer, null, undefined, {}, 7,
    ]
    for (const other of others) assert.equal(direct(other), -1, inspect(other))
    // parseEvent goes by it for bytes, by parseEventParts for a string: alike.
    for (const body of bodies.slice(0, 5)) {
      const taken = addon.partsDirectCalls()
      const fast = parseEvent(Buffer.from(body))
      assert.equal(addon.partsDirectCalls(), taken + 1, 'parseEvent of a Buffer goes by the parts function')
      // Its dataJson() (a data built from the tape) asks the parts function again.
      const answers = members(fast)
      const asked = addon.partsDirectCalls()
      assert.deepEqual(answers, members(parseEvent(body)), body)
      assert.equal(addon.partsDirectCalls(), asked, 'a string body goes by parseEventParts')
      const written = addon.tapesWritten()
      const withOptions = parseEvent(Buffer.from(body), {})
      const onTape = addon.tapesWritten() - written
      assert.deepEqual(answers, members(withOptions), body)
      assert.equal(addon.partsDirectCalls(), asked + 1 + onTape, 'options read by parseEvent go by the parts function (and dataJson again when the data came on the tape)')
    }
  })

  test('the plain parts function takes the options as parseEventParts reads them, and -1 for the ones it does not', () => {
    const direct = addon.partsFunction()
    const bodies = [
      '{"id":"evt_1","type":"order.created","created":"2025-08-08T10:00:00Z","data":{"object":{"id":1001,"total_amount":45.99}}}',
      '{"type":"order.created","data":{"id":1001,"total_amount":45.99}}',
      '{"type":"made.up","data":{}}',
      '{"device_id":"d1","temperature":71.5}',
      'not json',
    ]
    // Every dialect, no dialect and an unknown one; a type hint or none; strict either way.
    const dialects = [undefined, ...DIALECTS, 'no-such-dialect', 'é']
    for (const text of bodies) {
      const bytes = Buffer.from(text)
      for (const dialect of dialects) {
        for (const typeHint of [undefined, 'order.created', 'device.temperature', 'x y']) {
          for (const strict of [undefined, false, true]) {
            const expected = settled(() => addon.parseEventParts(bytes, { dialect, typeHint, strict }))
            assert.deepEqual(settled(() => direct(bytes, undefined, dialect, typeHint, strict)), expected, `${text} ${dialect} ${typeHint} ${strict}`)
          }
        }
      }
    }
    // What parseEventParts alone reads (and refuses, or reads whole): not taken.
    const bytes = Buffer.from(bodies[1])
    // Past 63 and 255 bytes, and a value Node-API would cut short before a character that
    // does not fit (a cut `hookwire` + spaces would be read as `hookwire`).
    const cut = 'hookwire' + ' '.repeat(54) + 'é'
    for (const args of [[null], [5], [{}], ['x'.repeat(64)], ['x'.repeat(62) + 'é'], [cut], [undefined, null], [undefined, 7],
      [undefined, 'x'.repeat(256)], [undefined, 'x'.repeat(254) + 'é'], [undefined, 'x'.repeat(253) + '😀'],
      [undefined, undefined, 'yes'], [undefined, undefined, 1], [undefined, undefined, null]]) {
      assert.equal(direct(bytes, undefined, ...args), -1, inspect(args))
    }
    // At the limits, taken, and answered as parseEventParts.
    for (const args of [['x'.repeat(63)], ['hookwire', 'x'.repeat(255)], ['hookwire', 'x'.repeat(251) + '😀'], ['hookwire', 'é'.repeat(127)]]) {
      assert.deepEqual(settled(() => direct(bytes, undefined, ...args)), settled(() => addon.parseEventParts(bytes, { dialect: args[0], typeHint: args[1] })), inspect(args))
    }
    // parseEvent with each of those answers as the addon's own parseEvent.
    for (const options of [{ dialect: null }, { dialect: 5 }, { typeHint: 7 }, { strict: 'yes' }, { dialect: 'x'.repeat(64) }, { typeHint: 'x'.repeat(300) },
      { dialect: cut }, { dialect: 'device-service', typeHint: 'a'.repeat(254) + 'é' }, { dialect: 'device-service', typeHint: 'a'.repeat(254) + '\ud800' }]) {
      const ours = outcome(() => parseEvent(bytes, options))
      const addons = outcome(() => addon.parseEvent(bytes, options))
      assert.deepEqual(ours, addons, inspect(options))
    }
  })

  test("the bench's floor hook parses as parseEvent does: a time for a body it takes, its error for one it refuses", () => {
    const body = Buffer.from(sampleEvent('order.created').toJson())
    const ns = addon.benchParseEvent(body, 10)
    assert.ok(Number.isFinite(ns) && ns > 0, `${ns}`)
    for (const bad of ['{"type":"order.created","data":{"total_amount":"lots"}}', '{"data":{}}', 'not json']) {
      const expected = (() => { try { parseEvent(bad) } catch (error) { return error.code } })()
      assert.ok(expected, `parseEvent took ${bad}`)
      assert.throws(() => addon.benchParseEvent(Buffer.from(bad), 10), (error) => error.code === expected, bad)
    }
    assert.throws(() => addon.benchParseEvent(body, -1), (error) => error.code === 'invalid_argument')
  })
})

/** Whether `a` and `b` are the same JSON values as `JSON.parse` makes them: the same kind and
 * prototype, the same own keys in the same order (`__proto__` included), numbers by
 * `Object.is` (-0 is not 0); the first difference as a path, else null. */
function difference(a, b, path = 'data') {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) {
    return Object.is(a, b) ? null : `${path}: ${inspect(a)} vs ${inspect(b)}`
  }
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return `${path}: another prototype`
  const [keysA, keysB] = [Reflect.ownKeys(a), Reflect.ownKeys(b)]
  if (keysA.join('\u0000') !== keysB.join('\u0000')) return `${path}: keys ${inspect(keysA)} vs ${inspect(keysB)}`
  for (const key of keysA) {
    const [x, y] = [Object.getOwnPropertyDescriptor(a, key), Object.getOwnPropertyDescriptor(b, key)]
    if (x.writable !== y.writable || x.enumerable !== y.enumerable || x.configurable !== y.configurable) {
      return `${path}.${String(key)}: attributes`
    }
    const found = difference(x.value, y.value, `${path}.${String(key)}`)
    if (found !== null) return found
  }
  return null
}

/** Bodies the tape must write as JSON.parse reads the core's text: what it leaves to JSON.parse
 * (escapes, objects in extra fields), keys Object.prototype has, integer keys, repeats, kept
 * nulls, numbers at the edges, every kind of raw data, records in arrays, text that is not
 * ASCII (the answer then UTF-8). */
const TAPE_EDGES = [
  '{"type":"order.created","data":{"status":null,"id":1,"__proto__":{"x":1},"constructor":2,"toString":"s","hasOwnProperty":[1],"0":"zero","12":1,"a":1,"a":2,"b":null,"a":3}}',
  '{"type":"order.created","data":{"total_amount":-0,"id":-0,"customer_id":18446744073709551616,"chef_id":-9223372036854775809,"restaurant_id":9007199254740993,"order_number":"tab\\there \\"q\\" \\/","status":"","items":[{"price":0.1},{"price":1e400,"modifiers":[{"a":[1,2]},"x",null,true,false,-1.5e-7,"\\u0041"]},{}],"created_at":1754647200,"preparation_time":-12}}',
  '{"type":"order.created","data":{"items":[],"updated_fields":["a","b"],"total_amount":12345678901234567890.123456789,"x":{"y":{"z":[[],{}]}}}}',
  '{"type":"order.created","data":{"updated_fields":["b\\u00e9"]}}',
  '{"type":"order.created","data":{"status":"é"}}',
  '{"type":"order.created","data":{"id":1,"é":1}}',
  '{"id":"évt","type":"order.created","data":{"id":1}}',
  '{"id":"e😀","type":"order.created","note":"é","data":{"order_number":"😀é","status":"ok","ключ":"значение","z":"\\u00e9"}}',
  '{"type":"order.created","note":"é","data":{"id":1}}',
  '{"type":"order.created","data":{"order_number":"\\u0001\\u001f"}}',
  '{"type":"order.created","data":{"note":"x","id":5,"status":"late after an extra"}}',
  // A kept null of a typed field after an extra member: an extra itself on the tape.
  '{"type":"order.created","data":{"note":"x","status":null,"id":null}}',
  '{"type":"order.created","data":{"id":null,"order_id":null,"items":null}}',
  '{"type":"order.created","data":{}}',
  '{"type":"widget.x","data":"text"}',
  '{"type":"widget.x","data":"t\\"ext"}',
  '{"type":"widget.x","data":12.5}',
  '{"type":"widget.x","data":null}',
  '{"type":"widget.x","data":true}',
  '{"type":"widget.x","data":[]}',
  '{"type":"widget.x","data":{"__proto__":1,"a":[{"__proto__":{}}]}}',
  '{"type":"widget.x","data": { "spaced" : [ 1 , 2 ] } }',
  '{"type":"device.temperature","data":{"probes":[{"unit":"C","temperature":21.5,"timestamp":"2025-08-08T10:00:00.123456+05:30"},{"probe_id":"p-2","unit":"F","extra":{}}],"is_online":true,"battery_level":0.0,"last_seen":0}}',
  '{"type":"job.completed","data":{"type":"backup","target_summary":{"n":1},"result_summary":[1],"requested_at":"2025-08-08T10:00:00Z"}}',
  '{"type":"user.login","actor":{"id":1,"username":"u","role":"admin"},"data":{"user_id":"u_1","email":"a@b.c","created_at":"2025-08-08T10:00:00-00:00"}}',
  // More numbers than the tape holds: the data goes as JSON text.
  `{"type":"order.created","data":{"items":[${Array.from({ length: 1500 }, (_, i) => `{"id":${i},"price":${i}.5}`).join(',')}]}}`,
]

describe('the tape (.data built without JSON text)', () => {
  /** Every body the repository holds: the fuzz seeds of `event_parse`, the dialect fixtures,
   * the shared vectors' bodies, and the edges above. */
  function corpus() {
    const root = new URL('../../../', import.meta.url)
    const bodies = []
    for (const dir of ['fuzz/seeds/event_parse/', 'tests/fixtures/dialects/']) {
      for (const name of readdirSync(new URL(dir, root))) bodies.push(readFileSync(new URL(dir + name, root)))
    }
    for (const vector of JSON.parse(readFileSync(new URL('tests/vectors/events.json', root), 'utf8')).cases) {
      bodies.push(Buffer.from(typeof vector.body === 'string' ? vector.body : JSON.stringify(vector.body)))
    }
    for (const text of TAPE_EDGES) bodies.push(Buffer.from(text))
    assert.ok(bodies.length > 2000, `the seeds are missing: ${bodies.length} bodies`)
    return bodies
  }

  test('data is JSON.parse of dataJson(), member by member and in order, for every body the repository holds in every dialect', () => {
    let [events, taped] = [0, 0]
    for (const body of corpus()) {
      for (const options of [undefined, ...DIALECTS.map((dialect) => ({ dialect })), { dialect: 'device-service', typeHint: 'device.temperature' }]) {
        let event
        const written = addon.tapesWritten()
        try {
          event = parseEvent(body, options)
        } catch (error) {
          // Refused as the addon refuses it (a tape the reader cannot read would throw here).
          assert.throws(() => addon.parseEvent(body, options), (theirs) => theirs.code === error.code && theirs.message === error.message,
            `${inspect(options)} ${body.toString().slice(0, 300)}: ${error.message}`)
          continue
        }
        events += 1
        taped += addon.tapesWritten() - written
        const found = difference(event.data, JSON.parse(event.dataJson()))
        assert.equal(found, null, `${inspect(options)} ${body.toString().slice(0, 300)}`)
        // The JSON text asked for later is the addon's own.
        assert.equal(event.dataJson(), addon.parseEvent(body, options).dataJson())
      }
    }
    // Most events go by the tape; some (more numbers than the tape holds) by JSON text.
    assert.ok(events > 1000 && taped > events * 0.9 && taped < events, `${taped} of ${events} events on the tape`)
  })

  test("what the tape takes: text that is not ASCII (the answer then UTF-8), the body's bytes; not more numbers than it holds", () => {
    for (const text of TAPE_EDGES) {
      const written = addon.tapesWritten()
      const event = parseEvent(Buffer.from(text))
      assert.equal(addon.tapesWritten() - written, text === TAPE_EDGES.at(-1) ? 0 : 1, text.slice(0, 100))
      assert.equal(difference(event.data, JSON.parse(event.dataJson())), null, text.slice(0, 100))
      // The bytes the event keeps (in the answer when it is ASCII, else a copy of its own)
      // serve its other members, as the addon's own instance answers them.
      assert.deepEqual(members(event), members(addon.parseEvent(Buffer.from(text))), text.slice(0, 100))
    }
    // A key Object.prototype has is the data's own, as JSON.parse makes it.
    const data = parseEvent(Buffer.from(TAPE_EDGES[0])).data
    assert.equal(Object.getPrototypeOf(data), Object.prototype)
    assert.deepEqual(Object.getOwnPropertyDescriptor(data, '__proto__').value, { x: 1 })
    assert.equal(data.toString, 's')
    assert.equal(data.a, 3)
  })

  test('keys Object.prototype has are defined, not assigned: the data is built where the prototypes are frozen', () => {
    const index = new URL('../index.js', import.meta.url).pathname
    const script = `
      const { parseEvent } = require(${JSON.stringify(index)})
      const data = parseEvent(Buffer.from(${JSON.stringify(TAPE_EDGES[0])})).data
      process.stdout.write(JSON.stringify([Object.isFrozen(Object.prototype), data.constructor, data.toString, Object.keys(data)]))`
    const out = execFileSync(process.execPath, ['--frozen-intrinsics', '--no-warnings', '-e', script], { encoding: 'utf8' })
    assert.deepEqual(JSON.parse(out), [true, 2, 's', ['0', '12', 'id', 'status', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'a', 'b']])
  })
})

describe('the tape where JS runs while the data is built', () => {
  const body = Buffer.from(TAPE_EDGES[1])
  const other = Buffer.from('{"id":"e2","type":"device.temperature","data":{"device_id":"d","probes":[{"unit":"C","temperature":1}]}}')

  test('a setter or a read-only value put on Object.prototype later, named like a typed field, catches no member', () => {
    const expected = JSON.parse(parseEvent(body).dataJson())
    let calls = 0
    Object.defineProperty(Object.prototype, 'status', { configurable: true, get() { return 'inherited' }, set() { calls += 1 } })
    Object.defineProperty(Object.prototype, 'order_number', { configurable: true, writable: false, value: 'inherited' })
    try {
      const data = parseEvent(body).data
      assert.equal(calls, 0)
      assert.equal(difference(data, expected), null)
    } finally {
      delete Object.prototype.status
      delete Object.prototype.order_number
    }
  })

  test('built-ins replaced after the package loaded are not called while parseEvent makes an event: no JS can call it meanwhile, nor change the data', () => {
    const replaced = [
      [Array.prototype, 'push'], [String.prototype, 'slice'], [String.prototype, 'indexOf'],
      [String.prototype, 'charCodeAt'], [JSON, 'parse'], [Object, 'defineProperty'], [Function.prototype, 'call'],
    ]
    for (const text of [body.toString(), TAPE_EDGES[0], TAPE_EDGES[1], TAPE_EDGES[2]]) {
      const bytes = Buffer.from(text)
      const expected = JSON.parse(addon.parseEvent(bytes).dataJson())
      const originals = replaced.map(([owner, name]) => owner[name])
      let calls = 0
      let event
      replaced.forEach(([owner, name], i) => {
        // Each replacement, if called, parses another body (reusing the tape) and then does
        // what the original did.
        owner[name] = function (...args) {
          calls += 1
          const original = originals[i]
          replaced.forEach(([o, n], j) => { o[n] = originals[j] })
          parseEvent(other)
          return Reflect.apply(original, this, args)
        }
      })
      try {
        event = parseEvent(bytes)
      } finally {
        replaced.forEach(([owner, name], i) => { owner[name] = originals[i] })
      }
      assert.equal(calls, 0, text.slice(0, 80))
      assert.equal(difference(event.data, expected), null, text.slice(0, 80))
      assert.deepEqual(members(event), members(addon.parseEvent(bytes)), text.slice(0, 80))
    }
  })

  test('a body over a SharedArrayBuffer is read from a copy, by the plain function and the #[napi] ones: another thread writing it cannot make the core read text that is not UTF-8', async () => {
    const { Worker } = await import('node:worker_threads')
    const text = '{"id":"e1","type":"order.created","data":{"id":1,"status":"p\u00e9\u00e9aid","x":"\u00e9\u00e9\u00e9"}}'
    const original = Buffer.from(JSON.stringify(JSON.parse(text)))
    const shared = new Uint8Array(new SharedArrayBuffer(original.length))
    shared.set(original)
    const stop = new Int32Array(new SharedArrayBuffer(4))
    // Flips each é (C3 A9) to "A" and a byte that is not UTF-8 (41 FF) and back, without end.
    const worker = new Worker(`
      const { workerData: { shared, stop, original } } = require('node:worker_threads')
      for (let round = 0; Atomics.load(stop, 0) === 0; round++) {
        for (let i = 0; i < shared.length; i++) shared[i] = round & 1 ? original[i] : original[i] === 0xc3 ? 0x41 : original[i] === 0xa9 ? 0xff : original[i]
      }`, { eval: true, workerData: { shared, stop, original } })
    try {
      const until = Date.now() + 500
      while (Date.now() < until) {
        let event
        try {
          event = parseEvent(shared)
        } catch (error) {
          assert.equal(error.code, 'invalid_payload')
          continue
        }
        // What the event keeps of the bytes may be read after the call (a body that is not
        // ASCII), when they have changed: only the data is checked.
        assert.equal(event.data.status, 'p\u00e9\u00e9aid')
        assert.equal(event.id, 'e1')
        // The #[napi] functions' bodies (`input::body`) as well.
        try {
          assert.equal(JSON.parse(addon.parseEvent(shared).dataJson()).status, 'p\u00e9\u00e9aid')
        } catch (error) {
          assert.equal(error.code, 'invalid_payload')
        }
      }
    } finally {
      Atomics.store(stop, 0, 1)
      await worker.terminate()
    }
  })
})

describe('catalog', () => {
  test('eventTypes lists the catalog with families and descriptions', () => {
    const types = eventTypes()
    assert.equal(types.length, 57)
    const order = types.find((t) => t.type === 'order.created')
    assert.deepEqual(order, { type: 'order.created', family: 'order', description: 'A new order was placed' })
    assert.deepEqual(types.map((t) => t.type), [...types.map((t) => t.type)].sort())
  })
  test('every catalog type has a sample of its family', () => {
    for (const { type, family } of eventTypes()) {
      const ev = sampleEvent(type)
      assert.equal(ev.type, type)
      assert.equal(ev.family, family)
      assert.equal(ev.id, `evt_test_${type.replaceAll('.', '_')}`)
    }
  })
})

describe('Subscription', () => {
  test('routing only: patterns, active flag, filters', () => {
    const sub = new Subscription({ patterns: ['order.*', 'user.created'] })
    assert.deepEqual(sub.patterns, ['order.*', 'user.created'])
    assert.equal(sub.active, true)
    assert.deepEqual(sub.filters, {})
    assert.equal('url' in sub, false, 'where to send is the Endpoint\'s')
    assert.ok(sub.matchesType('order.updated'))
    assert.ok(sub.matchesType('user.created'))
    assert.ok(!sub.matchesType('user.deleted'))
    assert.ok(sub.matches(sampleEvent('order.created')))
    assert.ok(!sub.matches(sampleEvent('job.started')))
    const inactive = new Subscription({ active: false })
    assert.equal(inactive.active, false)
    assert.ok(!inactive.matches(sampleEvent('order.created')))
    assert.deepEqual(new Subscription().patterns, ['*'])
    const filtered = new Subscription({ patterns: ['order.*'], filters: { order_id: 'ord_1' } })
    assert.deepEqual(filtered.filters, { order_id: 'ord_1' })
    assert.ok(filtered.matches(parseEvent('{"type":"order.created","data":{"order_id":"ord_1"}}')))
    assert.ok(!filtered.matches(parseEvent('{"type":"order.created","data":{"order_id":"ord_2"}}')))
  })
  test('bad patterns and options are invalid_argument', () => {
    for (const bad of [{ patterns: [] }, { patterns: ['order..x'] }, { url: 'https://example.com/' }]) {
      assert.throws(() => new Subscription(bad), (e) => e.code === 'invalid_argument', JSON.stringify(bad))
    }
    assert.throws(() => new Subscription('https://example.com/'), (e) => e.code === 'invalid_argument')
  })
})

describe('message.event', () => {
  test('a key someone added to Object.prototype is no option of message.event or eventAs', () => {
    const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
    const body = '{"type":"order.created","data":{"id":1001,"total_amount":45.99}}'
    const message = new Verifier(SECRET).verify(body, new Signer(SECRET).sign(body))
    Object.prototype.polluted = 1 // eslint-disable-line no-extend-native
    try {
      assert.equal(message.event.data.total_amount, 45.99)
      assert.equal(message.eventAs('hookwire').type, 'order.created')
      assert.equal(message.event.toJson().length > 0, true) // the addon's second parse too
    } finally {
      delete Object.prototype.polluted
    }
  })

  const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
  const NATIVE = '{"type":"order.created","data":{"id":1001,"total_amount":45.99}}'
  const AURA = '{"id":"evt_1","type":"order.created","created":"2025-08-08T10:00:00Z","data":{"object":{"id":1001,"total_amount":45.99}}}'
  // [scheme, body, expected total_amount or the error class]
  const cases = [
    // The envelope of the scheme's senders: each system's own, native for the standard ones.
    ['auraconnect', AURA, 45.99],
    ['standard-webhooks', NATIVE, 45.99],
    ['hookwire', NATIVE, 45.99],
    // A body in another envelope, and providers that write their own JSON: a typed error.
    ['hookwire', AURA, InvalidPayload],
    ['github', '{"action":"opened"}', InvalidPayload],
    ['stripe', '{"id":"evt_1","type":"invoice.paid","data":{"object":{}}}', InvalidPayload],
  ]
  for (const [scheme, body, expected] of cases) {
    test(`${scheme}: ${body.slice(0, 40)}…`, () => {
      const headers = new Signer(SECRET, { scheme }).sign(body, { id: 'm5', timestamp: 1_700_000_000, eventType: 'order.created' })
      const message = new Verifier(SECRET, { scheme }).verify(body, headers, { now: 1_700_000_000 })
      if (typeof expected === 'number') {
        const ev = message.event
        assert.equal(ev.type, 'order.created')
        assert.equal(ev.family === 'order' && ev.data.total_amount, expected)
        // The core's `Scheme::parse_event` (the addon's sentEvent), member by member; and by
        // the plain parts function.
        const verifier = new Verifier(SECRET, { scheme })
        assert.deepEqual(members(ev), members(verifier.sentEvent(Buffer.from(body), message.eventType ?? undefined)))
        const taken = addon.partsDirectCalls()
        void message.event
        assert.equal(addon.partsDirectCalls(), taken + 1)
      } else {
        assert.throws(() => message.event, expected)
        const verifier = new Verifier(SECRET, { scheme })
        assert.deepEqual(outcome(() => message.event), outcome(() => verifier.sentEvent(Buffer.from(body), message.eventType ?? undefined)))
      }
      // eventAs: the addon's own parse in that dialect, member by member.
      for (const dialect of DIALECTS) {
        assert.deepEqual(outcome(() => message.eventAs(dialect)), outcome(() => addon.parseEvent(Buffer.from(body), { dialect, typeHint: message.eventType ?? undefined })), dialect)
      }
    })
  }
})
