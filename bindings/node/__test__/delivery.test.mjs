// The sender's building blocks: Outcome, RetryPolicy, Delivery, Scheduler, EndpointHealth, UrlGuard.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'

import { Outcome, RetryPolicy, Delivery, Scheduler, EndpointHealth, UrlGuard, RETRY_POLICIES, InvalidState, BlockedUrl, InvalidArgument } from '../index.mjs'

const S = 1000
const M = 60 * S
const H = 60 * M
/** An instant as the delivery side hands it back: a Date. */
const at = (ms) => new Date(ms)

describe('Outcome', () => {
  test('classes of responses and transport failures', () => {
    const cases = [[200, 'success'], [204, 'success'], [301, 'retryable'], [500, 'retryable'], [410, 'endpoint_gone'], [429, 'throttled'], [503, 'throttled']]
    for (const [status, cls] of cases) {
      const outcome = Outcome.response(status)
      assert.equal(outcome.outcomeClass, cls, String(status))
      assert.equal(outcome.status, status)
      assert.equal(outcome.isSuccess, cls === 'success')
    }
    const timeout = Outcome.transport('timeout', 30_000)
    assert.equal(timeout.status, null)
    assert.equal(timeout.failure, 'timeout')
    assert.equal(timeout.elapsedMs, 30_000)
    assert.throws(() => Outcome.transport('gremlins'), InvalidArgument)
  })
})

describe('RetryPolicy', () => {
  test('presets by name', () => {
    for (const name of RETRY_POLICIES) assert.equal(RetryPolicy.fromName(name).name, name)
    assert.throws(() => RetryPolicy.fromName('nope'), InvalidArgument)
  })
  test('standard-webhooks schedule (ms)', () => {
    const policy = RetryPolicy.fromName('standard-webhooks')
    assert.deepEqual(policy.schedule(), [0, 5 * S, 5 * M, 30 * M, 2 * H, 5 * H, 10 * H, 14 * H, 20 * H, 24 * H])
    assert.equal(policy.maxAttempts, 10)
    assert.equal(policy.maxAgeMs, null)
  })
  test('webnet: 60 s doubling, 3 retries', () => {
    assert.deepEqual(RetryPolicy.fromName('webnet').schedule(), [0, 60 * S, 120 * S, 240 * S])
  })
  test('table and exponential', () => {
    assert.deepEqual(RetryPolicy.table('t', [0, 1000, 5000]).schedule(), [0, 1000, 5000])
    assert.deepEqual(RetryPolicy.exponential('e', 1000, 2, 3000, 5).schedule(), [0, 1000, 2000, 3000, 3000])
    assert.throws(() => RetryPolicy.exponential('e', 1000, 0.5, 3000, 5), InvalidArgument)
    assert.throws(() => RetryPolicy.table('t', []), InvalidArgument)
  })
  test('next: retry at the schedule, give up after the last attempt, done on success', () => {
    const policy = RetryPolicy.table('t', [0, 1000, 5000])
    assert.deepEqual(policy.next(1, 0, 100, Outcome.response(500)), { action: 'retry', at: at(1100), delayMs: 1000 })
    assert.deepEqual(policy.next(2, at(0), at(1200), Outcome.response(500)), { action: 'retry', at: at(6200), delayMs: 5000 })
    assert.equal(policy.next(3, 0, 6300, Outcome.response(500)).action, 'give_up')
    assert.deepEqual(policy.next(1, 0, 100, Outcome.response(200)), { action: 'done' })
    assert.deepEqual(policy.next(1, 0, 100, Outcome.response(410)), { action: 'give_up', reason: 'endpoint_gone' })
  })
  test('throttles honour Retry-After', () => {
    const policy = RetryPolicy.table('t', [0, 1000])
    const decision = policy.next(1, 0, 0, Outcome.response(429, { 'retry-after': '120' }))
    assert.equal(decision.action, 'retry')
    assert.equal(decision.delayMs, 120_000)
  })
  test('jitter is deterministic with a seed and stays in range', () => {
    const base = RetryPolicy.table('t', [0, 10_000, 10_000])
    const a = base.withJitter('proportional', 0.2).withSeed(7)
    const b = base.withJitter('proportional', 0.2).withSeed(7)
    assert.equal(a.jitter, 'proportional')
    const d1 = a.next(1, 0, 0, Outcome.response(500))
    assert.deepEqual(b.next(1, 0, 0, Outcome.response(500)), d1)
    assert.ok(d1.delayMs >= 8000 && d1.delayMs <= 12000, String(d1.delayMs))
    assert.throws(() => base.withJitter('sideways'), InvalidArgument)
    assert.throws(() => base.withJitter('proportional', 2), InvalidArgument)
    assert.equal(base.jitter, 'none', 'withJitter returns a copy')
  })
})

describe('Delivery', () => {
  test('503 then 200: retrying, then succeeded, with the attempt log', () => {
    const policy = RetryPolicy.fromName('standard-webhooks')
    const delivery = new Delivery('msg_1', 0)
    assert.equal(delivery.state, 'pending')
    assert.deepEqual(delivery.due, at(0))
    assert.equal(delivery.record(policy, 0, Outcome.response(503, {}, 80), 'busy', 80), 'retrying')
    assert.deepEqual(delivery.due, at(60_080), '503 throttles: at least 60 s')
    assert.equal(delivery.record(policy, 60_080, Outcome.response(200, {}, 20), Buffer.from('ok'), 60_100), 'succeeded')
    assert.equal(delivery.due, null)
    const [first, second] = delivery.attempts
    assert.deepEqual(first, { number: 1, startedAt: at(0), durationMs: 80, status: 503, outcomeClass: 'throttled', responseBody: 'busy', responseTruncated: false, manual: false })
    assert.equal(second.status, 200)
    assert.equal(Outcome.transport('dns').failure, 'dns')
    assert.throws(() => delivery.record(policy, 0, Outcome.response(200), '', 0), InvalidState)
  })
  test('cancel, manual retry, and the JSON round trip', () => {
    const policy = RetryPolicy.table('t', [0, 1000])
    const delivery = new Delivery('msg_2', 5)
    delivery.cancel(10)
    assert.equal(delivery.state, 'cancelled')
    assert.throws(() => delivery.cancel(11), InvalidState)
    delivery.retry(20)
    assert.equal(delivery.state, 'pending')
    assert.equal(delivery.record(policy, 20, Outcome.transport('connect'), '', 30), 'failed')
    assert.equal(delivery.attempts[0].manual, true)
    const back = Delivery.fromJson(delivery.toJson())
    assert.equal(back.id, 'msg_2')
    assert.deepEqual(back.createdAt, at(5))
    assert.equal(back.state, 'failed')
    assert.deepEqual(back.attempts, delivery.attempts)
    assert.throws(() => Delivery.fromJson('{"nope":1}'), (e) => e instanceof InvalidArgument && e.code === 'invalid_argument')
  })
  test('long response bodies are cut', () => {
    const delivery = new Delivery('msg_3', 0)
    delivery.record(RetryPolicy.table('t', [0, 1]), 0, Outcome.response(500), 'x'.repeat(30_000), 1)
    assert.equal(delivery.attempts[0].responseTruncated, true)
    assert.equal(delivery.attempts[0].responseBody.length, 20 * 1024)
  })
})

describe('Scheduler', () => {
  test('schedule, reschedule, cancel, popDue in due order', () => {
    const scheduler = new Scheduler()
    assert.equal(scheduler.len, 0)
    assert.equal(scheduler.nextDue(), null)
    assert.equal(scheduler.schedule('a', 300), true)
    assert.equal(scheduler.schedule('b', 100), true)
    assert.equal(scheduler.schedule('c', 200), true)
    assert.equal(scheduler.schedule('a', 50), false, 'already scheduled: moved')
    assert.equal(scheduler.len, 3)
    assert.deepEqual(scheduler.nextDue(), at(50))
    assert.equal(scheduler.reschedule('c', 400), true)
    assert.equal(scheduler.reschedule('zz', 1), false)
    assert.ok(scheduler.contains('b'))
    assert.deepEqual(scheduler.popDue(at(150), 10), [['a', at(50)], ['b', at(100)]])
    assert.ok(!scheduler.contains('b'))
    assert.equal(scheduler.cancel('c'), true)
    assert.equal(scheduler.cancel('c'), false)
    assert.equal(scheduler.isEmpty, true)
  })
  test('limit and many entries', () => {
    const scheduler = new Scheduler()
    for (let i = 0; i < 10_000; i++) scheduler.schedule(`k${i}`, 10_000 - i)
    const due = scheduler.popDue(5_000, 3)
    assert.deepEqual(due, [['k9999', at(1)], ['k9998', at(2)], ['k9997', at(3)]])
    assert.equal(scheduler.len, 9_997)
  })
})

describe('EndpointHealth', () => {
  test('410 disables at once; enable', () => {
    const health = new EndpointHealth()
    assert.equal(health.record(Outcome.response(410), 0), 'disabled')
    assert.equal(health.isDisabled, true)
    assert.equal(health.disabledReason, 'gone')
    health.enable()
    assert.equal(health.isDisabled, false)
  })
  test('consecutive failures, recovery', () => {
    const health = new EndpointHealth({ disableAfterFailures: 3, disableAfterMs: null })
    assert.equal(health.record(Outcome.response(500), 0), 'started_failing')
    assert.equal(health.record(Outcome.response(500), 10), null)
    assert.equal(health.consecutiveFailures, 2)
    assert.deepEqual(health.failingSince, at(0))
    assert.equal(health.record(Outcome.response(200), 20), 'recovered')
    assert.equal(health.consecutiveFailures, 0)
    for (let i = 0; i < 2; i++) health.record(Outcome.response(500), 30 + i)
    assert.equal(health.record(Outcome.response(500), 40), 'disabled')
    assert.equal(health.disabledReason, 'consecutive_failures')
  })
  test('failing for longer than disableAfterMs', () => {
    const health = new EndpointHealth({ disableAfterMs: 1000 })
    health.record(Outcome.response(500), 0)
    assert.equal(health.record(Outcome.response(500), 500), null)
    assert.equal(health.record(Outcome.response(500), 1000), 'disabled')
    assert.equal(health.disabledReason, 'failing_for')
  })
})

describe('UrlGuard', () => {
  const guard = new UrlGuard()
  test('public URLs pass, with host and port', () => {
    assert.deepEqual(guard.checkUrl('https://hooks.example.com/x'), { host: 'hooks.example.com', port: 443, https: true })
    assert.deepEqual(guard.checkUrl('http://93.184.216.34:8080/'), { host: '93.184.216.34', port: 8080, https: false })
  })
  test('internal targets are blocked_url', () => {
    for (const url of ['http://127.0.0.1/', 'http://169.254.169.254/latest/meta-data', 'http://[::1]/', 'http://10.0.0.1/', 'http://user:pw@example.com/', 'ftp://example.com/', 'http://example.com:0/']) {
      assert.throws(() => guard.checkUrl(url), (e) => e instanceof BlockedUrl && e.code === 'blocked_url', url)
    }
    assert.throws(() => guard.checkIp('not-an-ip'), (e) => e instanceof InvalidArgument && e.code === 'invalid_argument')
    for (const ip of ['127.0.0.1', '192.168.1.1', '100.64.0.1', 'fd00::1', '::ffff:127.0.0.1', '0.0.0.0']) {
      assert.throws(() => guard.checkIp(ip), BlockedUrl, ip)
    }
    guard.checkIp('93.184.216.34')
  })
  test('checkResolved returns the address to connect to, refuses any internal one', () => {
    assert.equal(guard.checkResolved(['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946']), '93.184.216.34')
    assert.throws(() => guard.checkResolved(['93.184.216.34', '10.0.0.5']), BlockedUrl)
    assert.throws(() => guard.checkResolved([]), BlockedUrl)
  })
  test('httpsOnly and allow-listed networks', () => {
    assert.throws(() => new UrlGuard({ httpsOnly: true }).checkUrl('http://example.com/'), BlockedUrl)
    const allowing = new UrlGuard({ allow: ['10.1.0.0/16'] })
    allowing.checkIp('10.1.2.3')
    assert.throws(() => allowing.checkIp('10.2.0.1'), BlockedUrl)
    assert.throws(() => new UrlGuard({ allow: ['10.0.0.0/99'] }), InvalidArgument)
  })
})

describe('RetryPolicy getters are named like their setters', () => {
  test('withMaxAttempts / maxAttempts, withMaxAge / maxAgeMs, on a copy', () => {
    const base = RetryPolicy.fromName('standard-webhooks')
    const cases = [
      [base.withMaxAttempts(3), 3, null],
      [base.withMaxAge(2 * H), 10, 2 * H],
      [base.withMaxAttempts(4).withMaxAge(M), 4, M],
    ]
    for (const [policy, attempts, age] of cases) {
      assert.equal(policy.maxAttempts, attempts)
      assert.equal(policy.maxAgeMs, age)
    }
    assert.equal(base.maxAttempts, 10, 'the setters return copies')
    assert.equal('attempts' in base, false, 'the old getter name is gone')
  })
})

describe('instants are Dates on the delivery side', () => {
  test('a Date and the same unix ms are one instant; instants come back as Dates', () => {
    const cases = [0, 1_700_000_000_123, -5]
    for (const ms of cases) {
      const byDate = new Delivery('m', new Date(ms))
      const byMs = new Delivery('m', ms)
      assert.ok(byDate.createdAt instanceof Date)
      assert.equal(byDate.createdAt.getTime(), ms)
      assert.deepEqual(byDate.due, byMs.due)
    }
    const policy = RetryPolicy.table('t', [0, 1000])
    const decision = policy.next(1, new Date(0), new Date(100), Outcome.response(500))
    assert.ok(decision.at instanceof Date)
    assert.equal(decision.at.getTime(), 1100)
  })
  test('an invalid Date, a date string or unix seconds as text are refused, named', () => {
    for (const bad of [new Date('not a date'), '2026-01-01T00:00:00Z', '1700000000', {}]) {
      assert.throws(() => new Delivery('m', bad), (e) => e instanceof InvalidArgument && /`now`/.test(e.message) && e.argument === 'now')
    }
  })
})

describe('numbers', () => {
  const invalid = (run) => assert.throws(run, (e) => e instanceof InvalidArgument && e.code === 'invalid_argument')
  test('instants must be whole numbers and spans whole numbers ≥ 0 (never NaN as 0)', () => {
    const policy = RetryPolicy.fromName('svix')
    for (const bad of [NaN, 1.5, Infinity, 2 ** 53]) {
      invalid(() => new Delivery('m', bad))
      invalid(() => new Scheduler().schedule('k', bad))
      invalid(() => new Scheduler().popDue(bad, 10))
      invalid(() => policy.next(1, 0, bad, Outcome.response(500)))
      invalid(() => new Delivery('m', 0).record(policy, bad, Outcome.response(500), '', 10))
      invalid(() => new EndpointHealth().record(Outcome.response(500), bad))
    }
    for (const bad of [-1, NaN, 0.5]) {
      invalid(() => Outcome.response(200, {}, bad))
      invalid(() => Outcome.transport('timeout', bad))
      invalid(() => RetryPolicy.table('t', [0, bad]))
      invalid(() => policy.withMaxAge(bad))
      invalid(() => new EndpointHealth({ disableAfterMs: bad }))
    }
    // Whole numbers still work, negative instants included (before 1970 is a time too).
    const scheduler = new Scheduler()
    assert.equal(scheduler.schedule('k', -5), true)
    assert.deepEqual(scheduler.popDue(0, 10), [['k', at(-5)]])
  })
})
