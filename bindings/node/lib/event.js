'use strict'
// `event.data` in JS: the core's exact JSON text of the data (`dataJson()`, one napi call) parsed
// by V8's own JSON.parse on the first read, and kept on the event: later reads give the same
// object, with no napi call and no parse. (Building the values from Rust instead costs two or
// three napi calls per member, more than the parse of the text.)

/** Where an event keeps its parsed data (a symbol: not an own key JSON or Object.keys see). */
const DATA = Symbol('hookwire.event.data')

/** Installs the caching `data` getter on the addon's Event. */
function install(native) {
  Object.defineProperty(native.Event.prototype, 'data', {
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
}

module.exports = { install }
