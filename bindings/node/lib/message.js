'use strict'
// The receive hot path in JS: pick only the headers the scheme reads (JS reads JS objects far
// faster than napi calls can), hand them with the body to the addon in one call, and wrap its
// answer in a plain JS `Message` (`AsyncMessage` for `verifyAsync`, whose claim is awaited). The
// call is the verifier's own verify function (`directFunction()`: the body, `now`, which are
// given and the values as positional arguments, one number out) when the verifier has no store
// and every value is one ASCII string, `verifyParts` (one object in, one out) otherwise. Every
// check is the core's.

const { InvalidArgument, InvalidPayload } = require('./errors.js')
const { checkOptionsObject, checkNow } = require('../native.js')

const RAW_BODY =
  "pass the raw request body (a Buffer, Uint8Array or string, exactly as received), not a parsed object: " +
  "with Express mount express.raw({ type: '*/*' }) instead of express.json() on the webhook route"

function notText(name, value) {
  const got = value === null ? 'null' : Array.isArray(value) ? 'an array holding a non-string' : typeof value
  return new InvalidArgument(`invalid argument \`headers\`: the value of \`${name}\` must be a string, got ${got}`, 'invalid_argument')
}

// A header's value(s): a repeated header (Node's IncomingHttpHeaders array) stays several values,
// as in the core's header map; joining them with ", " would break space-separated signature lists.
function headerText(name, value) {
  if (typeof value === 'string') return value
  if (Array.isArray(value)) {
    if (value.some((v) => typeof v !== 'string')) throw notText(name, value)
    return value.length === 1 ? value[0] : value.slice()
  }
  if (typeof value === 'number') return String(value)
  throw notText(name, value)
}

/** Adds `text` (a string or a fresh array) to the values at `at`: in place, so that n repeats
 * of a header cost n steps, not n² (as re-concatenating the list on each one did). */
function add(values, at, text) {
  const had = values[at]
  if (had === null) values[at] = text
  else if (Array.isArray(had)) {
    if (Array.isArray(text)) for (const t of text) had.push(t)
    else had.push(text)
  } else values[at] = Array.isArray(text) ? [had, ...text] : [had, text]
}

/** Whether `name` is `wanted` (lower case, same length) with ASCII letters in any case. Header
 * names are ASCII: Unicode lowercasing would fold the Kelvin sign (U+212A) to `k` and take
 * `x-slac\u212a-signature` for `x-slack-signature`. */
function sameName(wanted, name) {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i)
    if (c !== wanted.charCodeAt(i) && !(c >= 65 && c <= 90 && c + 32 === wanted.charCodeAt(i))) return false
  }
  return true
}

/** Where `name` is in `keys` (lower case). */
function indexOfName(keys, name) {
  for (let i = 0; i < keys.length; i++) {
    const wanted = keys[i]
    if (wanted.length === name.length && (wanted === name || sameName(wanted, name))) return i
  }
  return -1
}

/** `name` as V8 keeps property names (internalized): comparing two such strings is comparing
 * two pointers, where a string made by the addon is compared character by character. */
function keyed(name) {
  const holder = Object.create(null)
  holder[name] = true
  return Object.keys(holder)[0]
}

/** Where `name` is in `keys` compared as V8 compares two property names (`keyed`): by
 * pointer, nearly always; -1 when it is not. */
function exactIndexOf(keys, name) {
  for (let i = 0; i < keys.length; i++) if (keys[i] === name) return i
  return -1
}

/** A fresh array of `count` nulls: an array literal (V8 copies a ready boilerplate inline, a
 * quarter of what `slice` of a ready array costs; schemes read one to eight headers). */
function nulls(count) {
  switch (count) {
    case 1: return [null]
    case 2: return [null, null]
    case 3: return [null, null, null]
    case 4: return [null, null, null, null]
    case 5: return [null, null, null, null, null]
    case 6: return [null, null, null, null, null, null]
    case 7: return [null, null, null, null, null, null, null]
    case 8: return [null, null, null, null, null, null, null, null]
    default: return new Array(count).fill(null)
  }
}

/** What `pick` needs to know of a scheme: how many values it reads (`count`), the names it
 * reads (`keys`: property names, `keyed`; no null among them, so that every comparison with a
 * request's key compares two strings, which V8 keeps fast where a call site sees many schemes)
 * and the value each goes to (`slots`), and, per name length, the first character its names of
 * that length have (`| 0x20`: ASCII letters in either case alike; `MIXED` where they differ, 0
 * where no name is that long). Most of a request's header names are skipped on those two
 * alone (`content-type` is as long as `x-webhook-id`). A request's header named exactly so,
 * lower case as Node gives them, is found by comparing pointers; any other spelling is
 * compared ASCII-case-insensitively. */
function reader(names) {
  const firsts = new Uint16Array(256)
  const keys = []
  const slots = []
  names.forEach((name, slot) => {
    if (name === null) return
    keys.push(keyed(name))
    slots.push(slot)
    if (name.length === 0 || name.length >= 256) return
    const first = name.charCodeAt(0) | 0x20
    const had = firsts[name.length]
    firsts[name.length] = had === 0 || had === first ? first : MIXED
  })
  return { count: names.length, keys, slots, firsts }
}

/** In `firsts`: names of this length begin with different characters. */
const MIXED = 0xffff

/** Whether `key` may be one of the names `firsts` describes (`reader`): never false for one. */
function mayBe(firsts, key) {
  const first = firsts[key.length] // undefined past 255
  return first > 0 && (first === MIXED || (key.charCodeAt(0) | 0x20) === first)
}

/** `Object.prototype.hasOwnProperty`, taken once: called on a `for...in` object and its key,
 * V8 answers it from the object's shape without a look-up (`Object.hasOwn` is a real call:
 * three of them were a third of `pick`). */
const hasOwnProperty = Object.prototype.hasOwnProperty

const BAD_HEADERS =
  'invalid argument `headers`: must be an object, a Map, a fetch Headers or a list of [name, value] pairs'

/** The values of the headers `read` names (`reader`) in `headers`, case-insensitively, in order:
 * a header given several times (or spelled several ways) gives several values. */
function pick(headers, read) {
  const { keys, slots, firsts } = read
  const values = nulls(read.count)
  if (headers === null || typeof headers !== 'object') throw new InvalidArgument(BAD_HEADERS, 'invalid_argument')
  if (Array.isArray(headers) || headers instanceof Map) {
    // [name, value] pairs (a Map's entries): a repeated header stays several values.
    for (const pair of Array.isArray(headers) ? headers : headers.entries()) {
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string') {
        throw new InvalidArgument('invalid argument `headers`: expected [name, value] pairs with string names', 'invalid_argument')
      }
      if (!mayBe(firsts, pair[0])) continue
      const at = indexOfName(keys, pair[0])
      if (at >= 0) add(values, slots[at], headerText(keys[at], pair[1]))
    }
    return values
  }
  if (typeof headers.get === 'function') {
    // fetch Headers: `get` is case-insensitive and joins repeated headers with ", " (RFC 9110),
    // which the core's signature-list parser reads like the separate values.
    for (let i = 0; i < keys.length; i++) {
      const value = headers.get(keys[i])
      if (value !== null && value !== undefined) values[slots[i]] = headerText(keys[i], value)
    }
    return values
  }
  // Every own key is looked at: a header spelled two ways (`X-Webhook-Id` and `x-webhook-id`)
  // is two values, which the core answers by its one rule for repeated headers.
  for (const key in headers) {
    if (!mayBe(firsts, key) || !hasOwnProperty.call(headers, key)) continue
    // Pointers first: `indexOfName` alone (which compares lengths and text) made `pick` twice
    // as slow for the lower-case names Node gives.
    let at = exactIndexOf(keys, key)
    if (at < 0) at = indexOfName(keys, key)
    if (at < 0) continue
    const value = headers[key]
    if (value !== undefined && value !== null) add(values, slots[at], headerText(key, value))
  }
  return values
}

function checkBody(body) {
  if (typeof body === 'string' || ArrayBuffer.isView(body)) return // typed arrays of any realm; the addon checks the kind
  const what = body === null || typeof body !== 'object' ? `got ${body === null ? 'null' : typeof body}` : 'got a parsed object'
  throw new InvalidArgument(`invalid argument \`body\`: ${what}: ${RAW_BODY}`, 'invalid_argument')
}

/** The package's `parseEvent` in a dialect (lib/event.js's `parseEventIn`), for `event` and
 * `eventAs` (set by `useParseEvent`), and the dialect a verifier's senders write (set by
 * `install`). */
let parseEventIn = null
let dialectOf = null

/** A message's hidden state (`{ verifier, body, claim }`), from the class that made it. */
let hiddenOfMessage
let hiddenOfAsync
function hidden(message) {
  const state = hiddenOfMessage(message) ?? hiddenOfAsync(message)
  if (state === undefined) throw new TypeError('not a message made by verify or verifyAsync')
  return state
}

/** What `verifyParts` answered, as a message's properties (in the order the constructor sets
 * them, so that both make one shape): a function of its own, which keeps the constructor small
 * enough for V8 to inline where `verify` is itself inlined into a large function. */
function readInto(message, read) {
  /** The message id, where the scheme has one. */
  message.id = read.id ?? null
  /** The timestamp (unix seconds), where the scheme has one. */
  message.timestamp = read.timestamp ?? null
  /** Whether the timestamp was part of the signed content. */
  message.timestampSigned = read.timestampSigned
  /** The event type header, where the scheme has one. */
  message.eventType = read.eventType ?? null
  /** Which configured secret matched (0 = the first). */
  message.secretIndex = read.secretIndex
}

/** A verified message: what the headers said, and the body they signed. */
class VerifiedMessage {
  // No fields here: a field of a base class (a private one too) makes every `new Message`
  // through `super()` about three times slower on Node 20 (40-50 ns against 15: V8 does not
  // inline the field initializer of a base class), a sixth of what `verify` adds to the
  // core. The hidden state is the two classes' own field, read through `hidden`.
  /** `read`: what the addon read (lib/message.js's own use only): the object `verifyParts`
   * answers, or the verify function's number (`packed` in src/verify.rs: its bits point into the
   * header `values` it was given). */
  constructor(read, values) {
    if (typeof read === 'number') {
      // The 48 bits split by a division by 2^14, its floor and a product, all exact on these
      // doubles (`read % 16384` is a call of C's fmod: 5 ns).
      const time = Math.floor(read / 16384)
      const low = read - time * 16384
      const id = low & 15
      const event = (low >> 4) & 15
      this.id = id === 15 ? null : values[id]
      this.timestamp = low & 512 ? time : null
      this.timestampSigned = (low & 256) !== 0
      this.eventType = event === 15 ? null : values[event]
      this.secretIndex = (low >> 10) & 15
    } else readInto(this, read)
  }

  /** The verified body: the caller's own Buffer/Uint8Array (a string body as a Buffer). */
  get body() {
    const state = hidden(this)
    if (typeof state.body === 'string') state.body = Buffer.from(state.body, 'utf8')
    return state.body
  }

  /** The body parsed as JSON; a body that is not JSON is InvalidPayload. */
  json() {
    const body = this.body
    const text = Buffer.isBuffer(body) ? body.toString('utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8')
    try {
      return JSON.parse(text)
    } catch {
      throw new InvalidPayload('invalid payload: the body is not JSON', 'invalid_payload')
    }
  }

  /** The body as an event in the envelope of the scheme's senders (native for hookwire,
   * standard-webhooks and svix; each system's own for auraconnect, ops-center, ...); a body in
   * another envelope, or a scheme whose senders write their own JSON (github, stripe, shopify,
   * slack), is InvalidPayload. */
  get event() {
    const { verifier } = hidden(this)
    const dialect = dialectOf(verifier)
    const typeHint = this.eventType ?? undefined
    // The core's `Scheme::parse_event` is its dialect's parse: `parseEvent` in it (the addon's
    // `sentEvent` makes an instance of its Event class, which costs three times as much); a
    // scheme without one is the addon's refusal.
    return dialect === null ? verifier.sentEvent(this.body, typeHint) : parseEventIn(this.body, dialect, typeHint)
  }

  /** The body in another system's envelope (DIALECTS), the event header as type hint. */
  eventAs(dialect) {
    hidden(this)
    return parseEventIn(this.body, dialect, this.eventType ?? undefined)
  }

  /** Whether the message is claimed in a replay store (false when the verifier has none). */
  get claimed() {
    return hidden(this).claim !== null
  }

  /** When the claim lapses (unix seconds) if neither committed nor released; null without a store. */
  get claimUntil() {
    const { claim } = hidden(this)
    return claim === null ? null : claim.claimUntil
  }
}

/** The claim, and the `now` of `commit(options)`, checked by the addon's rules (by the claim's
 * own commit when there is one). */
function claimOf(message, options) {
  const { claim } = hidden(message)
  checkOptionsObject(options, ['now'])
  if (claim === null) checkNow(options?.now)
  return [claim, options?.now]
}

/** The claim `read` carries (a number: none). */
const claimIn = (read) => (typeof read === 'number' ? null : read.claim ?? null)

/**
 * A message of `verify`: commit and release answer at once (memory and SQLite stores). Both
 * answer false without a replay store; `commit` answers false when the claim was lost (it
 * lapsed and another delivery took the message, which is left untouched).
 */
class Message extends VerifiedMessage {
  #hidden
  static {
    hiddenOfMessage = (message) => (#hidden in message ? message.#hidden : undefined)
  }

  /** `verifier` and `body` as verify was given them; `read` and `values` as VerifiedMessage. */
  constructor(verifier, body, read, values) {
    super(read, values)
    this.#hidden = { verifier, body, claim: claimIn(read) }
  }

  /** Records the message as handled: later deliveries are `replayed`. */
  commit(options) {
    const [claim, now] = claimOf(this, options)
    return claim === null ? false : claim.commit(now)
  }

  /** Gives the claim up (the handler failed): the sender's retry is accepted. */
  release() {
    const [claim] = claimOf(this)
    return claim === null ? false : claim.release()
  }
}

/** A message of `verifyAsync`: commit and release are Promises, whatever the store. */
class AsyncMessage extends VerifiedMessage {
  #hidden
  static {
    hiddenOfAsync = (message) => (#hidden in message ? message.#hidden : undefined)
  }

  /** As Message's. */
  constructor(verifier, body, read, values) {
    super(read, values)
    this.#hidden = { verifier, body, claim: claimIn(read) }
  }

  /** Records the message as handled: later deliveries are `replayed`. */
  async commit(options) {
    const [claim, now] = claimOf(this, options)
    return claim === null ? false : claim.commitAsync(now)
  }

  /** Gives the claim up (the handler failed): the sender's retry is accepted. */
  async release() {
    const [claim] = claimOf(this)
    return claim === null ? false : claim.releaseAsync()
  }
}

/** Whether `options` is a plain object whose only key is `now`: its keys first (what the
 * addon's rule reads, a Proxy's traps as theirs), then its class (`Object`, not an array).
 * `constructor` is read only from an object without an enumerable one of its own; it is
 * found on the prototype, as `Object.getPrototypeOf` would (which took the runtime's slow
 * path: 8 ns of the call). */
function onlyNow(options) {
  let keys = 0
  for (const key in options) if (key !== 'now' || ++keys > 1) return false
  return options.constructor === Object && !Array.isArray(options)
}

/** Whether `options` is a plain `{ now }`. */
const nowAlone = (options) => options !== undefined && options !== null && typeof options === 'object' && onlyNow(options)

/** The value the addon's slots point at: value `at` of the verify function's header values (-1:
 * none), whole (start -1) or its UTF-8 bytes start..end. */
function part(values, at, start, end) {
  if (at < 0) return null
  return start < 0 ? values[at] : Buffer.from(values[at], 'utf8').toString('utf8', start, end)
}

/** What the verify function's Float64Array says, as the object verifyParts answers. */
function fromSlots(slots, values) {
  return {
    secretIndex: slots[0],
    timestamp: Number.isNaN(slots[1]) ? null : slots[1],
    timestampSigned: slots[2] === 1,
    id: part(values, slots[3], slots[4], slots[5]),
    eventType: part(values, slots[6], slots[7], slots[8]),
    claim: null,
  }
}

/** The verify function's `given`: which of `now` (bit 8) and `values` (bit `i`) it reads. */
function given(now, values) {
  let bits = now === undefined ? 0 : 256
  for (let i = 0; i < values.length; i++) if (values[i] !== null) bits |= 1 << i
  return bits
}

/** Installs `verify` and `verifyAsync` on the addon's Verifier. */
function install(native) {
  // Each verifier's reader, in a property of its own under a symbol only this module holds
  // (non-enumerable, so neither inspection nor copies show it): a WeakMap look-up per call
  // cost twice as much. A reader serves its owner only: one found on an object inheriting from
  // a verifier (`Object.create`, a Proxy), or copied onto another verifier, is not used. A
  // verifier that cannot take the property (frozen, or holding another's reader) keeps its own
  // reader in the WeakMap.
  const READER = Symbol('hookwire.reader')
  const elsewhere = new WeakMap()
  function readerOf(verifier) {
    const found = verifier[READER]
    if (found !== undefined && found.owner === verifier) return found
    const kept = elsewhere.get(verifier)
    if (kept !== undefined) return kept
    const read = reader(verifier.headerNames)
    read.owner = verifier
    // The verifier's own verify function (the addon's plain Node-API function bound to it,
    // without a method call's checks of the instance). None for a verifier with a store (its
    // claim), and null where it would not serve the scheme (more header names than it takes
    // values).
    read.direct = verifier.seenStore == null ? verifier.directFunction() : null
    /** The dialect the scheme's senders write, null where they write their own JSON. */
    read.dialect = verifier.senderDialect()
    if (found === undefined && Object.isExtensible(verifier)) Object.defineProperty(verifier, READER, { value: read })
    else elsewhere.set(verifier, read)
    return read
  }
  // One object for the addon's one call: `{ now }` alone goes as its value (reading an object
  // through napi costs more than the rest of a verification); any other options object goes
  // whole, to be read, or refused, by the addon's one rule for options.
  const parts = (verifier, body, headers, options) => {
    checkBody(body)
    const values = pick(headers, readerOf(verifier))
    return nowAlone(options) ? { body, values, now: options.now, options: undefined } : { body, values, now: undefined, options }
  }
  dialectOf = (verifier) => readerOf(verifier).dialect
  native.Verifier.prototype.verify = function verify(body, headers, options) {
    const read = readerOf(this)
    if (read.direct !== null && (options === undefined || nowAlone(options))) {
      // The hot path: positional arguments, one number back (see src/direct.rs).
      checkBody(body)
      const values = pick(headers, read)
      const now = options === undefined ? undefined : options.now
      const answer = values.length <= 4
        ? read.direct(body, now, given(now, values), values[0], values[1], values[2], values[3])
        : read.direct(body, now, given(now, values), values[0], values[1], values[2], values[3], values[4], values[5], values[6], values[7])
      // -1: what it does not take (a repeated header, a non-ASCII letter, values longer than
      // its buffer, a body of another kind), for verifyParts.
      if (answer !== -1) return new Message(this, body, ArrayBuffer.isView(answer) ? fromSlots(answer, values) : answer, values)
    }
    return new Message(this, body, this.verifyParts(parts(this, body, headers, options)))
  }
  native.Verifier.prototype.verifyAsync = async function verifyAsync(body, headers, options) {
    return new AsyncMessage(this, body, await this.verifyPartsAsync(parts(this, body, headers, options)))
  }
}

/** Hands this module the package's `parseEvent` in a dialect (made by lib/event.js's install,
 * after this one's). */
function useParseEvent(parse) {
  parseEventIn = parse
}

module.exports = { VerifiedMessage, Message, AsyncMessage, install, useParseEvent, pick, reader }
