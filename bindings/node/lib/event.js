'use strict'
// Events in JS.
//
// `event.data` of `parseEvent`'s events: built here from the tape the addon wrote (src/tape.rs:
// the payload's members as tags and numbers in a Float64Array this module owns, the text of
// strings and keys in the answer string), by a function per payload type made from the core's
// field list (`builders`), when the event is made. Where the addon did not take the data on
// the tape (a string body, an option it reads by napi-rs, more numbers than the tape holds),
// the data comes as the core's exact JSON text and `.data` is V8's JSON.parse of it on the first
// read. Either way the same values, members and order (the tests hold the two to each other),
// kept with the event: later reads give the same object, and the event has no property of its own.
// (Building the values from Rust by Node-API calls costs two or three per member, more than
// either.) The addon's own instances (`sampleEvent`, the addon's `parseEvent`) parse their JSON
// text on the first read and keep it in a WeakMap.
//
// `parseEvent(body, options)` makes its event here, from what one addon call gives: the id,
// type, family and timestamp, and the data (on the tape, or as its exact JSON text). The addon
// keeps nothing: an object with a finalizer (an instance of the addon's `Event` class, or a napi
// external) costs more than the core's parse of an order event (issue 18). The event is an
// `Event` (its prototype inherits the addon's): its own getters read what the call gave, and
// every other member of `Event` (`toJson`, `encode`, `toJSON`, ...) runs on an instance of the
// addon's class made when first needed, by the addon parsing the same bytes with the same
// options again: a second core parse, once per event (and one more for `dataJson()` when the
// data came on the tape). The options are read once and the bytes copied, so a Buffer or an
// options object the caller reuses changes nothing. The addon's `matches` methods are handed
// that instance.

/** The parsed data of the addon's own events (`sampleEvent`, the addon's `parseEvent`): kept beside the
 * event, not on it, so the event has no property of its own and a frozen one still takes it. */
const KEPT = new WeakMap()

// The built-ins called from the addon's answer to the event's data, as they were when this
// module loaded (as Node's own library keeps its "primordials"): no JS of anyone else's runs
// in between (one replaced later, `Array.prototype.push` or `String.prototype.slice`, is not
// called), so nothing can call `parseEvent` while the tape is still to be read, nor change the
// data, as nothing changes what JSON.parse makes.
/** `call(f, that, ...args)`: `f` called on `that`, `Function.prototype.call` as it was. */
const call = Function.prototype.call.bind(Function.prototype.call)
const { charCodeAt, indexOf, slice } = String.prototype
const { push } = Array.prototype
const { parse } = JSON
const { defineProperty } = Object

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
   * An event from `parseEvent`: the addon's answer (`ask`), read here, and the body and options
   * it was parsed from, for the addon's instance. Private fields: nothing is a property (a
   * spread, a symbol listing or a log line sees none of it), and a frozen event still takes
   * what it makes later. Named `Event`: `util.inspect` shows it as it shows the addon's instance
   * (`Event {}`).
   */
  const ParsedEvent = class Event {
    #id
    #type
    #family
    #timestamp
    /** The data's JSON text: null until asked for when the data came on the tape. */
    #json
    /** The data: built from the tape, or undefined until the first read of its JSON text. */
    #data
    /** A string body as given (text, which the addon reads as UTF-8), else undefined. */
    #text
    /** Bytes given as a Buffer or Uint8Array: their copy as a one-byte (latin1) string. */
    #bytes
    #options
    #native = undefined

    /**
     * Reads `given`, the addon's one string (`parseEventParts` in src/event.rs): a digit saying
     * whether the id and the timestamp are present (1, 2) and whether the data is on the tape
     * (4), then the type, family and timestamp, each ended by U+0001; then either the data's
     * JSON text, U+0001 and the id (the only part that may hold the character), or, with the
     * tape, the id, the tape's text and, when all of it is ASCII, the body's bytes as latin1
     * characters (the copy the event keeps, else made by `ownBytes`), where the id ends and the
     * bytes begin (-1: not there) in the tape's first two slots. Data on the tape is built now
     * (the tape is the next call's).
     */
    constructor(given, body, options) {
      const flags = call(charCodeAt, given, 0) - 48
      const b = call(indexOf, given, '\u0001', 1)
      const c = call(indexOf, given, '\u0001', b + 1)
      const d = call(indexOf, given, '\u0001', c + 1)
      this.#type = call(slice, given, 1, b)
      this.#family = call(slice, given, b + 1, c)
      this.#timestamp = flags & 2 ? call(slice, given, c + 1, d) : null
      if (flags & 4) {
        const idEnd = tape.slots[0]
        const bytesAt = tape.slots[1]
        this.#id = flags & 1 ? call(slice, given, d + 1, idEnd) : null
        this.#json = null
        this.#data = tape.read(given, idEnd)
        // After the tape is read: `ownBytes` calls Buffer's methods, which may run JS.
        this.#bytes = bytesAt < 0 ? ownBytes(body) : call(slice, given, bytesAt)
      } else {
        const e = call(indexOf, given, '\u0001', d + 1)
        this.#id = flags & 1 ? call(slice, given, e + 1) : null
        this.#json = call(slice, given, d + 1, e)
        if (typeof body !== 'string') this.#bytes = ownBytes(body)
      }
      if (typeof body === 'string') this.#text = body
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
      return this.#id
    }

    get type() {
      return this.#type
    }

    get family() {
      return this.#family
    }

    get timestamp() {
      return this.#timestamp
    }

    dataJson() {
      let json = this.#json
      if (json === null) {
        // On the tape the data came without its JSON text: the same bytes parsed again, the
        // text asked for this time (no tape given), and kept.
        const given = ask(this.#text ?? Buffer.from(this.#bytes, 'latin1'), this.#options, undefined)
        const d = given.indexOf('\u0001', given.indexOf('\u0001', given.indexOf('\u0001', 1) + 1) + 1)
        json = given.slice(d + 1, given.indexOf('\u0001', d + 1))
        this.#json = json
      }
      return json
    }

    get data() {
      let data = this.#data
      if (data === undefined) {
        data = JSON.parse(this.#json)
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
  const tape = tapeReader(native.tapeLayout())
  /** The addon's answer for `body` and the options `readOptions` read (see the constructor
   * above): by the plain function for bytes (the data on the tape when `memory` is given), by
   * `parseEventParts` for the rest. */
  function ask(body, read, memory) {
    let given = -1
    if (typeof body !== 'string') {
      if (read === undefined) given = partsDirect(body, memory)
      else if (read instanceof Known) given = partsDirect(body, memory, read.dialect, read.typeHint, read.strict)
    }
    return given === -1 ? parseEventParts(body, read) : given
  }
  /** `parseEvent(body, options)`: an Event made here (see above). */
  function parseEvent(body, options) {
    const read = readOptions(options)
    return new ParsedEvent(ask(body, read, tape.memory), body, read)
  }
  /** `parseEvent(body, { dialect, typeHint })` for a verified message (lib/message.js), the
   * options as `readOptions` reads those two (a `Known` made here: no options object is
   * listed, so a key someone added to `Object.prototype` joins nothing). */
  function parseEventIn(body, dialect, typeHint) {
    const read = new Known(dialect, typeHint, undefined)
    return new ParsedEvent(ask(body, read, tape.memory), body, read)
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
  return { parseEvent, parseEventIn }
}

/** How many numbers the tape holds (32 KB): an event whose data needs more goes as JSON text. */
const TAPE_SLOTS = 4096

/**
 * The reader of the tape (src/tape.rs; `layout` is the addon's `tapeLayout()`: the tags, and
 * the keys of each payload type's typed fields): `slots`, the array the addon writes, and
 * `read(text, at)`, the data whose strings and keys are `text` from `at` on.
 *
 * A typed record is built by its type's own function, made here from its keys: one store of a
 * constant key per field present, in the field list's order (the order the core writes them),
 * then the record's extra members, each stored under its key as it comes. A store of a constant
 * key is what V8 makes fast (a function that stores variable keys was five times slower), and
 * the keys are the core's, never the body's: the source made is `JSON.stringify` of each. Values
 * are as `JSON.parse` makes them: a key that `Object.prototype` has (`__proto__`, `toString`)
 * is defined on the object, as `JSON.parse` does, not assigned (which would set the prototype,
 * or fail where the prototype is frozen).
 */
function tapeReader(layout) {
  const { NUM, STR, TRUE, FALSE, NULL, RAW, ARR, REC, KEY, FIELD, END } = layout.tags
  const slots = new Float64Array(TAPE_SLOTS)
  const define = (object, key, value) => defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true })
  /** Where the reading is: the slot `p`, the text `s` from `q`. */
  const reader = {
    t: slots,
    s: '',
    p: 0,
    q: 0,
    builders: [],
    /** `Object.prototype`, as it was when the package loaded (the global may be replaced). */
    proto: Object.prototype,
    text() {
      const n = this.t[this.p++]
      const q = this.q
      this.q = q + n
      return call(slice, this.s, q, q + n)
    },
    value() {
      return this.tagged(this.t[this.p++])
    },
    /** The value whose tag was just read. */
    tagged(tag) {
      const t = this.t
      if (tag === NUM) return t[this.p++]
      if (tag === STR) return this.text()
      if (tag === REC) return this.builders[t[this.p++]](this)
      if (tag === ARR) {
        const items = []
        for (let n = t[this.p++]; n > 0; n--) call(push, items, this.value())
        return items
      }
      if (tag === NULL) return null
      if (tag === TRUE) return true
      if (tag === FALSE) return false
      if (tag === RAW) return parse(this.text())
      throw new Error(`hookwire: tag ${tag} on the tape (a bug; please report it)`)
    },
    /** An extra member (after its KEY tag) onto `object`. */
    extra(object) {
      const key = this.text()
      const value = this.value()
      if (key in this.proto) define(object, key, value)
      else object[key] = value
    },
    define,
  }
  reader.builders = layout.keys.map((keys) => {
    let source = 'const t = r.t\nconst o = {}\nlet k = t[r.p++]\n'
    keys.forEach((key, i) => {
      const name = JSON.stringify(key)
      // A number (the most frequent typed value) read here, any other value by `tagged`.
      const value = `(g === ${NUM} ? t[r.p++] : r.tagged(g))`
      // Asked at each store, not once here: a key added to Object.prototype later (a setter,
      // a read-only value) must not catch the store, as it does not catch JSON.parse's.
      const store = `if (${name} in r.proto) r.define(o, ${name}, ${value}); else o[${name}] = ${value}`
      source += `if (k === ${FIELD + i}) { const g = t[r.p++]; ${store}; k = t[r.p++] }\n`
    })
    source += `while (k === ${KEY}) { r.extra(o); k = t[r.p++] }\n`
    source += `if (k !== ${END}) throw new Error('hookwire: tag ' + k + ' in a record on the tape (a bug; please report it)')\n`
    return new Function('r', `${source}return o`)
  })
  return {
    slots,
    /** The slots' memory, which the addon writes. */
    memory: slots.buffer,
    read(text, at) {
      reader.s = text
      reader.p = 2
      reader.q = at
      const data = reader.value()
      reader.s = ''
      return data
    },
  }
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
