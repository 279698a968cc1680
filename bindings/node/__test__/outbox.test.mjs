// `Outbox` from Node, on both engines (an SQLite file and a throwaway PostgreSQL): every operation
// as a Promise, the background worker (start, stop during a run, restart: nothing lost), instants
// as Dates and spans in milliseconds, errors as WebhookError codes. A real receiver on 127.0.0.1
// (in this process: the worker must leave the event loop free for it) verifies every request.
import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'

import {
  Outbox, Secret, Verifier, WebhookError, OUTBOX_ERROR_CODES, ERROR_CODES, ERROR_CLASSES, fromCode, BlockedUrl,
  InvalidSecret, UnknownScheme, UnknownEventType, InvalidArgument, InvalidPayload, InvalidState, NotFound, Timeout,
  PayloadTooLarge, UnknownDialect, StoreError,
} from '../index.mjs'
import { Databases, ENGINES, Receiver, SECRET } from './outbox_support.mjs'

const QUICK = { delaysMs: [0, 50, 50], throttleMinMs: 50 }
const databases = new Databases()
after(() => databases.close())

/** A fresh outbox of `engine` and a receiver; both closed after `body`. */
async function withOutbox(engine, body) {
  const receiver = await Receiver.start()
  const url = await databases.url(engine)
  const outbox = await Outbox.open(url)
  try {
    await body(outbox, receiver, url)
  } finally {
    await outbox.stop(1000)
    await receiver.stop()
  }
}

function contractEndpoint(outbox, receiver, extra = {}) {
  return outbox.addEndpoint(receiver.url(), {
    scheme: 'standard-webhooks', secret: SECRET, events: ['order.*'], retry: 'ops-center', allowPrivate: true, ...extra,
  })
}

const sorted = (items) => [...items].sort()

for (const engine of ENGINES) {
  describe(`Outbox on ${engine}`, () => {
    test('the contract publishes, delivers and lists what happened', () => withOutbox(engine, async (outbox, receiver) => {
      const endpoint = await contractEndpoint(outbox, receiver)
      assert.ok(endpoint.id.startsWith('ep_'))
      assert.deepEqual(endpoint.events, ['order.*'])
      const messageId = await outbox.publish('order.created', { id: 1001, total_amount: 45.99 })
      const raw = Buffer.from('{"id":"x","type":"order.updated","data":{"id":1001}}')
      const rawId = await outbox.publish('order.updated', raw)
      assert.ok(await outbox.publish('user.created', { user_id: 7 }))
      assert.equal(await outbox.queueDepth(), 2, 'order.* only')

      const pending = await outbox.deliveries({ status: 'pending', endpoint })
      assert.deepEqual(sorted(pending.map((d) => d.messageId)), sorted([messageId, rawId]))
      const report = await outbox.runUntilIdle({ timeoutMs: 60_000 })
      assert.deepEqual([report.attempts, report.succeeded], [2, 2])

      assert.deepEqual(sorted(receiver.ids()), sorted([messageId, rawId]), 'the webhook id is the message id')
      const bodies = new Map(receiver.seen.map((s) => [s.id, s.body]))
      assert.deepEqual(JSON.parse(bodies.get(messageId)).data, { id: 1001, total_amount: 45.99 })
      assert.deepEqual(bodies.get(rawId), raw, 'a Buffer is sent exactly')
      for (const d of await outbox.deliveries()) {
        assert.deepEqual([d.endpointId, d.status, d.attempts], [endpoint.id, 'succeeded', 1])
        assert.ok(d.id.startsWith('dlv_') && [messageId, rawId].includes(d.messageId))
      }
      assert.deepEqual(await outbox.deliveries({ status: 'pending' }), [])
      assert.deepEqual(await outbox.deliveries({ endpoint: 'ep_other' }), [])
      const stats = await outbox.stats()
      assert.deepEqual(stats.map((s) => [s.endpointId, s.succeeded, s.failed, s.successRate]), [[endpoint.id, 2, 0, 1]])
    }))

    test('a failed delivery is retried by hand', () => withOutbox(engine, async (outbox, receiver) => {
      receiver.answer = () => [500, {}]
      await contractEndpoint(outbox, receiver, { retry: QUICK })
      await outbox.publish('order.created', { id: 1 })
      await outbox.runUntilIdle({ timeoutMs: 30_000 })
      const [failed] = await outbox.deliveries({ status: 'failed' })
      assert.deepEqual([failed.attempts, failed.giveUpReason, failed.lastStatus], [3, 'exhausted', 500])

      receiver.answer = () => [200, {}]
      assert.equal((await outbox.retry(failed.id)).status, 'pending')
      await outbox.runUntilIdle({ timeoutMs: 30_000 })
      const done = await outbox.delivery(failed.id)
      assert.deepEqual([done.status, done.attempts], ['succeeded', 4])
      const attempts = await outbox.attempts(failed.id)
      assert.deepEqual(attempts.map((a) => [a.number, a.status, a.outcomeClass, a.manual]), [
        [1, 500, 'retryable', false], [2, 500, 'retryable', false], [3, 500, 'retryable', false], [4, 200, 'success', true],
      ])
      await assert.rejects(outbox.retry(failed.id), InvalidState, 'it succeeded: resend it instead')
    }))

    test('instants are Dates and spans milliseconds', () => withOutbox(engine, async (outbox, receiver) => {
      const before = new Date(Date.now() - 1000)
      const endpoint = await contractEndpoint(outbox, receiver, {
        timeoutMs: 2500, rateLimit: { count: 1000, periodMs: 3_600_000 }, retry: { delaysMs: [0, 50], maxAgeMs: 7 * 86_400_000 },
      })
      assert.equal(endpoint.timeoutMs, 2500)
      assert.deepEqual(endpoint.rateLimit, { count: 1000, periodMs: 3_600_000 })
      assert.deepEqual(endpoint.retry, { delaysMs: [0, 50], maxAgeMs: 7 * 86_400_000 })
      assert.ok(endpoint.createdAt instanceof Date && endpoint.createdAt >= before)
      await outbox.publish('order.created', { id: 1 })
      const [pending] = await outbox.deliveries()
      assert.ok(pending.createdAt instanceof Date && pending.createdAt >= before && pending.createdAt <= new Date())
      assert.ok(pending.nextAttemptAt instanceof Date && pending.finishedAt == null)
      await outbox.runUntilIdle({ timeoutMs: 30_000 })
      const [done] = await outbox.deliveries()
      assert.ok(done.finishedAt >= done.createdAt && done.nextAttemptAt == null)
      const [attempt] = await outbox.attempts(done.id)
      assert.ok(typeof attempt.durationMs === 'number' && attempt.startedAt >= done.createdAt)
      assert.equal(typeof (await outbox.stats())[0].p50LatencyMs, 'number')
      // Windows: a Date or unix milliseconds.
      assert.equal((await outbox.deliveries({ since: before, until: Date.now() + 1000 })).length, 1)
      assert.deepEqual(await outbox.deliveries({ since: new Date(Date.now() + 3_600_000) }), [])
      assert.throws(() => outbox.deliveries({ since: 'yesterday' }), InvalidArgument)
    }))

    test("every operation of a sender's dashboard", () => withOutbox(engine, async (outbox, receiver) => {
      receiver.answer = (seen) => (seen.path === '/down' ? [503, {}] : [200, {}])
      const up = await outbox.addEndpoint(receiver.url('/up'), { secret: SECRET, allowPrivate: true, id: 'webhook_up' })
      const down = await outbox.addEndpoint(receiver.url('/down'), {
        secret: [SECRET, Secret.generate()], allowPrivate: true, retry: QUICK, headers: { 'X-Tenant': 'kitchen-7' },
      })
      assert.deepEqual([up.id, down.secretCount, down.headers], ['webhook_up', 2, { 'X-Tenant': 'kitchen-7' }])
      assert.deepEqual(sorted((await outbox.endpoints()).map((e) => e.id)), sorted([up.id, down.id]))
      const messageId = await outbox.publish('order.created', { id: 1 }, { idempotencyKey: 'order-1' })
      assert.equal(await outbox.publish('order.created', { id: 1 }, { idempotencyKey: 'order-1' }), messageId)
      await outbox.runUntilIdle({ timeoutMs: 30_000 })
      assert.deepEqual((await outbox.message(messageId)).payload, receiver.seen[0].body)

      // Recover the endpoint's failures once it is back up: a dry run lists them.
      const [failed] = await outbox.deliveries({ status: 'failed', endpoint: down })
      const since = new Date(Date.now() - 5 * 60_000)
      assert.deepEqual(await outbox.recover(down, { since, dryRun: true }), [failed.id])
      assert.equal((await outbox.delivery(failed.id)).status, 'failed', 'a dry run changes nothing')
      receiver.answer = () => [200, {}]
      assert.deepEqual(await outbox.recover(down.id, { since: since.getTime() }), [failed.id])
      await outbox.runUntilIdle({ timeoutMs: 30_000 })
      assert.equal((await outbox.delivery(failed.id)).status, 'succeeded')

      const resent = await outbox.resend(messageId, up)
      assert.deepEqual([resent.messageId, resent.status], [messageId, 'pending'])
      const sample = await outbox.sendTestEvent(up, 'user.created')
      await outbox.runUntilIdle({ timeoutMs: 30_000 })
      assert.equal((await outbox.delivery(sample.id)).status, 'succeeded')
      assert.equal(receiver.ids().filter((id) => id === messageId).length, 6, 'up once, down three times (503), the recovery, the resend')

      const disabled = await outbox.disableEndpoint(down)
      assert.deepEqual([disabled.enabled, disabled.disabledReason], [false, 'manual'])
      assert.ok(disabled.disabledAt instanceof Date)
      await outbox.publish('order.created', { id: 2 })
      assert.equal(await outbox.queueDepth(), 1, 'a disabled endpoint gets nothing')
      assert.ok((await outbox.enableEndpoint(down)).enabled)
      const [toCancel] = await outbox.deliveries({ status: 'pending' })
      assert.equal((await outbox.cancel(toCancel.id)).status, 'cancelled')

      const updated = await outbox.updateEndpoint(up, { url: receiver.url('/v2'), events: ['user.*'], description: 'v2', rateLimit: { count: 10, periodMs: 1000 } })
      assert.deepEqual([updated.url, updated.events, updated.description, updated.rateLimit], [receiver.url('/v2'), ['user.*'], 'v2', { count: 10, periodMs: 1000 }])
      const cleared = await outbox.updateEndpoint(up, { rateLimit: null, description: null })
      assert.ok(cleared.rateLimit == null && cleared.description == null, 'null removes them')
      assert.equal((await outbox.endpoint(up)).description, cleared.description)

      const metrics = await outbox.metrics()
      // A resend goes on the same delivery: three succeeded (up's, down's recovered one, the test).
      assert.deepEqual([metrics.delivered, metrics.queueDepth], [3, 0])
      assert.ok(metrics.retried >= 3)
      await outbox.deleteEndpoint(down)
      assert.deepEqual((await outbox.endpoints()).map((e) => e.id), [up.id])
      await assert.rejects(outbox.endpoint(down.id), NotFound)
      await new Promise((resolve) => setTimeout(resolve, 10)) // final strictly before the purge's cutoff
      const purged = await outbox.purge(0)
      assert.deepEqual([purged.deliveries, purged.messages], [3, 3], "up's succeeded, test and cancelled ones")
      assert.deepEqual(await outbox.deliveries(), [])
    }))

    test("publish writes another system's envelope and filters read it", async () => {
      const aura = await Receiver.start(new Verifier('s3cr3t-aura', { scheme: 'auraconnect' }))
      const outbox = await Outbox.open(await databases.url(engine))
      try {
        for (const restaurant of [1, 2]) {
          await outbox.addEndpoint(aura.url(`/r${restaurant}`), {
            scheme: 'auraconnect', secret: 's3cr3t-aura', events: ['order.*'], filters: { restaurant_id: restaurant }, allowPrivate: true,
          })
        }
        const messageId = await outbox.publish('order.created', { id: 1001, restaurant_id: 2 }, { dialect: 'auraconnect' })
        await outbox.runUntilIdle({ timeoutMs: 30_000 })
        assert.deepEqual(aura.seen.map((s) => [s.path, s.id]), [['/r2', messageId]])
        assert.equal(JSON.parse(aura.seen[0].body).data.object.restaurant_id, 2)
        // Arguments are checked at the call (it throws); the database's answer rejects.
        assert.throws(() => outbox.publish('order.created', { id: 1 }, { dialect: 'klingon' }), UnknownDialect)
      } finally {
        await aura.stop()
      }
    })

    test('the background worker starts and stops', () => withOutbox(engine, async (outbox, receiver) => {
      await contractEndpoint(outbox, receiver)
      assert.equal(await outbox.stop(), null, 'nothing to stop')
      assert.equal(outbox.running, false)
      outbox.start({ concurrency: 8, pollIntervalMs: 20 })
      assert.equal(outbox.running, true)
      assert.throws(() => outbox.start(), InvalidState)
      const ids = []
      for (let n = 0; n < 20; n++) ids.push(await outbox.publish('order.created', { id: n }))
      await receiver.waitFor(20)
      const report = await outbox.stop(10_000)
      assert.equal(outbox.running, false)
      assert.equal(report.succeeded, 20)
      assert.deepEqual(sorted(receiver.ids()), sorted(ids))
      outbox.start({ concurrency: 1 })
      assert.equal((await outbox.stop(1000)).attempts, 0)
    }))

    test('stop() during a run and a restart lose nothing', () => withOutbox(engine, async (outbox, receiver, url) => {
      const MESSAGES = 300
      // A slow receiver, so that the stop lands mid-run with requests in flight.
      receiver.answer = () => new Promise((resolve) => setTimeout(() => resolve([200, {}]), 5))
      await contractEndpoint(outbox, receiver)
      const published = []
      for (let n = 0; n < MESSAGES; n++) published.push(await outbox.publish('order.created', { id: n }, { idempotencyKey: `order-${n}` }))
      outbox.start({ concurrency: 4, pollIntervalMs: 20 })
      await receiver.waitFor(MESSAGES / 5)
      const first = await outbox.stop(10_000)
      const atStop = receiver.accepted().length
      assert.ok(atStop >= MESSAGES / 5 && atStop < MESSAGES, `stopped mid-run: ${atStop} of ${MESSAGES}`)
      assert.equal(first.succeeded, atStop, 'every request in flight finished before stop() resolved')
      assert.equal(await outbox.queueDepth(), MESSAGES - atStop)
      await new Promise((resolve) => setTimeout(resolve, 200))
      assert.equal(receiver.seen.length, atStop, 'a stopped worker sends nothing')

      // A restart — a new Outbox on the same database, as after a redeploy — delivers the rest.
      const again = await Outbox.open(url)
      again.start({ concurrency: 4, pollIntervalMs: 20 })
      await receiver.waitFor(MESSAGES, 60_000)
      const second = await again.stop(10_000)
      assert.equal(first.succeeded + second.succeeded, MESSAGES)
      assert.ok(receiver.seen.every((s) => s.error === null), 'every request has a valid signature')
      assert.deepEqual(sorted(receiver.accepted()), sorted(published), 'every message once, none twice')
      const statuses = (await outbox.deliveries()).map((d) => d.status)
      assert.deepEqual([statuses.length, new Set(statuses)], [MESSAGES, new Set(['succeeded'])])
    }))
  })
}

// The outbox's Promises are settled on the JS thread from one wake-up for any number of calls
// (src/local.rs): each call still gets its own answer or its own error.
for (const engine of ENGINES) {
  test(`calls made at once on ${engine} each settle with their own answer`, () => withOutbox(engine, async (outbox, receiver) => {
    await contractEndpoint(outbox, receiver)
    const calls = Array.from({ length: 200 }, (_, n) => n % 10 === 9
      ? outbox.delivery(`dlv_missing${n}`).then(() => 'resolved', (error) => error)
      : outbox.publish('order.created', { id: n }, { idempotencyKey: `key-${n}` }))
    const answers = await Promise.all(calls)
    const ids = answers.filter((a) => typeof a === 'string')
    assert.equal(new Set(ids).size, 180, 'one message id per publish')
    for (const error of answers.filter((a) => typeof a !== 'string')) assert.ok(error instanceof NotFound, String(error))
    const again = await Promise.all([0, 1, 2].map((n) => outbox.publish('order.created', { id: n }, { idempotencyKey: `key-${n}` })))
    assert.deepEqual(again, answers.slice(0, 3), 'the idempotency key gives each its own message back')
    assert.equal(await outbox.queueDepth(), 180)
  }))
}

// A pending outbox Promise keeps the process alive, as napi's own do; with none pending, nothing
// does (the script exits by itself).
test('a script whose last line awaits an outbox call runs to its end, then exits', async () => {
  const { spawn } = await import('node:child_process')
  const { mkdtempSync, rmSync } = await import('node:fs')
  const { tmpdir } = await import('node:os')
  const { join } = await import('node:path')
  const dir = mkdtempSync(join(tmpdir(), 'hookwire-node-'))
  const script = [
    `import { Outbox } from ${JSON.stringify(new URL('../index.mjs', import.meta.url).href)}`,
    `const outbox = await Outbox.open(${JSON.stringify(`sqlite://${join(dir, 'o.db')}`)})`,
    `await outbox.addEndpoint('http://127.0.0.1:9/in', { secret: ${JSON.stringify(SECRET)}, allowPrivate: true })`,
    `const ids = await Promise.all([1, 2, 3].map((id) => outbox.publish('order.created', { id })))`,
    `console.log(ids.length, await outbox.queueDepth())`,
  ].join('\n')
  try {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (chunk) => { out += chunk })
    child.stderr.on('data', (chunk) => { err += chunk })
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    const [code, signal] = await new Promise((resolve) => child.on('exit', (...exit) => resolve(exit)))
    clearTimeout(killer)
    assert.deepEqual([code, signal, out.trim()], [0, null, '3 3'], err)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('calls leave the event loop free while the worker waits on a slow receiver', async () => {
  const receiver = await Receiver.start()
  receiver.answer = () => new Promise((resolve) => setTimeout(() => resolve([200, {}]), 300))
  const outbox = await Outbox.open(await databases.url('sqlite'))
  try {
    await outbox.addEndpoint(receiver.url(), { secret: SECRET, allowPrivate: true })
    await outbox.publish('order.created', { id: 1 })
    let ticks = 0
    const ticker = setInterval(() => ticks++, 5)
    const started = Date.now()
    const report = await outbox.runUntilIdle({ timeoutMs: 30_000 })
    clearInterval(ticker)
    assert.equal(report.succeeded, 1)
    assert.ok(Date.now() - started >= 300 && ticks >= 20, `the loop ticked ${ticks} times during a 0.3 s delivery`)
  } finally {
    await receiver.stop()
  }
})

const ERRORS = [
  ['a private URL without allowPrivate', (o) => o.addEndpoint('http://127.0.0.1:9/', { secret: SECRET }), BlockedUrl],
  ['cloud metadata even with allowPrivate', (o) => o.addEndpoint('http://169.254.169.254/', { secret: SECRET, allowPrivate: true }), BlockedUrl],
  ['no secret', (o) => o.addEndpoint('https://example.com/', {}), InvalidSecret],
  ['no options', (o) => o.addEndpoint('https://example.com/'), InvalidSecret],
  ['a secret the scheme cannot use', (o) => o.addEndpoint('https://example.com/', { secret: 'not base64!' }), InvalidSecret],
  ['a Secret without text', (o) => o.addEndpoint('https://example.com/', { secret: Secret.fromBytes(Buffer.alloc(32, 107)) }), InvalidSecret],
  ['an unknown scheme', (o) => o.addEndpoint('https://example.com/', { scheme: 'nope', secret: SECRET }), UnknownScheme],
  ['an unknown pattern', (o) => o.addEndpoint('https://example.com/', { secret: SECRET, events: ['order.shipped'] }), UnknownEventType],
  ['an unknown preset', (o) => o.addEndpoint('https://example.com/', { secret: SECRET, retry: 'weekly' }), InvalidArgument],
  ['an unknown retry key', (o) => o.addEndpoint('https://example.com/', { secret: SECRET, retry: { delays: [0] } }), InvalidArgument],
  ['an unknown option', (o) => o.addEndpoint('https://example.com/', { secret: SECRET, event: ['order.*'] }), InvalidArgument],
  ['a negative timeout', (o) => o.addEndpoint('https://example.com/', { secret: SECRET, timeoutMs: -1 }), InvalidArgument],
  ['events as a string', (o) => o.addEndpoint('https://example.com/', { secret: SECRET, events: 'order.*' }), InvalidArgument],
  ['a bad endpoint id', (o) => o.addEndpoint('https://example.com/', { secret: SECRET, id: 'a b' }), InvalidArgument],
  ['no data', (o) => o.publish('order.created'), InvalidArgument],
  ['data that is not an order', (o) => o.publish('order.created', { total_amount: 'lots' }), InvalidPayload],
  ['data holding a BigInt (JSON.stringify refuses it)', (o) => o.publish('order.created', { id: 1n }), InvalidArgument],
  ['data with a cycle', (o) => o.publish('user.created', (() => { const d = { id: 1 }; d.self = d; return d })()), InvalidArgument],
  ['a type with a space', (o) => o.publish('order created', {}), InvalidArgument],
  ['an unknown status', (o) => o.deliveries({ status: 'done' }), InvalidArgument],
  ['an unknown delivery', (o) => o.retry('dlv_missing'), NotFound],
  ['an unknown message', (o) => o.message('msg_missing'), NotFound],
  ['an unknown endpoint', (o) => o.sendTestEvent('ep_missing', 'order.created'), NotFound],
  ['an unknown test event type', (o) => o.sendTestEvent('ep_missing', 'order.shipped'), UnknownEventType],
  ['recover without since', (o) => o.recover('ep_missing', {}), InvalidArgument],
  ['a concurrency of 0', (o) => o.runUntilIdle({ concurrency: 0 }), InvalidArgument],
  ['a negative purge age', (o) => o.purge(-1), InvalidArgument],
]

describe('bad input fails with the error of its code (arguments throw at the call, the database rejects)', () => {
  for (const [what, call, cls] of ERRORS) {
    test(what, async () => {
      const outbox = await Outbox.open(await databases.url('sqlite'))
      let thrown
      try {
        await call(outbox) // a Promise that rejects, or a call that throws at once
      } catch (error) {
        thrown = error
      }
      assert.ok(thrown instanceof cls, `${what}: ${thrown}`)
      assert.ok(thrown instanceof WebhookError && thrown.code === cls.code)
      assert.ok(!String(thrown).includes(SECRET) && !thrown.message.includes(SECRET), 'secrets are never printed')
      assert.deepEqual(await outbox.endpoints(), [])
      assert.equal(await outbox.queueDepth(), 0, 'nothing stored by a refused call')
    })
  }
})

test('data is JSON as JSON.stringify writes it (toJSON, Dates as text, undefined members left out)', async () => {
  const outbox = await Outbox.open(await databases.url('sqlite'))
  const when = new Date(Date.UTC(2026, 0, 2, 3, 4, 5))
  const cases = [
    [{ id: 1, placed_at: when }, { id: 1, placed_at: when.toISOString() }],
    [{ id: 2, note: undefined, total_amount: 45.99 }, { id: 2, total_amount: 45.99 }],
    [{ id: 3, money: { toJSON: () => '12.50' } }, { id: 3, money: '12.50' }],
    [{ id: 4, tags: [1, undefined, NaN] }, { id: 4, tags: [1, null, null] }],
  ]
  for (const [data, written] of cases) {
    const id = await outbox.publish('order.created', data)
    const stored = JSON.parse(Buffer.from((await outbox.message(id)).payload).toString())
    assert.deepEqual(stored.data, written, JSON.stringify(written))
  }
})

// A data object is written by JSON.stringify in the package layer (index.js) and read by the
// addon; whatever that path refuses goes to the addon's own \`publish\`: the errors are the
// addon's, message and all, and a refusal found at the call still throws there.
test('publish refuses data with the error and message of the addon, thrown at the call', async () => {
  const outbox = await Outbox.open(await databases.url('sqlite'))
  const cycle = { id: 1 }
  cycle.self = cycle
  const cases = [
    ['a BigInt', () => outbox.publish('order.created', { id: 1n }), /^invalid argument `data`: is not JSON: TypeError: Do not know how to serialize a BigInt$/],
    ['a cycle', () => outbox.publish('user.created', cycle), /^invalid argument `data`: is not JSON: TypeError: Converting circular structure to JSON/],
    ['a toJSON giving nothing', () => outbox.publish('order.created', { toJSON: () => undefined }), /^invalid argument `data`: is not JSON: JSON.stringify gives nothing for it$/],
    ['a lone surrogate', () => outbox.publish('order.created', { id: 1, note: '\ud800' }), /^invalid argument `data`: is not JSON: /],
    ['an event type that is not a string', () => outbox.publish(7, { id: 1 }), /^invalid argument `eventType`: must be a string, got number$/],
    ['an unknown option', () => outbox.publish('order.created', { id: 1 }, { nope: 1 }), /^invalid argument `options`: unknown option `nope`/],
  ]
  for (const [what, call, message] of cases) {
    assert.throws(call, (error) => error instanceof InvalidArgument && message.test(error.message), what)
  }
  assert.throws(() => Outbox.prototype.publish.call({}, 'order.created', { id: 1 }), TypeError, 'not an Outbox')
  assert.equal(await outbox.queueDepth(), 0)
})

// The body rule refuses an ArrayBuffer (input::body): JSON would write these as `{}` and publish it.
test('publish refuses array buffers and DataViews (JSON would write them as {}), naming what it got', async () => {
  const outbox = await Outbox.open(await databases.url('sqlite'))
  const withNote = new ArrayBuffer(4)
  withNote.note = 'x'
  const cases = [
    ['an ArrayBuffer', new ArrayBuffer(4), /got an ArrayBuffer: wrap its bytes in a Uint8Array$/],
    ['an ArrayBuffer with a property of its own', withNote, /got an ArrayBuffer: /],
    ['a SharedArrayBuffer', new SharedArrayBuffer(4), /got a SharedArrayBuffer: /],
    ['a DataView', new DataView(new ArrayBuffer(4)), /got a DataView: /],
  ]
  for (const [what, data, message] of cases) {
    assert.throws(
      () => outbox.publish('order.created', data),
      (error) => error instanceof InvalidArgument && /^invalid argument `data`: must be an object or a Buffer, /.test(error.message) && message.test(error.message),
      what,
    )
  }
})

// index.js stringifies a data object once: the addon is handed what JSON.stringify did, never the
// object to stringify again (a toJSON that throws once would then publish).
test("publish runs data's toJSON and getters once, also when JSON.stringify refuses it", async () => {
  const outbox = await Outbox.open(await databases.url('sqlite'))
  const once = (first) => {
    const counted = { calls: 0 }
    counted.data = { toJSON: () => (counted.calls++ === 0 ? first() : { id: 1 }) }
    return counted
  }
  const getter = { calls: 0 }
  getter.data = {
    get id() {
      if (getter.calls++ === 0) throw new RangeError('not yet')
      return 1
    },
  }
  const cases = [
    ['a toJSON that throws once', once(() => { throw new Error('once') }), /^invalid argument `data`: is not JSON: Error: once$/],
    ['a toJSON that gives nothing once', once(() => undefined), /^invalid argument `data`: is not JSON: JSON.stringify gives nothing for it$/],
    ['a getter that throws once', getter, /^invalid argument `data`: is not JSON: RangeError: not yet$/],
  ]
  for (const [what, counted, message] of cases) {
    assert.throws(() => outbox.publish('order.created', counted.data), (error) => error instanceof InvalidArgument && message.test(error.message), what)
    assert.equal(counted.calls, 1, what)
  }
})

// The future is polled before its Promise is made (src/local.rs): one that is done at that first
// poll still answers through its own Promise.
test('a publish refused by the outbox itself rejects its own Promise, beside calls that resolve', async () => {
  const outbox = await Outbox.open(await databases.url('sqlite'))
  const cases = [
    ['an idempotency key of 256 bytes', { idempotencyKey: 'x'.repeat(256) }, 'order.created', { id: 1 }, InvalidArgument, /`idempotency_key`: must be 1 to 255 bytes/],
    ['a type with a space', undefined, 'order created', { id: 2 }, InvalidArgument, /`event_type`: must be non-empty visible ASCII/],
    ['data that is not an order', undefined, 'order.created', { total_amount: 'lots' }, InvalidPayload, /`data.total_amount` must be a number/],
  ]
  for (const [what, options, type, data, cls, message] of cases) {
    const refused = outbox.publish(type, data, options)
    assert.ok(refused instanceof Promise, what)
    const accepted = outbox.publish('user.created', { user_id: 7 })
    await assert.rejects(refused, (error) => error instanceof cls && message.test(error.message), what)
    assert.match(await accepted, /^msg_/, what)
  }
})

test('one body rule: a string is the exact body (its UTF-8), as a Buffer or Uint8Array is', async () => {
  const outbox = await Outbox.open(await databases.url('sqlite'))
  const text = '{"type":"order.created","data":{"id":1,"note":"Zoë"}}'
  for (const body of [text, Buffer.from(text), new Uint8Array(Buffer.from(text))]) {
    const id = await outbox.publish('order.created', body)
    assert.deepEqual(Buffer.from((await outbox.message(id)).payload), Buffer.from(text, 'utf8'), typeof body)
  }
})

test('limits and timeouts have their codes', async () => {
  const outbox = await Outbox.open(await databases.url('sqlite'), { maxPayload: 256 * 1024 })
  assert.equal(outbox.maxPayload, 262_144)
  await outbox.addEndpoint('http://127.0.0.1:9/', { secret: SECRET, allowPrivate: true, timeoutMs: 200 })
  await assert.rejects(outbox.publish('blob.created', Buffer.alloc(300 * 1024, 120)), PayloadTooLarge)
  await outbox.publish('blob.created', Buffer.alloc(200 * 1024, 120))
  // Nothing listens on port 9: retried in a minute.
  await assert.rejects(outbox.runUntilIdle({ timeoutMs: 300 }), (error) => error instanceof Timeout && /1 deliveries not final/.test(error.message))
  await assert.rejects(Outbox.open(await databases.url('sqlite'), { maxPayload: 2 << 20 }), InvalidArgument)
  await assert.rejects(Outbox.open('mysql://localhost/db'), (error) => error instanceof InvalidArgument && /database URL/.test(error.message))
  await assert.rejects(Outbox.open(`${await databases.url('sqlite')}/missing/folder/outbox.db`), StoreError)
  assert.throws(() => new Outbox('sqlite:///x.db'), InvalidArgument)
})

test("the outbox's codes are the Rust outbox's and each has its class", () => {
  // OUTBOX_ERROR_CODES is hookwire_outbox::Error::CODES itself; its classes are lib/errors.js's.
  assert.ok(OUTBOX_ERROR_CODES.length > 0 && new Set(OUTBOX_ERROR_CODES).size === OUTBOX_ERROR_CODES.length)
  assert.deepEqual(new Set([...ERROR_CODES, ...OUTBOX_ERROR_CODES]), new Set(ERROR_CLASSES.keys()))
  assert.equal(ERROR_CODES.filter((code) => OUTBOX_ERROR_CODES.includes(code)).length, 0)
  for (const code of OUTBOX_ERROR_CODES) {
    const error = fromCode(code, 'x')
    assert.equal(error.code, code)
    assert.notEqual(error.constructor, WebhookError)
  }
})
