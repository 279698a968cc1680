// Typed parse speed (issue 18's Node row): `parseEvent(body).data` with a field read, against
// `JSON.parse` of the same bytes, in one run, beside the figures when the issue was filed.
//   node bench/parse.mjs            (ROUNDS=15 N=20000 by default; env ROUNDS / N to change)
import { parseEvent, sampleEvent } from '../index.js'

const ROUNDS = Number(process.env.ROUNDS ?? 15)
const N = Number(process.env.N ?? 20000)

function time(fn) {
  for (let i = 0; i < Math.min(N, 2000); i++) fn() // warm-up
  const perRound = []
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.hrtime.bigint()
    for (let i = 0; i < N; i++) fn()
    perRound.push(Number(process.hrtime.bigint() - start) / N)
  }
  perRound.sort((a, b) => a - b)
  return perRound[perRound.length >> 1]
}

// The catalog's order event, as a receiver gets it: bytes.
const body = Buffer.from(sampleEvent('order.created').toJson())
const reference = JSON.parse(body.toString('utf8')).data.total_amount
if (parseEvent(body).data.total_amount !== reference) throw new Error('parseEvent and JSON.parse disagree')
let sink = 0
const typed = time(() => { sink += parseEvent(body).data.total_amount })
const parseOnly = time(() => { sink += parseEvent(body).type.length })
const json = time(() => { sink += JSON.parse(body.toString('utf8')).data.total_amount })
// `.data` read again on the same event: built once and kept (no napi call, no parse).
const kept = parseEvent(body)
const again = time(() => { sink += kept.data.total_amount })
const parseAgain = time(() => { sink += JSON.parse(body.toString('utf8')).data.total_amount })
if (Number.isNaN(sink)) throw new Error('unreachable')

const us = (ns) => (ns / 1000).toFixed(2)
console.log(`typed parse of the order event (${body.length} B), µs per call (median of ${ROUNDS} rounds × ${N}); node ${process.version}`)
console.log('')
console.log('| row | at filing | now | JSON.parse now | × at filing | × now | goal | |')
console.log('|---|---|---|---|---|---|---|---|')
const ratio = typed / json
console.log(`| parseEvent(order).data vs JSON.parse | 7.2 vs 1.45 | ${us(typed)} | ${us(json)} | 5.0× | ${ratio.toFixed(2)}× | ≤ 1.5× | ${ratio <= 1.5 ? 'met' : '**not met**'} |`)
console.log(`| parseEvent(order) without .data | | ${us(parseOnly)} | ${us(json)} | | ${(parseOnly / json).toFixed(2)}× | | |`)
console.log(`| .data read again (same event) vs JSON.parse | | ${us(again)} | ${us(parseAgain)} | | ${(again / parseAgain).toFixed(3)}× | | |`)
