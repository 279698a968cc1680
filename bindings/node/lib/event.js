'use strict'
// Events in JS.
//
// `event.data`: the core's exact JSON text of the data parsed by V8's own JSON.parse on the
// first read, and kept with the event (a private field, or a WeakMap for the addon's own
// instances): later reads give the same object, with no napi call and no parse, and the event
// has no property of its own. (Building the values from Rust instead costs two or three napi
// calls per member, more than the parse of the text.)
//
// `parseEvent(body, options)` makes its event here, from what one addon call gives: the id,
// type, family and timestamp, and the data's exact JSON text. The addon keeps nothing: an object
// with a finalizer (an instance of the addon's `Event` class, or a napi external) costs more
// than the core's parse of an order event (issue 18). The event is an `Event` (its prototype
// inherits the addon's): its own getters read what the call gave, and every other member of
// `Event` (`toJson`, `encode`, `toJSON`, ...) runs on an instance of the addon's class made when
// first needed, by the addon parsing the same bytes with the same options again: a second core
// parse, once per event. The options are read once and the bytes copied, so a Buffer or an
// options object the caller reuses changes nothing. The addon's `matches` methods are handed
// that instance.

/** The parsed data of the addon's own events (`sampleEvent`, the addon's `parseEvent`): kept beside the
 * event, not on it, so the event has no property of its own and a frozen one still takes it. */
const KEPT = new WeakMap()

/** The options `parseEvent` reads, in the order the addon reads them. */
const KNOWN = ['dialect', 'typeHint', 'strict']

/** Installs the caching `data` getter on the addon's Event, and `parseEvent`'s events. */
function install(native) {
  const Event = native.Event
  Object.defineProperty(Event.prototype, 'data', {
    configurable: true,
    enumerable: false,
    get() {
      let data = KEPT.get(this)
      if (data === undefined) {
        data = JSON.parse(this.dataJson())
        KEPT.set(this, data)
      }
      return data
    },
  })

  /** The addon's instance of an event of `parseEvent`, made when first needed (set below). */
  let nativeOf
  /** Whether `value` is an event of `parseEvent` (set below). */
  let isParsed

  /**
   * An event from `parseEvent`: `parts` from the addon, and the body and options it was parsed
   * from, for the addon's instance. Private fields: nothing is a property (a spread, a symbol
   * listing or a log line sees none of it), and a frozen event still takes what it makes later.
   * Named `Event`: `util.inspect` shows it as it shows the addon's instance (`Event {}`).
   */
  const ParsedEvent = class Event {
    #parts
    /** A string body as given (text, which the addon reads as UTF-8), else undefined. */
    #text
    /** Bytes given as a Buffer or Uint8Array: their copy as a one-byte (latin1) string. */
    #bytes
    #options
    #data = undefined
    #native = undefined

    constructor(parts, body, options) {
      this.#parts = parts
      if (typeof body === 'string') this.#text = body
      else this.#bytes = ownBytes(body)
      this.#options = options
    }

    static {
      nativeOf = (event) => {
        let made = event.#native
        if (made === undefined) {
          made = native.parseEvent(event.#text ?? Buffer.from(event.#bytes, 'latin1'), event.#options)
          event.#native = made
        }
        return made
      }
      isParsed = (value) => typeof value === 'object' && value !== null && #native in value
    }

    get id() {
      return this.#parts[0]
    }

    get type() {
      return this.#parts[1]
    }

    get family() {
      return this.#parts[2]
    }

    get timestamp() {
      return this.#parts[3]
    }

    dataJson() {
      return this.#parts[4]
    }

    get data() {
      let data = this.#data
      if (data === undefined) {
        data = JSON.parse(this.#parts[4])
        this.#data = data
      }
      return data
    }
  }

  // The prototype lists the addon's members in its order and with its attributes (what
  // `for...in` and `util.inspect` with `showHidden` show): the ones above as written, every other
  // member of the addon's Event (methods, getters, and any added later) run on the addon's
  // instance.
  const own = ParsedEvent.prototype
  const mine = Object.getOwnPropertyDescriptors(own)
  for (const name of Object.keys(mine)) if (name !== 'constructor') delete own[name]
  for (const name of Object.getOwnPropertyNames(Event.prototype)) {
    if (name === 'constructor') continue
    const member = Object.getOwnPropertyDescriptor(Event.prototype, name)
    if (Object.hasOwn(mine, name)) {
      const { get, value } = mine[name]
      Object.defineProperty(own, name, 'value' in member ? { ...member, value } : { ...member, get, set: undefined })
    } else if (typeof member.value === 'function') {
      const method = member.value
      const value = { [name](...args) { return method.apply(nativeOf(this), args) } }[name]
      Object.defineProperty(own, name, { ...member, value })
    } else if (member.get !== undefined || member.set !== undefined) {
      const { get: addonGet, set: addonSet } = member
      const get = addonGet && function () { return addonGet.call(nativeOf(this)) }
      const set = addonSet && function (value) { addonSet.call(nativeOf(this), value) }
      Object.defineProperty(own, name, { ...member, get, set })
    }
  }
  Object.setPrototypeOf(own, Event.prototype)

  const parseEventParts = native.parseEventParts
  /** `parseEventParts` for a byte body and the options `readOptions` read, as a plain Node-API
   * function (src/direct.rs): -1 for what it does not take (a string is not handed to it). */
  const partsDirect = native.partsFunction()
  /** The addon's parts of an event, `[id, type, family, timestamp, data JSON]`, from its one
   * string (`parseEventParts` in src/event.rs): a digit saying whether the id and the timestamp
   * are present, then the type, family, timestamp and data, each ended by U+0001, and the id
   * last (the only part that may hold the character). */
  function parts(body, read) {
    let given = -1
    if (typeof body !== 'string') {
      if (read === undefined) given = partsDirect(body)
      else if (read instanceof Known) given = partsDirect(body, read.dialect, read.typeHint, read.strict)
    }
    if (given === -1) given = parseEventParts(body, read)
    const present = given.charCodeAt(0) - 48
    const b = given.indexOf('\u0001', 1)
    const c = given.indexOf('\u0001', b + 1)
    const d = given.indexOf('\u0001', c + 1)
    const e = given.indexOf('\u0001', d + 1)
    return [
      present & 1 ? given.slice(e + 1) : null,
      given.slice(1, b),
      given.slice(b + 1, c),
      present & 2 ? given.slice(c + 1, d) : null,
      given.slice(d + 1, e),
    ]
  }
  /** `parseEvent(body, options)`: an Event made here (see above). */
  function parseEvent(body, options) {
    const read = readOptions(options)
    return new ParsedEvent(parts(body, read), body, read)
  }

  /** An event as the addon's methods take it (one of parseEvent: the addon's instance). */
  function forAddon(value) {
    return isParsed(value) ? nativeOf(value) : value
  }
  for (const Class of [native.Subscription, native.Endpoint]) {
    const addonMatches = Class.prototype.matches
    Class.prototype.matches = function matches(event) {
      return addonMatches.call(this, forAddon(event))
    }
  }
  return { parseEvent }
}

/**
 * `parseEvent`'s options read once, here: the addon checks and parses this copy, and the second
 * parse of a member made later is given it too, so a getter or a Proxy answering differently on a
 * second read changes nothing. What is not an object of options (undefined, null, an array, a
 * function, a scalar) is handed on as given: the addon refuses or accepts it as it always did.
 * The copy keeps the addon's check of the keys: the keys it lists (`for...in`: enumerable string
 * keys, own and inherited, as napi's property names) come first, an unknown one is carried into
 * the copy (without reading its value, which the addon never read) so that the addon refuses it
 * with the same error; then each known option is read once, as the addon read it (a named
 * property read, which also finds non-enumerable getters on a prototype).
 */
function readOptions(options) {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) return options
  for (const key in options) {
    if (!KNOWN.includes(key)) return { [key]: undefined }
  }
  return new Known(options.dialect, options.typeHint, options.strict)
}

/** The known options, read once (`readOptions`): own enumerable fields, as the addon lists an
 * object's keys; an instance tells `parts` its values may go to the plain function as they are.
 * Nothing above it (no `Object.prototype`): a key added there later is not listed by the
 * addon's second parse of the event (`nativeOf`). */
class Known {
  constructor(dialect, typeHint, strict) {
    this.dialect = dialect
    this.typeHint = typeHint
    this.strict = strict
  }
}
Object.setPrototypeOf(Known.prototype, null)

/**
 * A copy of the bytes of `body` (a Buffer or Uint8Array the addon has accepted) for the second
 * parse of a member made later: the caller may reuse its Buffer. The copy is a one-byte (latin1)
 * string, which maps each byte to one character and back (`Buffer.from(copy, 'latin1')`) with
 * nothing lost, holds exactly the body's bytes, and is made in a quarter of the time of an own
 * `ArrayBuffer` (CPU per copy of 329 B: 0.09 against 0.40 µs). A copy by `Buffer.from`
 * would be a view of Node's shared 8 KB pool, as the caller's small Buffer may be, and a view
 * keeps its whole ArrayBuffer alive.
 */
function ownBytes(body) {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  return bytes.toString('latin1')
}

module.exports = { install }
