// Replay claims through the Node binding, on each store (memory, a SQLite file, a real PostgreSQL
// and a real Redis): the highlights of the stores' conformance suite — a duplicate while the first
// is handled is in progress (409), a committed message is replayed (200), a released one lets the
// retry through, a claim lapses after the claim time, a lost claim's commit is false and changes
// nothing — through `verifyAsync` (every store) and `verify` (memory, SQLite); a network store
// never blocks the event loop, and one that goes down fails closed within seconds (503).
import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import {
  SeenStore, Signer, Verifier, Message, AsyncMessage, ReplayInProgress, Replayed, StoreError, InvalidState,
  InvalidArgument, InvalidSignature, responseStatus,
} from '../index.mjs'
import { Server, namespace } from './servers.mjs'

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const T = 1_700_000_000
const BODY = '{"id":"evt_1","type":"order.created","data":{}}'
const signed = (id = 'msg_1') => new Signer(SECRET).sign(BODY, { id, timestamp: T })

const servers = {}
const folder = mkdtempSync(join(tmpdir(), 'hookwire-claims-'))
before(async () => {
  ;[servers.postgres, servers.redis] = await Promise.all([Server.start('postgres'), Server.start('redis')])
})
after(async () => {
  await Promise.all(Object.values(servers).map((server) => server.stop()))
  rmSync(folder, { recursive: true, force: true })
})

/** Opens a handle on a fresh store of `kind`; `again()` opens another handle on the same entries. */
function fresh(kind) {
  const space = namespace()
  const path = join(folder, `${space}.db`)
  const memory = SeenStore.memory(1000)
  const open = {
    memory: () => memory,
    sqlite: () => SeenStore.sqlite(path, { namespace: space }),
    postgres: () => SeenStore.postgres(servers.postgres.url, { namespace: space }),
    redis: () => SeenStore.redis(servers.redis.url, { namespace: space }),
  }[kind]
  return { store: open(), again: open }
}

async function codeOf(promise) {
  try {
    await promise
    return 'accepted'
  } catch (error) {
    return error.code
  }
}

for (const kind of ['memory', 'sqlite', 'postgres', 'redis']) {
  describe(`claims on the ${kind} store (verifyAsync)`, () => {
    test('a duplicate while the first is handled is in progress (409)', async () => {
      const verifier = new Verifier(SECRET, { seenStore: fresh(kind).store })
      const first = await verifier.verifyAsync(BODY, signed(), { now: T })
      assert.ok(first instanceof AsyncMessage)
      assert.deepEqual([first.claimed, first.claimUntil], [true, T + 60])
      await assert.rejects(verifier.verifyAsync(BODY, signed(), { now: T + 1 }), (e) => e instanceof ReplayInProgress && e.code === 'replay_in_progress')
      assert.equal(responseStatus('replay_in_progress'), 409)
    })

    test('a committed message is replayed until its window ends (200)', async () => {
      const verifier = new Verifier(SECRET, { seenStore: fresh(kind).store })
      const first = await verifier.verifyAsync(BODY, signed(), { now: T })
      assert.equal(await first.commit(), true)
      for (const now of [T + 1, T + 300]) {
        await assert.rejects(verifier.verifyAsync(BODY, signed(), { now }), Replayed)
      }
      assert.equal(await codeOf(verifier.verifyAsync(BODY, signed(), { now: T + 301 })), 'timestamp_too_old')
      assert.equal(responseStatus('replayed'), 200)
    })

    test("a released message lets the sender's retry through", async () => {
      const verifier = new Verifier(SECRET, { seenStore: fresh(kind).store })
      const failed = await verifier.verifyAsync(BODY, signed(), { now: T })
      assert.equal(await failed.release(), true)
      assert.equal(await failed.release(), false, 'released once')
      const retry = await verifier.verifyAsync(BODY, signed(), { now: T + 2 })
      assert.equal(await retry.commit(), true)
      assert.equal(await failed.release(), false, 'a committed message is never released')
    })

    test('a claim lapses after the claim time', async () => {
      const verifier = new Verifier(SECRET, { seenStore: fresh(kind).store, claimTtl: 30 })
      await verifier.verifyAsync(BODY, signed(), { now: T }) // its handler died
      assert.equal(await codeOf(verifier.verifyAsync(BODY, signed(), { now: T + 29 })), 'replay_in_progress')
      assert.equal((await verifier.verifyAsync(BODY, signed(), { now: T + 30 })).claimUntil, T + 60)
    })

    test("a lost claim's commit is false and changes nothing", async () => {
      const verifier = new Verifier(SECRET, { seenStore: fresh(kind).store })
      const slow = await verifier.verifyAsync(BODY, signed(), { now: T })
      const retry = await verifier.verifyAsync(BODY, signed(), { now: T + 61 })
      assert.equal(await slow.commit({ now: T + 62 }), false)
      assert.equal(await slow.release(), false, "a late release keeps the retry's claim")
      assert.equal(await codeOf(verifier.verifyAsync(BODY, signed(), { now: T + 63 })), 'replay_in_progress')
      assert.equal(await retry.commit({ now: T + 63 }), true)
      assert.equal(await codeOf(verifier.verifyAsync(BODY, signed(), { now: T + 64 })), 'replayed')
      // Without `now`, a commit is at the instant verify was given: T, when the retry's claim counts.
      const late = await verifier.verifyAsync(BODY, signed('other'), { now: T })
      await verifier.verifyAsync(BODY, signed('other'), { now: T + 61 })
      assert.equal(await late.commit(), false)
    })

    test('two handles on one store share its claims', async () => {
      const { store, again } = fresh(kind)
      const [first, second] = [new Verifier(SECRET, { seenStore: store }), new Verifier(SECRET, { seenStore: again() })]
      const claimed = await first.verifyAsync(BODY, signed(), { now: T })
      assert.equal(await codeOf(second.verifyAsync(BODY, signed(), { now: T + 1 })), 'replay_in_progress')
      await claimed.commit()
      assert.equal(await codeOf(second.verifyAsync(BODY, signed(), { now: T + 2 })), 'replayed')
    })

    test('a forged request never reaches the store', async () => {
      const verifier = new Verifier(SECRET, { seenStore: fresh(kind).store })
      await assert.rejects(verifier.verifyAsync(BODY + ' ', signed(), { now: T }), InvalidSignature)
      assert.equal((await verifier.verifyAsync(BODY, signed(), { now: T })).claimed, true)
    })
  })
}

for (const kind of ['memory', 'sqlite']) {
  test(`verify claims at once on the ${kind} store; its message commits and releases at once`, () => {
    const verifier = new Verifier(SECRET, { seenStore: fresh(kind).store })
    const first = verifier.verify(BODY, signed('a'), { now: T })
    assert.ok(first instanceof Message)
    assert.throws(() => verifier.verify(BODY, signed('a'), { now: T + 1 }), ReplayInProgress)
    assert.equal(first.commit(), true)
    assert.throws(() => verifier.verify(BODY, signed('a'), { now: T + 2 }), Replayed)
    const failed = verifier.verify(BODY, signed('b'), { now: T })
    assert.equal(failed.release(), true)
    assert.equal(verifier.verify(BODY, signed('b'), { now: T + 1 }).claimed, true)
  })
}

for (const kind of ['postgres', 'redis']) {
  test(`verify refuses the ${kind} store: it would block the event loop`, () => {
    const verifier = new Verifier(SECRET, { seenStore: fresh(kind).store })
    assert.throws(() => verifier.verify(BODY, signed(), { now: T }), (e) => e instanceof InvalidState && /verifyAsync/.test(e.message))
  })
}

test('without a store nothing is claimed', async () => {
  const message = new Verifier(SECRET).verify(BODY, signed(), { now: T })
  assert.deepEqual([message.claimed, message.claimUntil, message.commit(), message.release()], [false, null, false, false])
  const pending = await new Verifier(SECRET).verifyAsync(BODY, signed(), { now: T })
  assert.deepEqual([await pending.commit(), await pending.release()], [false, false])
})

test('replayCapacity is the shorthand of a memory store', () => {
  const verifier = new Verifier(SECRET, { replayCapacity: 1 })
  assert.equal(verifier.seenStore.kind, 'memory')
  verifier.verify(BODY, signed('a'), { now: T })
  // Full of messages within their window: refused (503, the sender retries), never forgotten.
  assert.throws(() => verifier.verify(BODY, signed('b'), { now: T }), (e) => e instanceof StoreError && responseStatus(e.code) === 503)
  assert.throws(() => new Verifier(SECRET, { replayCapacity: 1, seenStore: SeenStore.memory(1) }), /replayCapacity/)
})

test('bad store arguments are invalid arguments naming them', () => {
  const cases = [
    [() => SeenStore.memory(-1), 'capacity'],
    [() => SeenStore.sqlite(5), 'path'],
    [() => SeenStore.sqlite(join(folder, 'x.db'), { namespace: 'no-dashes' }), 'namespace'],
    [() => SeenStore.redis('redis://localhost', { timeoutMs: -1 }), 'timeoutMs'],
    [() => SeenStore.redis('redis://localhost', { timeout: 1 }), 'options'],
    [() => SeenStore.open('mysql://db/app'), 'url'],
    [() => new SeenStore(), 'new'],
    [() => new Verifier(SECRET, { seenStore: 'sqlite:///x.db' }), 'seenStore'],
    [() => new Verifier(SECRET, { claimTtl: 1.5 }), 'claimTtl'],
    [() => new Verifier(SECRET).verify(BODY, signed(), { now: T }).commit({ now: 'soon' }), 'now'],
    [() => new Verifier(SECRET).verify(BODY, signed(), { now: T }).commit({ at: 1 }), 'options'],
  ]
  for (const [call, name] of cases) {
    assert.throws(call, (e) => e instanceof InvalidArgument && e.message.includes(`\`${name}\``), name)
  }
  assert.equal(SeenStore.open('memory').kind, 'memory')
  assert.doesNotMatch(String(SeenStore.postgres('postgres://app:password@db.internal/app')), /password/)
})

for (const kind of ['postgres', 'redis']) {
  test(`a ${kind} store killed mid-run fails closed within seconds, then service resumes`, async () => {
    const server = await Server.start(kind)
    try {
      const verifier = new Verifier(SECRET, { seenStore: server.store({ timeoutMs: 1000 }) })
      await (await verifier.verifyAsync(BODY, signed('before'), { now: T })).commit()
      await server.command('kill')
      const started = Date.now()
      await assert.rejects(verifier.verifyAsync(BODY, signed('during'), { now: T }), (e) => e instanceof StoreError && responseStatus(e.code) === 503)
      assert.ok(Date.now() - started < 5000, 'within the timeouts')
      await server.command('restart')
      const deadline = Date.now() + 15_000
      let message
      while (!message) {
        try {
          message = await verifier.verifyAsync(BODY, signed('during'), { now: T })
        } catch (error) {
          assert.ok(error instanceof StoreError && Date.now() < deadline, `service did not resume: ${error}`)
          await new Promise((resolve) => setTimeout(resolve, 200))
        }
      }
      assert.equal(await message.commit(), true)
    } finally {
      await server.stop()
    }
  })
}

test('verifyAsync never blocks the event loop while a store hangs', async () => {
  const verifier = new Verifier(SECRET, { seenStore: servers.redis.store({ timeoutMs: 1000 }) })
  await servers.redis.command('pause')
  let ticks = 0
  const timer = setInterval(() => ticks++, 10)
  try {
    await assert.rejects(verifier.verifyAsync(BODY, signed(), { now: T }), StoreError)
  } finally {
    clearInterval(timer)
    await servers.redis.command('resume')
  }
  // About 100 ticks of 10 ms in the 1 s timeout; a blocked loop would tick once.
  assert.ok(ticks >= 30, `ticks: ${ticks}`)
})
