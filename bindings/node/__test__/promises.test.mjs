// The outbox's Promises (src/local.rs), where JS code runs while the addon makes or settles one:
// a promise hook calling the outbox again, and the package's JS loaded twice in one thread (a
// fresh module registry, as Jest makes per test file) over the one addon. In a file of its own:
// the reload leaves the second load's error classes in place for the rest of the process.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { promiseHooks } from 'node:v8'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { Databases } from './outbox_support.mjs'

const require = createRequire(import.meta.url)
const PACKAGE = join(dirname(fileURLToPath(import.meta.url)), '..')
const databases = new Databases()
after(() => databases.close())

/** `index.js` and the package's other JS evaluated again; the addon itself stays loaded, as Node
 * (and Jest) keep a native module once per process. */
function reload() {
  for (const file of Object.keys(require.cache)) {
    if (file.startsWith(PACKAGE) && !file.includes('node_modules') && file.endsWith('.js')) delete require.cache[file]
  }
  return require('../index.js')
}

/** `promise`, or a rejection after `ms` when it has not settled by then. */
function within(ms, promise, what) {
  let timer
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not settled after ${ms} ms`)), ms)
  })
  return Promise.race([promise, late]).finally(() => clearTimeout(timer))
}

// A promise hook runs inside the addon's call into JS (the Promise's creation in `defer`, its
// settling in `settle`): a call to the outbox from there makes a Promise of its own.
test('a call made from a promise hook while the addon makes or settles a Promise settles too', async () => {
  const outbox = await require('../index.js').Outbox.open(await databases.url('sqlite'))
  for (const [what, on] of [['made', promiseHooks.onInit], ['settled', promiseHooks.onSettled]]) {
    let armed = true
    let inner
    const stop = on(() => {
      if (!armed) return
      armed = false // before the call: its own Promise runs the hook too
      inner = outbox.publish('user.created', { user_id: 2 })
    })
    let outer
    try {
      outer = outbox.publish('user.created', { user_id: 1 })
      if (what === 'settled') await outer
    } finally {
      stop()
    }
    const ids = await within(5000, Promise.all([outer, inner]), what)
    assert.equal(new Set(ids).size, 2, what)
    for (const id of ids) assert.match(id, /^msg_/, what)
  }
  await outbox.stop(1000)
})

test('calls made under either of two loads of the package in one thread all settle', async () => {
  const first = require('../index.js')
  const url = await databases.url('sqlite')
  const outbox = await first.Outbox.open(url)
  // Pending across the reload: polled (and given its waker) under the first load's hooks.
  const before = Array.from({ length: 20 }, (_, i) => outbox.publish('user.created', { user_id: i }))
  const second = reload()
  assert.notEqual(second, first)
  const again = await within(5000, second.Outbox.open(url), 'open under the second load')
  const after = Array.from({ length: 20 }, (_, i) => again.publish('user.created', { user_id: 100 + i }))
  const mixed = Array.from({ length: 20 }, (_, i) => outbox.publish('user.created', { user_id: 200 + i }))
  for (const [what, calls] of [['before the reload', before], ['after it', after], ['after it, first outbox', mixed]]) {
    const ids = await within(5000, Promise.all(calls), what)
    assert.equal(new Set(ids).size, 20, what)
    for (const id of ids) assert.match(id, /^msg_/, what)
  }
  // A third load, with nothing pending: calls under it settle too.
  const third = reload()
  assert.match(await within(5000, third.Outbox.prototype.publish.call(again, 'user.created', { user_id: 1 }), 'third load'), /^msg_/)
  await outbox.stop(1000)
  await again.stop(1000)
})
