'use strict'
// The receive hot path in JS: pick only the headers the scheme reads (JS reads JS objects far
// faster than napi calls can), hand their values to the addon's `verifyValues`, and wrap the
// answer in a plain JS `Message`. Every check is the core's.

const { InvalidArgument, InvalidPayload } = require('./errors.js')

const RAW_BODY =
  "pass the raw request body (a Buffer, Uint8Array or string, exactly as received), not a parsed object: " +
  "with Express mount express.raw({ type: '*/*' }) instead of express.json() on the webhook route"

function notText(name) {
  return new InvalidArgument(`invalid argument \`headers\`: the value of \`${name}\` is not a string`, 'invalid_argument')
}

// A header's value(s): a repeated header (Node's IncomingHttpHeaders array) stays several values,
// as in the core's header map; joining them with ", " would break space-separated signature lists.
function headerText(name, value) {
  if (typeof value === 'string') return value
  if (Array.isArray(value)) {
    if (value.some((v) => typeof v !== 'string')) throw notText(name)
    return value.length === 1 ? value[0] : value.slice()
  }
  if (typeof value === 'number') return String(value)
  throw notText(name)
}

/** The values of `names` (lower case, null = not read) in `headers`, case-insensitively. */
function pick(headers, names) {
  const values = names.map(() => null)
  if (headers === null || typeof headers !== 'object') {
    throw new InvalidArgument(
      'invalid argument `headers`: must be an object, a fetch Headers or a list of [name, value] pairs',
      'invalid_argument',
    )
  }
  if (Array.isArray(headers)) {
    // [name, value] pairs: a repeated header stays several values.
    for (const pair of headers) {
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string') {
        throw new InvalidArgument('invalid argument `headers`: expected [name, value] pairs', 'invalid_argument')
      }
      const at = names.indexOf(pair[0].toLowerCase())
      if (at < 0) continue
      const text = headerText(names[at], pair[1])
      values[at] = values[at] === null ? text : [].concat(values[at], text)
    }
    return values
  }
  if (typeof headers.get === 'function') {
    // fetch Headers: `get` is case-insensitive and joins repeated headers with ", ". No scheme's
    // signature value holds ", ", so a joined signature header is split back into its fields.
    for (let i = 0; i < names.length; i++) if (names[i] !== null) values[i] = headers.get(names[i])
    if (typeof values[0] === 'string' && values[0].includes(', ')) values[0] = values[0].split(', ')
    return values
  }
  let missing = false
  for (let i = 0; i < names.length; i++) {
    if (names[i] === null) continue
    const value = headers[names[i]]
    if (value === undefined || value === null) missing = true
    else values[i] = headerText(names[i], value)
  }
  if (missing) {
    // Spellings other than Node's lower case (only keys of a wanted name's length are compared).
    for (const key of Object.keys(headers)) {
      if (!names.some((name) => name !== null && name.length === key.length)) continue
      const at = names.indexOf(key.toLowerCase())
      if (at >= 0 && values[at] === null && headers[key] != null) values[at] = headerText(key, headers[key])
    }
  }
  return values
}

function checkBody(body) {
  if (typeof body === 'string' || ArrayBuffer.isView(body)) return // typed arrays of any realm; the addon checks the kind
  const what = body === null || typeof body !== 'object' ? `got ${body === null ? 'null' : typeof body}` : 'got a parsed object'
  throw new InvalidArgument(`invalid argument \`body\`: ${what}: ${RAW_BODY}`, 'invalid_argument')
}

/** A verified message: what the headers said, and the body they signed. */
class Message {
  #native
  #body
  constructor(native, body, id, timestamp, timestampSigned, eventType, secretIndex) {
    this.#native = native
    this.#body = body
    /** The message id, where the scheme has one. */
    this.id = id
    /** The timestamp (unix seconds), where the scheme has one. */
    this.timestamp = timestamp
    /** Whether the timestamp was part of the signed content. */
    this.timestampSigned = timestampSigned
    /** The event type header, where the scheme has one. */
    this.eventType = eventType
    /** Which configured secret matched (0 = the first). */
    this.secretIndex = secretIndex
  }

  /** The verified body: the caller's own Buffer/Uint8Array (a string body as a Buffer). */
  get body() {
    if (typeof this.#body === 'string') this.#body = Buffer.from(this.#body, 'utf8')
    return this.#body
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

  /** The body as a native hookwire event. */
  get event() {
    return this.#native.eventFromJson(this.body)
  }

  /** The body in another system's envelope (DIALECTS), the event header as type hint. */
  eventAs(dialect) {
    return this.#native.parseEvent(this.body, { dialect, typeHint: this.eventType ?? undefined })
  }
}

/** Installs `verify` on the addon's Verifier. */
function install(native) {
  const names = new WeakMap()
  native.Verifier.prototype.verify = function verify(body, headers, options) {
    checkBody(body)
    let wanted = names.get(this)
    if (wanted === undefined) names.set(this, (wanted = this.headerNames))
    const values = pick(headers, wanted)
    if (options != null) {
      const unknown = typeof options === 'object' ? Object.keys(options).filter((key) => key !== 'now') : ['(not an object)']
      if (unknown.length) {
        throw new InvalidArgument(`invalid argument \`options\`: unknown option \`${unknown[0]}\` (known: now)`, 'invalid_argument')
      }
    }
    const now = options == null ? undefined : options.now
    const [secretIndex, timestamp, timestampSigned, id, eventType] = this.verifyValues(body, values, now)
    return new Message(native, body, id ?? null, timestamp ?? null, timestampSigned, eventType ?? null, secretIndex)
  }
}

module.exports = { Message, install, pick }
