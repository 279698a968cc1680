'use strict'
// Events in JS.
//
// `event.data`: the core's exact JSON text of the data parsed by V8's own JSON.parse on the
// first read, and kept on the event: later reads give the same object, with no napi call and no
// parse. (Building the values from Rust instead costs two or three napi calls per member, more
// than the parse of the text.)
//
// `parseEvent(body, options)` makes its event here, from what one addon call gives: the id,
// type, family and timestamp, and the data's exact JSON text. The addon keeps nothing: an object
// with a finalizer (an instance of the addon's `Event` class, or a napi external) costs more
// than the core's parse of an order event (issue 18). The event is an `Event` (its prototype
// inherits the addon's): its own getters read what the call gave, and every other member of
// `Event` (`toJson`, `encode`, `toJSON`, ...) runs on an instance of the addon's class made when
// first needed, by the addon parsing the same bytes with the same options again (a copy of the
// bytes is kept, so a Buffer the caller reuses changes nothing). The addon's `matches` methods
// are handed that instance.

/** Where an event keeps its parsed data (a symbol: not an own key JSON or Object.keys see). */
const DATA = Symbol('hookwire.event.data')
/** What `parseEvent`'s addon call gave (`[id, type, family, timestamp, dataJson]`). */
const PARTS = Symbol('hookwire.event.parts')
/** The body and options it was parsed from, then the addon's instance once made. */
const BODY = Symbol('hookwire.event.body')
const OPTIONS = Symbol('hookwire.event.options')
const NATIVE = Symbol('hookwire.event.native')

/** Installs the caching `data` getter on the addon's Event, and `parseEvent`'s events. */
function install(native) {
  const Event = native.Event
  Object.defineProperty(Event.prototype, 'data', {
    configurable: true,
    enumerable: false,
    get() {
      const kept = this[DATA]
      if (kept !== undefined) return kept
      const data = JSON.parse(this.dataJson())
      Object.defineProperty(this, DATA, { value: data })
      return data
    },
  })

  /** An event from `parseEvent`: `parts` from the addon, and its source for `nativeOf`. */
  function ParsedEvent(parts, body, options) {
    this[PARTS] = parts
    this[DATA] = undefined
    // Copies, taken once the addon has accepted both: the caller may reuse its Buffer or options.
    this[BODY] = typeof body === 'string' ? body : Buffer.from(body)
    this[OPTIONS] = options == null ? undefined : { dialect: options.dialect, typeHint: options.typeHint, strict: options.strict }
    this[NATIVE] = undefined
  }

  /** The addon's instance of a parsed event: the same bytes parsed again, once. */
  function nativeOf(event) {
    let made = event[NATIVE]
    if (made === undefined) {
      made = native.parseEvent(event[BODY], event[OPTIONS])
      event[NATIVE] = made
    }
    return made
  }

  const own = {
    id: { get() { return this[PARTS][0] } },
    type: { get() { return this[PARTS][1] } },
    family: { get() { return this[PARTS][2] } },
    timestamp: { get() { return this[PARTS][3] } },
    dataJson: { value: function dataJson() { return this[PARTS][4] } },
    data: {
      get() {
        let data = this[DATA]
        if (data === undefined) {
          data = JSON.parse(this[PARTS][4])
          this[DATA] = data
        }
        return data
      },
    },
  }
  // Every other member of the addon's Event (methods, getters), on the addon's instance.
  for (const name of Object.getOwnPropertyNames(Event.prototype)) {
    if (name === 'constructor' || name in own) continue
    const member = Object.getOwnPropertyDescriptor(Event.prototype, name)
    if (typeof member.value === 'function') {
      const method = member.value
      own[name] = { value: { [name](...args) { return method.apply(nativeOf(this), args) } }[name] }
    } else if (member.get !== undefined) {
      const get = member.get
      own[name] = { get() { return get.call(nativeOf(this)) } }
    }
  }
  for (const member of Object.values(own)) {
    member.configurable = true
    member.enumerable = false
    if ('value' in member) member.writable = true
  }
  ParsedEvent.prototype = Object.create(Event.prototype, own)
  // Shown as the addon's instance is (`Event {}`), not with the symbols it keeps its parts under.
  Object.defineProperty(ParsedEvent.prototype, Symbol.for('nodejs.util.inspect.custom'), {
    configurable: true,
    value: function inspect(depth, options, inspect) {
      return inspect(nativeOf(this), options)
    },
  })

  const parts = native.parseEventParts
  /** `parseEvent(body, options)`: an Event made here (see above). */
  function parseEvent(body, options) {
    return new ParsedEvent(parts(body, options), body, options)
  }

  /** An event as the addon's methods take it (one of parseEvent: the addon's instance). */
  function forAddon(value) {
    return value instanceof ParsedEvent ? nativeOf(value) : value
  }
  for (const Class of [native.Subscription, native.Endpoint]) {
    const addonMatches = Class.prototype.matches
    Class.prototype.matches = function matches(event) {
      return addonMatches.call(this, forAddon(event))
    }
  }
  return { parseEvent }
}

module.exports = { install }
