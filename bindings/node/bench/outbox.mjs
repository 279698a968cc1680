// The Node side of `make bench-bindings-outbox` (outbox/benches/bindings.rs runs it):
// `publish DB COUNT` times COUNT sequential `await outbox.publish` calls; `drain DB CONCURRENCY`
// times `outbox.runUntilIdle` over the deliveries already pending. One JSON line on stdout; the
// times start after the outbox is open.
import { Outbox } from '../index.mjs'

const [mode, db, number] = [process.argv[2], process.argv[3], Number(process.argv[4])]
const body = (n) => ({ id: n, order_number: `ORD-${n}`, total_amount: 45.99, status: 'pending' })
const outbox = await Outbox.open(db)
if (mode === 'publish') {
  const took = []
  for (let n = 0; n < number; n++) {
    const started = process.hrtime.bigint()
    await outbox.publish('order.created', body(n))
    took.push(Number(process.hrtime.bigint() - started) / 1e3)
  }
  const sorted = [...took].sort((a, b) => a - b)
  const mean = took.reduce((a, b) => a + b, 0) / took.length
  console.log(JSON.stringify({ p50_us: sorted[Math.floor(sorted.length / 2)], mean_us: mean }))
} else {
  const pending = await outbox.queueDepth()
  const started = process.hrtime.bigint()
  const report = await outbox.runUntilIdle({ timeoutMs: 300_000, concurrency: number, pollIntervalMs: 5 })
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  console.log(JSON.stringify({ succeeded: report.succeeded, per_second: pending / seconds }))
}
