'use strict'
// The outbox's Promises, made and settled here for the addon (src/local.rs): `defer(id)` makes
// one, `settle(id, ok, value)` resolves or rejects it when its future, polled on this thread,
// is done. While any is pending, one timer that never fires keeps the event loop alive, as a
// pending napi Promise does (so `await outbox.publish(...)` at the end of a script finishes).

const pending = new Map()
const keepAlive = setInterval(() => {}, 2 ** 31 - 1)
keepAlive.unref()
// Where a wake-up leaves the value of the task its `wake(id, ok)` settles (one call into JS per
// wake-up instead of two).
const slot = [undefined]

function defer(id) {
  return new Promise((resolve, reject) => {
    if (pending.size === 0) keepAlive.ref()
    pending.set(id, { resolve, reject })
  })
}

function settle(id, ok, value) {
  const entry = pending.get(id)
  if (entry === undefined) return
  pending.delete(id)
  if (pending.size === 0) keepAlive.unref()
  if (ok) entry.resolve(value)
  else entry.reject(value)
}

// The threadsafe function's own call: the addon has polled the woken tasks before it and settled
// all but this one (`id` undefined: none finished).
function wake(id, ok) {
  if (id === undefined || id === null) return
  const value = slot[0]
  slot[0] = undefined
  settle(id, ok, value)
}

exports.install = function install(native) {
  native.setPromiseHooks(defer, settle, wake, slot)
}
